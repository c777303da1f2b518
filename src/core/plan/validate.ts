import type { PlanIssue } from '../errors.js';
import { checkInputDefaults } from '../inputs.js';
import { compileExpression, ExpressionError, type CompiledExpression, type ExpressionScope } from '../expressions.js';
import type { Registry } from '../registry.js';
import { compileTemplates } from '../templates.js';
import { findCycle, joinRule, runsAfter } from './graph.js';
import type { Plan, Step } from './schema.js';

/** Levenshtein distance, for "did you mean" hints on misspelt ids. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

export function suggest(name: string, known: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, name.length / 3) ? ` (did you mean "${best}"?)` : '';
}

function knownList(known: string[]): string {
  return known.length === 0 ? 'none' : known.length > 12 ? `${known.slice(0, 12).join(', ')}, …` : known.join(', ');
}

/** The scope of a step's `input` templates. */
export function inputScope(step: Step): ExpressionScope {
  if (step.for_each !== undefined) return 'forEachInstance';
  if (step.repeat !== undefined) return 'repeatIteration';
  return 'step';
}

/**
 * Semantic checks of a schema-valid plan against the registry the run will see. Returns
 * every issue found (an empty list means the plan can be submitted). Pure.
 */
export function validatePlan(plan: Plan, registry: Registry): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const stepIds = Object.keys(plan.steps);
  const capabilityIds = Object.keys(registry);

  for (const [id, step] of Object.entries(plan.steps)) {
    const rule = joinRule(step.after);
    const afterPath = ['steps', id, 'after', ...(rule.mode === 'all' ? [] : [rule.mode === 'any' ? 'any' : 'of'])];
    rule.of.forEach((dep, i) => {
      if (dep === id) issues.push({ path: [...afterPath, i], message: `step "${id}" cannot run after itself` });
      else if (!(dep in plan.steps)) {
        issues.push({ path: [...afterPath, i], message: `unknown step "${dep}"${suggest(dep, stepIds)}; steps in this plan: ${knownList(stepIds)}` });
      }
    });
    if (new Set(rule.of).size !== rule.of.length) issues.push({ path: afterPath, message: 'a step is listed twice' });
    if (rule.mode === 'count' && rule.count > rule.of.length) {
      issues.push({ path: ['steps', id, 'after', 'count'], message: `count is ${rule.count} but only ${rule.of.length} steps are listed in "of"` });
    }

    if (step.capability !== undefined && !(step.capability in registry)) {
      const hint = suggest(step.capability, capabilityIds);
      issues.push({
        path: ['steps', id, 'capability'],
        message: `unknown capability "${step.capability}"${hint}; known: ${knownList(capabilityIds)} (function capabilities are registered through the library API)`,
      });
    }
    if (step.skill !== undefined && !capabilityIds.some((cap) => registry[cap]?.skills[step.skill as string] !== undefined)) {
      const skills = [...new Set(capabilityIds.flatMap((cap) => Object.keys(registry[cap]?.skills ?? {})))];
      issues.push({ path: ['steps', id, 'skill'], message: `no capability offers skill "${step.skill}"${suggest(step.skill, skills)}; skills offered: ${knownList(skills)}` });
    }
  }

  issues.push(...checkInputDefaults(plan));
  for (const [id, capability] of Object.entries(plan.capabilities ?? {})) {
    // buildRegistry lets a registered capability shadow a plan's; silently running other code than the plan says would be worse.
    if (registry[id]?.kind !== capability.kind) {
      issues.push({ path: ['capabilities', id], message: `capability "${id}" is declared in the plan and also registered in code; rename one` });
    }
  }

  const cycle = findCycle(plan);
  // A step listed in its own `after` is reported above; its one-step cycle would say it twice.
  if (cycle && cycle.length > 2) issues.push({ path: ['steps', cycle[0] as string, 'after'], message: `dependency cycle: ${cycle.join(' -> ')}` });

  // Expressions compile only after the graph is sound: reference checks need ancestors.
  if (issues.length === 0) issues.push(...validateExpressions(plan));
  return issues;
}

function validateExpressions(plan: Plan): PlanIssue[] {
  const issues: PlanIssue[] = [];
  for (const [id, step] of Object.entries(plan.steps)) {
    const checkRefs = (expression: CompiledExpression, path: (string | number)[], selfAllowed: boolean): void => {
      for (const ref of expression.stepRefs) {
        if (!(ref in plan.steps)) {
          issues.push({ path, message: `\`${expression.source}\` reads unknown step "${ref}"${suggest(ref, Object.keys(plan.steps))}` });
        } else if (ref === id ? !selfAllowed : !runsAfter(plan, id, ref)) {
          const why = ref === id ? 'a step can read its own output only in a repeat loop' : `"${id}" does not run after "${ref}"; add it to \`after\``;
          issues.push({ path, message: `\`${expression.source}\` reads steps.${ref}, but ${why}` });
        }
      }
    };
    const compile = (source: string, scope: ExpressionScope, path: (string | number)[], expects: 'bool' | 'list', selfAllowed = false): void => {
      try {
        const expression = compileExpression(source, scope);
        checkRefs(expression, path, selfAllowed);
        const fits = expression.type === 'dyn' || (expects === 'bool' ? expression.type === 'bool' : expression.type.startsWith('list'));
        if (!fits) issues.push({ path, message: `expression \`${source}\` gives ${expression.type}; it must give ${expects === 'bool' ? 'true or false' : 'a list'}` });
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        issues.push({ path, message: `expression \`${source}\` ${error.message}` });
      }
    };
    if (step.when !== undefined) compile(step.when, 'step', ['steps', id, 'when'], 'bool');
    if (step.for_each !== undefined) compile(step.for_each, 'step', ['steps', id, 'for_each'], 'list');
    if (step.repeat !== undefined) compile(step.repeat.until, 'repeatIteration', ['steps', id, 'repeat', 'until'], 'bool', true);
    try {
      for (const expression of compileTemplates(step.input, inputScope(step))) checkRefs(expression, ['steps', id, 'input'], step.repeat !== undefined);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      issues.push({ path: ['steps', id, 'input'], message: `template \`{{ ${error.source} }}\` ${error.message}` });
    }
  }
  for (const [id, capability] of Object.entries(plan.capabilities ?? {})) {
    if (capability.kind !== 'command') continue;
    capability.command.forEach((argument, i) => {
      try {
        compileTemplates(argument, 'command');
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        issues.push({ path: ['capabilities', id, 'command', i], message: `template \`{{ ${error.source} }}\` ${error.message}` });
      }
    });
  }
  return issues;
}
