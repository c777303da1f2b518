import { compileExpression, type CompiledExpression } from '../expressions.js';
import { compileTemplates } from '../templates.js';
import type { Plan } from './schema.js';
import { inputScope } from './validate.js';
import { listSteps } from './step-list.js';

/**
 * Whether any expression of a validated plan reads `context`: only then does a run take a
 * snapshot of the workspace context (a plan that does not read it pays nothing). Compiled
 * expressions are cached, so after validation this costs a walk over the plan.
 * @example planReadsContext(parsePlan('steps: { a: { skill: s, input: "{{ context.objectives }}" } }')) // true
 */
export function planReadsContext(plan: Plan): boolean {
  return planExpressions(plan).some((expression) => expression.readsContext);
}

/**
 * Every expression of a plan's steps and gates, compiled in the scope each is evaluated in.
 * Capability templates (a command's argv, an LLM's prompt) are left out: `context` is not in
 * their scope (a step passes what they need through its `input`).
 */
function planExpressions(plan: Plan): CompiledExpression[] {
  const found: CompiledExpression[] = [];
  for (const step of listSteps(plan.steps)) {
    if (step.when !== undefined) found.push(compileExpression(step.when, 'step'));
    if (step.for_each !== undefined) found.push(compileExpression(step.for_each, 'step'));
    if (step.repeat !== undefined) found.push(compileExpression(step.repeat.until, 'repeatIteration'));
    found.push(...compileTemplates(step.input, inputScope(step)));
    if (step.check?.input !== undefined) found.push(...compileTemplates(step.check.input, 'step'));
    if (step.records !== undefined) found.push(...compileTemplates(step.records, 'step'));
  }
  for (const phase of plan.phases ?? [])
    if (typeof phase !== 'string' && phase.gate !== undefined && 'policy' in phase.gate)
      found.push(compileExpression(phase.gate.policy, 'policy'));
  return found;
}
