import { kindTemplates } from '../capability-kinds.js';
import type { PlanIssue } from '../errors.js';
import { checkInputDefaults } from '../inputs.js';
import { compileExpression, ExpressionError, type CompiledExpression, type ExpressionScope } from '../expressions.js';
import type { Registry } from '../registry.js';
import { compileTemplates } from '../templates.js';
import { findCycle, joinRule, runsAfter } from './graph.js';
import type { Plan, Step } from './schema.js';
import { DEFAULT_PHASES } from '../governance/phases.js';
import { scopeIssues } from '../governance/scope.js';
import { judgeSkillOf } from '../governance/consensus-judge.js';
import { stepToolIssues } from './step-tool-issues.js';
import { knownList, suggest } from './suggest.js';
import { riskIssues } from '../governance/risks.js';
import { isDynamicSkill } from '../dynamic-skill.js';
import { listStepEntries, listStepIds, listSteps } from './step-list.js';

export { suggest };

/** An expression quoted in a message: long ones are cut (the path and line already say where it is). */
function quoted(source: string): string {
  const flat = source.replace(/\s+/g, ' ');
  return `\`${flat.length > 80 ? `${flat.slice(0, 77)}...` : flat}\``;
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
  const stepIds = listStepIds(plan.steps);
  const capabilityIds = Object.keys(registry);

  // The loop over every step allocates nothing per step unless it finds an issue: paths are built
  // when one is pushed, and a list of one dependency needs no set to have no duplicate.
  for (const [id, step] of listStepEntries(plan.steps)) {
    const rule = joinRule(step.after);
    const afterPath = (): (string | number)[] => [
      'steps',
      id,
      'after',
      ...(rule.mode === 'all' ? [] : [rule.mode === 'any' ? 'any' : 'of']),
    ];
    for (let i = 0; i < rule.of.length; i += 1) {
      const dep = rule.of[i] as string;
      if (dep === id) issues.push({ path: [...afterPath(), i], message: `step "${id}" cannot run after itself` });
      else if (!(dep in plan.steps)) {
        issues.push({
          path: [...afterPath(), i],
          message: `unknown step "${dep}"${suggest(dep, stepIds)}; steps in this plan: ${knownList(stepIds)}`,
        });
      }
    }
    if (rule.of.length > 1 && new Set(rule.of).size !== rule.of.length)
      issues.push({ path: afterPath(), message: 'a step is listed twice' });
    if (rule.mode === 'count' && rule.count > rule.of.length) {
      issues.push({
        path: ['steps', id, 'after', 'count'],
        message: `count is ${rule.count} but only ${rule.of.length} steps are listed in "of"`,
      });
    }

    if (step.capability !== undefined && !(step.capability in registry)) {
      const hint = suggest(step.capability, capabilityIds);
      issues.push({
        path: ['steps', id, 'capability'],
        message: `unknown capability "${step.capability}"${hint}; known: ${knownList(capabilityIds)} (function capabilities are registered through the library API, or given to the CLI with --capabilities FILE)`,
      });
    }
    if (step.skill !== undefined && !isDynamicSkill(step.skill) && !offersSkill(registry, capabilityIds, step.skill)) {
      const skills = [...new Set(capabilityIds.flatMap((cap) => Object.keys(registry[cap]?.skills ?? {})))];
      issues.push({
        path: ['steps', id, 'skill'],
        message: `no capability offers skill "${step.skill}"${suggest(step.skill, skills)}; skills offered: ${knownList(skills)}`,
      });
    }
  }

  issues.push(...checkInputDefaults(plan));
  for (const [id, capability] of Object.entries(plan.capabilities ?? {})) {
    // buildRegistry lets a registered capability shadow a plan's; silently running other code than the plan says would be worse.
    if (registry[id]?.kind !== capability.kind) {
      issues.push({
        path: ['capabilities', id],
        message: `capability "${id}" is declared in the plan and also registered in code; rename one`,
      });
    }
  }

  issues.push(...validateGovernance(plan, registry));
  issues.push(...stepToolIssues(plan, registry));
  issues.push(...scopeIssues(plan));
  issues.push(...riskIssues(plan));

  const cycle = findCycle(plan);
  // A step listed in its own `after` is reported above; its one-step cycle would say it twice.
  if (cycle && cycle.length > 2)
    issues.push({ path: ['steps', cycle[0] as string, 'after'], message: describeCycle(cycle) });

  // Expressions compile only after the graph is sound: reference checks need ancestors.
  if (issues.length === 0) issues.push(...validateExpressions(plan));
  return issues;
}

