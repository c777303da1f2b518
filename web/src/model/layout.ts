import dagre from '@dagrejs/dagre';

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 70;
const PHASE_PAD = 28;
const PHASE_MIN_WIDTH = 300;

export interface LayoutInput {
  id: string;
  after: string[];
  phase: string | null;
}

export interface Layout {
  positions: Map<string, { x: number; y: number }>;
  /** Each phase's box around its steps, when the layout could draw one. */
  phases: Map<string, { x: number; y: number; width: number; height: number }>;
}

/**
 * Above this many steps, dagre's layout takes seconds (it is super-linear); a plan that large is
 * laid out in layers by longest path instead, in linear time, without phase boxes.
 */
export const DAGRE_LIMIT = 400;

/** Where each step goes: dependencies left of their dependents, phases boxed around their steps. */
export function layoutPlan(steps: readonly LayoutInput[]): Layout {
  return steps.length > DAGRE_LIMIT ? layered(steps) : withDagre(steps);
}

function withDagre(steps: readonly LayoutInput[]): Layout {
  const graph = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  graph.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 120, marginx: 16, marginy: 16 });
  graph.setDefaultEdgeLabel(() => ({}));
  const known = new Set(steps.map((step) => step.id));
  const phases = new Set(steps.map((step) => step.phase).filter((phase): phase is string => phase !== null));
  for (const phase of phases) graph.setNode(`phase:${phase}`, { label: phase, paddingTop: PHASE_PAD });
  for (const step of steps) {
    graph.setNode(step.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
    if (step.phase !== null) graph.setParent(step.id, `phase:${step.phase}`);
  }
  for (const step of steps)
    for (const dependency of step.after) if (known.has(dependency)) graph.setEdge(dependency, step.id);
  dagre.layout(graph);
  const positions = new Map<string, { x: number; y: number }>();
  for (const step of steps) {
    const node = graph.node(step.id);
    positions.set(step.id, { x: node.x - NODE_WIDTH / 2, y: node.y - NODE_HEIGHT / 2 });
  }
  const boxes = new Map<string, { x: number; y: number; width: number; height: number }>();
  for (const phase of phases) {
    const inside = steps
      .filter((step) => step.phase === phase)
      .map((step) => positions.get(step.id) as { x: number; y: number });
    if (inside.length === 0) continue;
    const left = Math.min(...inside.map((p) => p.x)) - 16;
    const top = Math.min(...inside.map((p) => p.y)) - PHASE_PAD - 8;
    const right = Math.max(...inside.map((p) => p.x)) + NODE_WIDTH + 16;
    const bottom = Math.max(...inside.map((p) => p.y)) + NODE_HEIGHT + 16;
    // Wide enough for the phase's name and readiness ("gate: awaiting approval") on one line.
    const width = Math.max(right - left, PHASE_MIN_WIDTH);
    boxes.set(phase, { x: left - (width - (right - left)) / 2, y: top, width, height: bottom - top });
  }
  return { positions, phases: boxes };
}

function layered(steps: readonly LayoutInput[]): Layout {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const rank = new Map<string, number>();
  // Longest path from a root, iteratively (a recursive walk would overflow the stack on a long chain).
  const rankOf = (start: string): number => {
    const stack: string[] = [start];
    const onStack = new Set(stack);
    while (stack.length > 0) {
      const id = stack[stack.length - 1] as string;
      const after = byId.get(id)?.after ?? [];
      const pending = after.filter((dep) => byId.has(dep) && !rank.has(dep) && !onStack.has(dep));
      if (pending.length > 0) {
        for (const dep of pending) onStack.add(dep);
        stack.push(...pending);
        continue;
      }
      rank.set(
        id,
        after.reduce((most, dep) => Math.max(most, (rank.get(dep) ?? -1) + 1), 0),
      );
      onStack.delete(id);
      stack.pop();
    }
    return rank.get(start) ?? 0;
  };
  const rows = new Map<number, number>();
  const positions = new Map<string, { x: number; y: number }>();
  for (const step of steps) {
    const r = rankOf(step.id);
    const row = rows.get(r) ?? 0;
    rows.set(r, row + 1);
    positions.set(step.id, { x: r * (NODE_WIDTH + 64), y: row * (NODE_HEIGHT + 20) });
  }
  return { positions, phases: new Map() };
}
