import { planSchemas, type Constraints } from '../plan/schema.js';

/**
 * What is wrong with the constraints an operator imposes on a drafted plan, one line each
 * (`deadline: ...`); empty when they are valid plan constraints. Checked before any call:
 * a bad value would otherwise come back as the model's issue on every repair.
 * @example
 * planningConstraintIssues({ deadline: 'soon' }) // ['deadline: a duration like 30s, 5m, 2h, 1d ...']
 */
export function planningConstraintIssues(constraints: unknown): string[] {
  const parsed = planSchemas().Constraints.safeParse(constraints);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) =>
    issue.path.length === 0 ? issue.message : `${issue.path.join('.')}: ${issue.message}`,
  );
}

/** The constraints as the plan language types them. */
export type PlanningConstraints = Constraints;