/** Whether one of the capabilities offers `skill`. */
function offersSkill(registry: Registry, capabilityIds: readonly string[], skill: string): boolean {
  for (const cap of capabilityIds) if (registry[cap]?.skills[skill] !== undefined) return true;
  return false;
}

/** Steps of a long cycle that a message names; a 10,000-step cycle printed whole was one 89 KB line. */
const CYCLE_SHOWN = 10;

/** `a -> b -> c -> a`, or for a long cycle its first steps and how many there are. */
export function describeCycle(cycle: readonly string[]): string {
  const steps = cycle.length - 1; // the first id is repeated at the end
  if (steps <= CYCLE_SHOWN) return `dependency cycle: ${cycle.join(' -> ')}`;
  return `dependency cycle of ${steps.toLocaleString('en-US')} steps: ${cycle.slice(0, CYCLE_SHOWN).join(' -> ')} -> ... -> ${cycle[0] as string} (${(steps - CYCLE_SHOWN).toLocaleString('en-US')} steps not shown)`;
}

/** Whether `list` only holds values of `granted`; the values that are not, else an empty list. */
function notIn<T>(list: readonly T[] | undefined, granted: readonly T[]): T[] {
  return (list ?? []).filter((value) => !granted.includes(value));
}

/**
 * The governance rules: phases, gates, confirmations, compensations, checks, built skills,
 * consensus and step constraints. Phases fail closed: once a plan uses them, every step must
 * say which one it belongs to, and nothing may wait on work of a later phase (it would wait
 * forever, since a later phase opens only after the earlier one is complete).
 */
