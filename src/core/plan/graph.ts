import type { After, Plan } from './schema.js';
import { listStepIds } from './step-list.js';

/** How a step joins its dependencies. `all` with no ids is a root step. */
export type JoinRule =
  { mode: 'all'; of: string[] } | { mode: 'any'; of: string[] } | { mode: 'count'; count: number; of: string[] };

export function joinRule(after: After | undefined): JoinRule {
  if (after === undefined) return { mode: 'all', of: [] };
  if (Array.isArray(after)) return { mode: 'all', of: after };
  if ('any' in after) return { mode: 'any', of: after.any };
  return { mode: 'count', count: after.count, of: after.of };
}

/**
 * The ids a step's `after` lists, whatever its form: `joinRule(after).of` without building the
 * rule object, since the plan's graph walks ask it of every step.
 */
export function dependenciesOf(plan: Plan, stepId: string): readonly string[] {
  const after = plan.steps[stepId]?.after;
  if (after === undefined) return NO_IDS;
  if (Array.isArray(after)) return after;
  return 'any' in after ? after.any : after.of;
}

const NO_IDS: readonly string[] = [];

/** stepId -> the steps that name it in `after`, in plan order. */
export function dependentsIndex(plan: Plan): Map<string, string[]> {
  const index = new Map<string, string[]>();
  const ids = listStepIds(plan.steps);
  for (const id of ids) index.set(id, []);
  for (const id of ids) {
    const deps = dependenciesOf(plan, id);
    // A set only where a dependency could be listed twice (validation refuses that, but this does not rely on it).
    if (deps.length === 1) index.get(deps[0] as string)?.push(id);
    else if (deps.length > 1) for (const dep of new Set(deps)) index.get(dep)?.push(id);
  }
  return index;
}

/**
 * The first dependency cycle found, as the list of step ids around it (first id repeated at
 * the end). Iterative, so a 100,000-step chain cannot overflow the stack. Each step on the path
 * keeps its `after` list and how many of it are left to visit (from its end), rather than a copy
 * of the list to pop.
 */
export function findCycle(plan: Plan): string[] | undefined {
  const color = new Map<string, 'grey' | 'black'>();
  const pending: (readonly string[])[] = [];
  const left: number[] = [];
  for (const root of listStepIds(plan.steps)) {
    if (color.has(root)) continue;
    const path: string[] = [root];
    const rootDeps = dependenciesOf(plan, root);
    pending.push(rootDeps);
    left.push(rootDeps.length);
    color.set(root, 'grey');
    while (path.length > 0) {
      const top = left.length - 1;
      const remaining = left[top] as number;
      if (remaining === 0) {
        color.set(path.pop() as string, 'black');
        pending.pop();
        left.pop();
        continue;
      }
      left[top] = remaining - 1;
      const dep = (pending[top] as readonly string[])[remaining - 1] as string;
      if (!(dep in plan.steps)) continue;
      if (color.get(dep) === 'grey') return [...path.slice(path.indexOf(dep)), dep].reverse();
      if (color.has(dep)) continue;
      color.set(dep, 'grey');
      path.push(dep);
      const deps = dependenciesOf(plan, dep);
      pending.push(deps);
      left.push(deps.length);
    }
  }
  return undefined;
}

/** Whether `ancestor` must be terminal before `stepId` can start; stops at the first path found. */
export function runsAfter(plan: Plan, stepId: string, ancestor: string): boolean {
  const seen = new Set<string>();
  const pending = [...dependenciesOf(plan, stepId)];
  while (pending.length > 0) {
    const id = pending.pop() as string;
    if (id === ancestor) return true;
    if (seen.has(id) || !(id in plan.steps)) continue;
    seen.add(id);
    pending.push(...dependenciesOf(plan, id));
  }
  return false;
}
