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

export function dependenciesOf(plan: Plan, stepId: string): string[] {
  return joinRule(plan.steps[stepId]?.after).of;
}

/** stepId -> the steps that name it in `after`, in plan order. */
export function dependentsIndex(plan: Plan): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const id of listStepIds(plan.steps)) index.set(id, []);
  for (const id of listStepIds(plan.steps)) {
    for (const dep of new Set(dependenciesOf(plan, id))) index.get(dep)?.push(id);
  }
  return index;
}

/**
 * The first dependency cycle found, as the list of step ids around it (first id repeated at
 * the end). Iterative, so a 100,000-step chain cannot overflow the stack.
 */
export function findCycle(plan: Plan): string[] | undefined {
  const color = new Map<string, 'grey' | 'black'>();
  for (const root of listStepIds(plan.steps)) {
    if (color.has(root)) continue;
    const path: string[] = [root];
    const pending: string[][] = [[...dependenciesOf(plan, root)]];
    color.set(root, 'grey');
    while (path.length > 0) {
      const deps = pending.at(-1) as string[];
      const dep = deps.pop();
      if (dep === undefined) {
        color.set(path.pop() as string, 'black');
        pending.pop();
        continue;
      }
      if (!(dep in plan.steps)) continue;
      if (color.get(dep) === 'grey') return [...path.slice(path.indexOf(dep)), dep].reverse();
      if (color.has(dep)) continue;
      color.set(dep, 'grey');
      path.push(dep);
      pending.push([...dependenciesOf(plan, dep)]);
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