function validateGovernance(plan: Plan, registry: Registry): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const stepIds = listStepIds(plan.steps);
  const capabilityIds = Object.keys(registry);
  const declared = plan.phases?.map((phase) => (typeof phase === 'string' ? phase : phase.id));
  const usesPhases = declared !== undefined || listSteps(plan.steps).some((step) => step.phase !== undefined);
  const phaseIds: readonly string[] = declared ?? (usesPhases ? DEFAULT_PHASES : []);
  const source = declared ? "the plan's `phases`" : 'the default phases (the plan has no `phases:`)';

  const seen = new Set<string>();
  declared?.forEach((id, i) => {
    const path = ['phases', i, ...(typeof plan.phases?.[i] === 'string' ? [] : ['id'])];
    if (seen.has(id)) issues.push({ path, message: `phase "${id}" is listed twice; each phase id must be unique` });
    seen.add(id);
  });

  /** A step's phase as an index into `phaseIds`, or -1 when it names none or an unknown one. */
  const phaseOf = (id: string): number => {
    const phase = plan.steps[id]?.phase;
    return phase === undefined ? -1 : phaseIds.indexOf(phase);
  };

  for (const [id, step] of listStepEntries(plan.steps)) {
    const path = ['steps', id];
    if (step.phase !== undefined && !phaseIds.includes(step.phase)) {
      issues.push({
        path: [...path, 'phase'],
        message: `unknown phase "${step.phase}"${suggest(step.phase, phaseIds)}; phases from ${source}: ${phaseIds.join(', ')}`,
      });
    } else if (step.phase === undefined && usesPhases) {
      issues.push({
        path,
        message: `step "${id}" names no phase, and this plan uses phases (${phaseIds.join(', ')}): add \`phase:\` with one of them (steps are never put in a phase by guess)`,
      });
    }
    const own = phaseOf(id);
    if (own >= 0) {
      const rule = joinRule(step.after);
      const afterPath = [...path, 'after', ...(rule.mode === 'all' ? [] : [rule.mode === 'any' ? 'any' : 'of'])];
      rule.of.forEach((dep, i) => {
        const theirs = phaseOf(dep);
        if (theirs > own) {
          issues.push({
            path: [...afterPath, i],
            message: `"${id}" (phase "${phaseIds[own]}") runs after "${dep}" (phase "${phaseIds[theirs]}"), a later phase that opens only once "${phaseIds[own]}" is complete; a step may run after steps of its own or an earlier phase`,
          });
        }
      });
    }

    if (step.compensate !== undefined && !(step.compensate in registry)) {
      issues.push({
        path: [...path, 'compensate'],
        message: `unknown capability "${step.compensate}"${suggest(step.compensate, capabilityIds)}; known: ${knownList(capabilityIds)}`,
      });
    }
    if (step.check !== undefined && !(step.check.capability in registry)) {
      issues.push({
        path: [...path, 'check', 'capability'],
        message: `unknown capability "${step.check.capability}"${suggest(step.check.capability, capabilityIds)}; known: ${knownList(capabilityIds)}`,
      });
    }
    step.builds?.forEach((skill, i) => {
      if (!capabilityIds.some((cap) => registry[cap]?.skills[skill] !== undefined)) {
        issues.push({
          path: [...path, 'builds', i],
          message: `no capability offers skill "${skill}", so building it makes nothing routable; declare the capability that will offer it once "${id}" succeeded`,
        });
      }
      const builder = stepIds.find((other) => other !== id && plan.steps[other]?.builds?.includes(skill));
      if (builder !== undefined && stepIds.indexOf(builder) < stepIds.indexOf(id)) {
        issues.push({
          path: [...path, 'builds', i],
          message: `skill "${skill}" is already built by step "${builder}"; one step builds a skill`,
        });
      }
    });

    if (step.consensus !== undefined && step.skill !== undefined) {
      const skill = step.skill;
      const offering = capabilityIds.filter((cap) => registry[cap]?.skills[skill] !== undefined);
      if (offering.length > 0 && step.consensus.n > offering.length) {
        issues.push({
          path: [...path, 'consensus', 'n'],
          message: `consensus needs ${step.consensus.n} distinct capabilities offering "${skill}", but only ${offering.length} do (${offering.join(', ')}); n can be at most ${offering.length}`,
        });
      }
      const compare = step.consensus.compare;
      const judge = judgeSkillOf(step.consensus);
      if (judge !== null && !capabilityIds.some((cap) => registry[cap]?.skills[judge] !== undefined)) {
        const skills = [...new Set(capabilityIds.flatMap((cap) => Object.keys(registry[cap]?.skills ?? {})))].sort();
        issues.push({
          path: [...path, 'consensus', 'compare', ...(typeof compare === 'object' ? ['judge'] : [])],
          message: `no capability offers skill "${judge}" to judge the consensus${suggest(judge, skills)}; skills offered: ${knownList(skills)}`,
        });
      }
      if (typeof compare === 'string' && compare !== 'exact' && compare !== 'json' && compare !== 'judge') {
        try {
          compileExpression(compare, 'compare');
        } catch (error) {
          if (!(error instanceof ExpressionError)) throw error;
          issues.push({
            path: [...path, 'consensus', 'compare'],
            message: `expression ${quoted(compare)} ${error.message}; compare is \`exact\`, \`json\`, \`judge\`, \`{ judge: SKILL }\` or a CEL expression over \`a\` and \`b\``,
          });
        }
      }
    }

    // A run that lists no `allow` allows every kind; one that lists no `permissions` grants none.
    // A step without constraints narrows nothing, and cannot widen anything either.
    if (step.constraints !== undefined)
      for (const field of ['allow', 'permissions'] as const) {
        const listed = plan.constraints?.[field] as readonly string[] | undefined;
        if (listed === undefined && field === 'allow') continue;
        const run = listed ?? [];
        const wider = notIn(step.constraints?.[field] as readonly string[] | undefined, run);
        for (const value of wider) {
          const i = (step.constraints?.[field] as readonly string[]).indexOf(value);
          const granted =
            listed === undefined
              ? 'the run grants no permissions (it has no constraints.permissions)'
              : `"${value}" is not in the run's constraints.${field} (${knownList([...run])})`;
          issues.push({
            path: [...path, 'constraints', field, i],
            message: `${granted}; a step's constraints can only narrow the run's`,
          });
        }
      }
  }

  // Built skills: whoever uses one must come after its builder, or it would find no capability.
  const builders = new Map<string, string>();
  for (const [id, step] of listStepEntries(plan.steps))
    for (const skill of step.builds ?? []) if (!builders.has(skill)) builders.set(skill, id);
  for (const [id, step] of listStepEntries(plan.steps)) {
    const builder = step.skill === undefined ? undefined : builders.get(step.skill);
    if (builder === undefined || builder === id || !(builder in plan.steps)) continue;
    const [own, theirs] = [phaseOf(id), phaseOf(builder)];
    if (usesPhases && own >= 0 && theirs >= 0 && own < theirs) {
      issues.push({
        path: ['steps', id, 'skill'],
        message: `skill "${step.skill}" is built by "${builder}" in phase "${phaseIds[theirs]}", which opens after "${id}"'s phase "${phaseIds[own]}"; move "${id}" to phase "${phaseIds[theirs]}" or later`,
      });
    } else if ((!usesPhases || own === theirs) && !runsAfter(plan, id, builder)) {
      issues.push({
        path: ['steps', id, 'skill'],
        message: `skill "${step.skill}" is built by step "${builder}", and "${id}" may start before it succeeded; add "${builder}" to \`after\`${usesPhases ? ' or move the step to a later phase' : ''}`,
      });
    }
  }

  plan.constraints?.confirm?.forEach((stepId, i) => {
    if (!(stepId in plan.steps))
      issues.push({
        path: ['constraints', 'confirm', i],
        message: `unknown step "${stepId}"${suggest(stepId, stepIds)}; steps in this plan: ${knownList(stepIds)}`,
      });
  });

  plan.phases?.forEach((phase, i) => {
    if (typeof phase === 'string' || phase.gate === undefined) return;
    const gate = phase.gate;
    const gatePath = ['phases', i, 'gate'];
    /** A gate can only wait on work of an earlier phase: the phase's own steps run after it opens. */
    const earlier = (stepId: string, path: (string | number)[], what: string): void => {
      if (!(stepId in plan.steps)) {
        issues.push({
          path,
          message: `unknown step "${stepId}"${suggest(stepId, stepIds)}; steps in this plan: ${knownList(stepIds)}`,
        });
        return;
      }
      const theirs = phaseOf(stepId);
      if (theirs >= i) {
        issues.push({
          path,
          message: `${what} step "${stepId}", which is in phase "${phaseIds[theirs]}": it cannot run before the gate of "${phase.id}" opens; a gate can only look at steps of earlier phases`,
        });
      }
    };
    // The old forms are one requirement at the gate itself; a composed gate's are under `all`.
    const requirements =
      'all' in gate ? gate.all.map((r, k) => ({ r, at: [...gatePath, 'all', k] })) : [{ r: gate, at: gatePath }];
    for (const { r: requirement, at } of requirements) {
      if ('evidence' in requirement) {
        requirement.evidence.checks?.forEach((stepId, j) =>
          earlier(stepId, [...at, 'evidence', 'checks', j], 'the gate needs'),
        );
        requirement.evidence.artifacts?.forEach((name, j) => {
          const slash = name.indexOf('/');
          if (slash <= 0 || slash === name.length - 1) {
            issues.push({
              path: [...at, 'evidence', 'artifacts', j],
              message: `artifact "${name}" is not named STEP/FILE (e.g. "build/report.json")`,
            });
          } else earlier(name.slice(0, slash), [...at, 'evidence', 'artifacts', j], `artifact "${name}" is written by`);
        });
      }
      if ('policy' in requirement) {
        const { policy } = requirement;
        const path = [...at, 'policy'];
        try {
          const expression = compileExpression(policy, 'policy');
          if (expression.type !== 'bool' && expression.type !== 'dyn')
            issues.push({
              path,
              message: `expression ${quoted(policy)} gives ${expression.type}; a policy must give true or false`,
            });
          for (const ref of expression.stepRefs) earlier(ref, path, `\`${policy}\` reads`);
          issues.push(...undeclaredInputs(plan, expression, path));
        } catch (error) {
          if (!(error instanceof ExpressionError)) throw error;
          issues.push({ path, message: `expression ${quoted(policy)} ${error.message}` });
        }
      }
    }
  });
  return issues;
}

