import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  type Edge,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import { memo, useMemo } from 'react';
import { joinLabel } from '../model/plan.js';
import { layoutPlan, NODE_HEIGHT, NODE_WIDTH } from '../model/layout.js';
import type { PhaseModel, RunModel, StepModel } from '../model/run-model.js';

type StepData = { step: StepModel; selected: boolean };
type PhaseData = { phase: PhaseModel; readiness: string };

const KIND_LABEL: Record<StepModel['kind'], string> = {
  step: '',
  for_each: 'for each',
  consensus: 'consensus',
  'sub-plan': 'sub-plan',
  await: 'await',
};

function instancesText(step: StepModel): string | null {
  if (step.kind !== 'for_each') return null;
  const running = step.attempts.filter((attempt) => attempt.outcome === 'running' && attempt.role === null).length;
  if (step.items === null) return 'items not expanded yet';
  return `${step.accepted}/${step.items} done${running > 0 ? ` · ${running} running` : ''}`;
}

const StepNode = memo(function StepNode({ data }: NodeProps<Node<StepData>>) {
  const { step, selected } = data;
  const retries = step.attempts.filter((attempt) => attempt.role === null).length - 1;
  const instances = instancesText(step);
  return (
    <div
      className={`step-node node-${step.status}${selected ? ' selected' : ''}`}
      data-step={step.id}
      data-status={step.status}
    >
      <Handle type="target" position={Position.Left} />
      <div className="step-node-head">
        <span className="step-node-id">{step.id}</span>
        {KIND_LABEL[step.kind] && <span className="step-node-kind">{KIND_LABEL[step.kind]}</span>}
      </div>
      <div className="step-node-meta">
        <span className="step-node-status">{step.status}</span>
        {step.capability && <span className="muted"> · {step.capability}</span>}
      </div>
      <div className="step-node-meta muted">
        {instances ?? (retries > 0 ? `${retries} ${retries === 1 ? 'retry' : 'retries'}` : ' ')}
      </div>
      <Handle type="source" position={Position.Right} />
    </div>
  );
});

const PhaseNode = memo(function PhaseNode({ data }: NodeProps<Node<PhaseData>>) {
  return (
    <div className="phase-node">
      <span className="phase-node-title">{data.phase.id}</span>
      <span className={`phase-node-state phase-${data.readiness.split(':')[0]}`}>{data.readiness}</span>
    </div>
  );
});

const NODE_TYPES = { step: StepNode, phase: PhaseNode };

/** What a phase's box says about it: open, done, or what its gate waits for. */
function readinessOf(phase: PhaseModel, steps: StepModel[]): string {
  const mine = steps.filter((step) => step.phase === phase.id);
  const terminal = mine.filter((step) => ['succeeded', 'failed', 'skipped', 'cancelled'].includes(step.status));
  if (phase.opened && terminal.length === mine.length)
    return mine.some((step) => step.status === 'failed') ? 'done: partial' : 'done';
  if (phase.opened) return `open: ${terminal.length}/${mine.length}`;
  if (phase.waiting) return phase.gate && 'approval' in phase.gate ? 'gate: awaiting approval' : 'gate: closed';
  return phase.gate ? 'gated' : 'not open yet';
}

/**
 * The plan as a graph: steps coloured by state, dependencies as edges (labelled for `any` and
 * N-of-M joins), phases as boxes with their readiness. The layout is computed once per plan
 * revision; live events only change the nodes' data.
 */
export function PlanGraph({
  model,
  selected,
  onSelect,
}: {
  model: RunModel;
  selected: string | null;
  onSelect(step: string): void;
}) {
  const plan = model.plan;
  const steps = useMemo(() => [...model.steps.values()], [model.version]);
  const layout = useMemo(
    () => layoutPlan(steps.map((step) => ({ id: step.id, after: step.after, phase: step.phase }))),
    [plan, model.revision],
  );
  const large = steps.length > 400;

  const nodes = useMemo<Node[]>(() => {
    const phaseNodes: Node<PhaseData>[] = model.phases.flatMap((phase) => {
      const box = layout.phases.get(phase.id);
      if (!box) return [];
      return [
        {
          id: `phase:${phase.id}`,
          type: 'phase',
          position: { x: box.x, y: box.y },
          data: { phase, readiness: readinessOf(phase, steps) },
          style: { width: box.width, height: box.height },
          selectable: false,
          draggable: false,
          focusable: false,
          zIndex: -1,
        },
      ];
    });
    const stepNodes: Node<StepData>[] = steps.map((step) => ({
      id: step.id,
      type: 'step',
      position: layout.positions.get(step.id) ?? { x: 0, y: 0 },
      data: { step, selected: step.id === selected },
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
      draggable: false,
      ariaLabel: `step ${step.id}: ${step.status}`,
    }));
    return [...phaseNodes, ...stepNodes];
  }, [steps, layout, selected, model.phases]);

  const edges = useMemo<Edge[]>(
    () =>
      steps.flatMap((step) => {
        const label = plan?.steps[step.id] ? joinLabel(plan.steps[step.id]!) : null;
        return step.after.map((dependency) => ({
          id: `${dependency}->${step.id}`,
          source: dependency,
          target: step.id,
          ...(label && { label }),
          animated: !large && step.status === 'running',
          markerEnd: { type: MarkerType.ArrowClosed },
          className: `edge-${model.steps.get(dependency)?.status ?? 'waiting'}`,
        }));
      }),
    [steps, plan, large, model.steps],
  );

  return (
    <div className="graph" aria-label="plan graph" role="figure">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodeClick={(_event, node) => node.type === 'step' && onSelect(node.id)}
        nodesConnectable={false}
        nodesDraggable={false}
        elementsSelectable
        onlyRenderVisibleElements={large}
        // A large plan opens at its start, near full size: fitting thousands of steps on screen
        // would draw them all (and legibly none). Zooming out stops where a few hundred show.
        {...(large
          ? { defaultViewport: { x: 24, y: 24, zoom: 0.9 } }
          : { fitView: true, fitViewOptions: { padding: 0.15, maxZoom: 1.1 } })}
        minZoom={large ? 0.25 : 0.05}
      >
        <Background gap={24} size={1} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
