import { PlanError, type PlanIssue } from '../errors.js';
import { SUB_PLAN_MAX_DEPTH } from '../sub-plan.js';
import type { Plan } from './schema.js';
import { listStepEntries } from './step-list.js';

/**
 * The issues of a plan's inline sub-plans (`plan: { ... }` on a step), each checked as a plan of
 * its own by `check` (the same validation as any plan, against the registry it would get), with
 * paths below `steps.<id>.plan`. `depth` is the plan's own (1 for a plan that is no one's
 * child); a child deeper than SUB_PLAN_MAX_DEPTH is refused, which also ends a plan that
 * contains itself. A file reference (`plan: ./team.yaml`) is checked where it is read.
 */
export function inlineSubPlanIssues(
  plan: Plan,
  depth: number,
  check: (child: unknown, depth: number) => void,
): PlanIssue[] {
  const issues: PlanIssue[] = [];
  for (const [id, step] of listStepEntries(plan.steps)) {
    if (step.plan === undefined) continue;
    const path = ['steps', id, 'plan'];
    if (depth >= SUB_PLAN_MAX_DEPTH) {
      issues.push({
        path,
        message: `sub-plans nest at most ${SUB_PLAN_MAX_DEPTH} deep (a plan, its sub-plans, theirs, ...); this one would be ${depth + 1} deep, or a plan includes itself`,
      });
      continue;
    }
    if (typeof step.plan === 'string') continue;
    try {
      check(step.plan, depth + 1);
    } catch (error) {
      if (!(error instanceof PlanError)) throw error;
      for (const issue of error.issues) issues.push({ ...issue, path: [...path, ...issue.path] });
    }
  }
  return issues;
}