/**
 * Issues for the `inputs.<name>` an expression reads that the plan does not declare: no run
 * can be given one (undeclared inputs are refused), so it would only fail at run time.
 */
function undeclaredInputs(plan: Plan, expression: CompiledExpression, path: (string | number)[]): PlanIssue[] {
  const declared = Object.keys(plan.inputs ?? {});
  return expression.inputRefs
    .filter((name) => !Object.hasOwn(plan.inputs ?? {}, name))
    .map((name) => ({
      path,
      message: `${quoted(expression.source)} reads inputs.${name}, which the plan does not declare${suggest(name, declared)}; ${declared.length === 0 ? 'the plan declares no inputs' : `declared: ${knownList(declared)}`} (declare it under \`inputs:\`)`,
    }));
}

function validateExpressions(plan: Plan): PlanIssue[] {
  const issues: PlanIssue[] = [];
  for (const [id, step] of listStepEntries(plan.steps)) {
    const checkRefs = (expression: CompiledExpression, path: (string | number)[], selfAllowed: boolean): void => {
      issues.push(...undeclaredInputs(plan, expression, path));
      for (const ref of expression.stepRefs) {
        if (!(ref in plan.steps)) {
          issues.push({
            path,
            message: `${quoted(expression.source)} reads unknown step "${ref}"${suggest(ref, listStepIds(plan.steps))}`,
          });
        } else if (ref === id ? !selfAllowed : !runsAfter(plan, id, ref)) {
          const why =
            ref === id
              ? 'a step can read its own output only in a repeat loop'
              : `"${id}" does not run after "${ref}"; add it to \`after\``;
          issues.push({ path, message: `${quoted(expression.source)} reads steps.${ref}, but ${why}` });
        }
      }
    };
    const compile = (
      source: string,
      scope: ExpressionScope,
      path: (string | number)[],
      expects: 'bool' | 'list',
      selfAllowed = false,
    ): void => {
      try {
        const expression = compileExpression(source, scope);
        checkRefs(expression, path, selfAllowed);
        const fits =
          expression.type === 'dyn' ||
          (expects === 'bool' ? expression.type === 'bool' : expression.type.startsWith('list'));
        if (!fits)
          issues.push({
            path,
            message: `expression ${quoted(source)} gives ${expression.type}; it must give ${expects === 'bool' ? 'true or false' : 'a list'}`,
          });
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        issues.push({ path, message: `expression ${quoted(source)} ${error.message}` });
      }
    };
    if (step.when !== undefined) compile(step.when, 'step', ['steps', id, 'when'], 'bool');
    if (step.for_each !== undefined) compile(step.for_each, 'step', ['steps', id, 'for_each'], 'list');
    if (step.repeat !== undefined)
      compile(step.repeat.until, 'repeatIteration', ['steps', id, 'repeat', 'until'], 'bool', true);
    if (isDynamicSkill(step.skill)) {
      try {
        for (const expression of compileTemplates(step.skill, 'forEachInstance'))
          checkRefs(expression, ['steps', id, 'skill'], false);
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        issues.push({
          path: ['steps', id, 'skill'],
          message: `template ${quoted(`{{ ${error.source} }}`)} ${error.message}`,
        });
      }
    }
    try {
      for (const expression of compileTemplates(step.input, inputScope(step)))
        checkRefs(expression, ['steps', id, 'input'], step.repeat !== undefined);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      issues.push({
        path: ['steps', id, 'input'],
        message: `template ${quoted(`{{ ${error.source} }}`)} ${error.message}`,
      });
    }
    for (const field of ['insight', 'outcome'] as const) {
      const template = step.records?.[field];
      if (template === undefined) continue;
      // Rendered once the step succeeded: it may read its own output as well as what ran before it.
      try {
        for (const expression of compileTemplates(template, 'step'))
          checkRefs(expression, ['steps', id, 'records', field], true);
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        issues.push({
          path: ['steps', id, 'records', field],
          message: `template ${quoted(`{{ ${error.source} }}`)} ${error.message}`,
        });
      }
    }
  }
  for (const [id, capability] of Object.entries(plan.capabilities ?? {})) {
    for (const template of kindTemplates(capability)) {
      const path = ['capabilities', id, ...template.path];
      try {
        for (const expression of compileTemplates(template.text, 'command'))
          issues.push(...undeclaredInputs(plan, expression, path));
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        issues.push({ path, message: `template ${quoted(`{{ ${error.source} }}`)} ${error.message}` });
      }
    }
  }
  return issues;
}
