import type { RouteCandidate } from '../events.js';
import { joinRule } from '../plan/graph.js';
import type { Gate, Plan, Step } from '../plan/schema.js';
import { round, routeStep, staticPolicy, stepGrant } from '../routing.js';
import { judgeSkillOf } from './consensus-judge.js';
import { phasesOf } from './phases.js';
import { describeGate, needsConfirmation, usd } from './plan-controls.js';
import { formatRisks, riskProblems, riskRegister, type RiskView } from './risks.js';
import { stepScope } from './scope.js';
import { isDynamicSkill } from '../dynamic-skill.js';
import { buildRegistry, type Registry } from '../registry.js';
import { childPlanOf } from '../sub-plan.js';
import { listStepEntries, listStepIds } from '../plan/step-list.js';

export { describeGate, needsConfirmation, usd };

/**
 * Pre-flight: what a plan would do under its constraints, before anything is written. The
 * engine refuses a plan whose report has `problems`; `baton run --dry-run` prints the report.
 * Pure, and it routes with the conductor's own rule (`routeStep`) at the run's start, so what
 * it says is what the first decision would be.
 */

export interface PreflightStep {
  step: string;
  phase: string;
  /** The gate of the step's phase, in words, or null. */
  gate: string | null;
  /** It needs a person's yes before it is dispatched. */
  confirm: boolean;
  /** It waits for a signal (`await`). */
  awaits: string[] | null;
  /** What its capabilities may touch (the run's scope narrowed by its own), or null when no scope is declared. */
  scope: readonly string[] | null;
  /** The capability it would go to (the voters of a consensus), or null when it runs on none or cannot be routed. */
  capability: string | null;
  voters: string[] | null;
  reason: string;
  /** Every capability weighed, with its reason. */
  candidates: RouteCandidate[];
  /** Cost of one successful pass: one attempt (per voter, per item), plus its check or its consensus judge. */
  minUsd: number;
  /** Cost if everything is retried to the limit: chosen cost x (retry.max + 1) x voters x repeat.max, plus the check, plus the judge x (retry.max + 1). */
  worstUsd: number;
  /** `for_each`: the costs above are per item, since the number of items is known only when the run gets there. */
  perItem: boolean;
  /** It always runs (no `when` on it or on every path to it), so its minimum counts in the plan's minimum. */
  certain: boolean;
  /** How the worst case was computed, in words. */
  arithmetic: string;
}

export interface PreflightReport {
  plan: string;
  steps: PreflightStep[];
  /** Sum of the minimum costs of the steps that always run (for_each steps count zero items). */
  minUsd: number;
  /** Sum of the worst cases, for_each steps not included (see `perItemUsd`). */
  worstUsd: number;
  /** Worst case per item of each for_each step. */
  perItemUsd: Record<string, number>;
  budgetUsd: number | null;
  deadline: string | null;
  maxParallel: number | null;
  phases: { id: string; gate: string | null; onPartial: 'block' | 'continue'; steps: string[] }[];
  confirmations: string[];
  /** The plan's risk register, each control looked up in the plan; one not present is a problem. */
  risks: RiskView[];
  /** What makes the plan unrunnable as it stands: a non-empty list refuses the submit. */
  problems: string[];
  /** What is worth knowing but runs anyway (the conductor waits or asks), such as a worst case over budget. */
  notes: string[];
}

/**
 * Steps that run whatever the data says: no `when` on them, and joined to enough steps that always
 * run. One map for the walk: a step is `visiting` while the steps it joins are visited (met again
 * then, it is a cycle, and not certain), then certain or not.
 */
function certainSteps(plan: Plan): Map<string, boolean | 'visiting'> {
  const decided = new Map<string, boolean | 'visiting'>();
  for (const id of listStepIds(plan.steps)) isCertain(plan, decided, id);
  return decided;
}

/**
 * Whether step `id` is certain, deciding the steps it joins first. A function of the module, not
 * a closure made per call: V8 deoptimized the walk for each new closure ("wrong call target").
 */
function isCertain(plan: Plan, decided: Map<string, boolean | 'visiting'>, id: string): boolean {
  const known = decided.get(id);
  if (known !== undefined) return known === true;
  const step = plan.steps[id];
  if (!step) return false;
  decided.set(id, 'visiting');
  const rule = joinRule(step.after);
  let sure = 0;
  for (const dep of rule.of) if (isCertain(plan, decided, dep)) sure += 1;
  const needed = rule.mode === 'count' ? rule.count : 1;
  const result = step.when === undefined && (rule.of.length === 0 || sure >= needed);
  decided.set(id, result);
  return result;
}

/** What a step's report says whatever its route: where it runs, its gate, what it waits for. */
type StepBase = Omit<PreflightStep, keyof StepRoute>;
/** What a step's report says of its route and costs. */
type StepRoute = Pick<
  PreflightStep,
  'capability' | 'voters' | 'reason' | 'candidates' | 'minUsd' | 'worstUsd' | 'arithmetic'
>;

/**
 * A step's report, written field by field rather than as `{ ...base, ...route }`: V8 built each
 * spread-and-extend object in dictionary mode, and pre-flight of a 10,000-step chain took about
 * 2.4x the CPU (240 ms against 100 ms, median of 7) for it, most of it in the garbage collector.
 */
function stepReport(base: StepBase, route: StepRoute): PreflightStep {
  return {
    step: base.step,
    phase: base.phase,
    gate: base.gate,
    confirm: base.confirm,
    awaits: base.awaits,
    scope: base.scope,
    perItem: base.perItem,
    certain: base.certain,
    capability: route.capability,
    voters: route.voters,
    reason: route.reason,
    candidates: route.candidates,
    minUsd: route.minUsd,
    worstUsd: route.worstUsd,
    arithmetic: route.arithmetic,
  };
}

/** The money a step may use at the run's start: its own budget and the run's, the smaller. */
function startingBudget(plan: Plan, step: Step): number | null {
  const run = plan.constraints?.budget_usd;
  const own = step.constraints?.budget_usd;
  if (run === undefined) return own ?? null;
  return own === undefined ? run : Math.min(run, own);
}

function planStep(
  plan: Plan,
  registry: Registry,
  id: string,
  step: Step,
  phase: { id: string; gate: Gate | null },
  certain: boolean,
  problems: string[],
): PreflightStep {
  const base = {
    step: id,
    phase: phase.id,
    gate: describeGate(phase.gate),
    confirm: needsConfirmation(plan, id),
    awaits:
      step.await === undefined ? null : typeof step.await.signal === 'string' ? [step.await.signal] : step.await.signal,
    scope: stepScope(plan, id),
    perItem: step.for_each !== undefined,
    certain,
  };
  if (step.skill === undefined && step.capability === undefined && step.plan === undefined) {
    return stepReport(base, {
      capability: null,
      voters: null,
      reason: 'waits for a signal; runs on no capability',
      candidates: [],
      minUsd: 0,
      worstUsd: 0,
      arithmetic: 'no capability',
    });
  }
  if (isDynamicSkill(step.skill)) return dynamicSkillStep(plan, registry, id, step, base, problems);
  const route = routeStep(id, step, registry, staticPolicy(plan, step, startingBudget(plan, step)));
  if (!route.ok) {
    const candidates = route.candidates.map((c) => `${c.capability} (${c.kind}): ${c.reason}`);
    problems.push(
      `step "${id}" cannot be routed to an allowed, permitted capability: ${route.reason}${candidates.length > 0 ? `; candidates: ${candidates.join('; ')}` : ''}`,
    );
    return stepReport(base, {
      capability: null,
      voters: null,
      reason: route.reason,
      candidates: route.candidates,
      minUsd: 0,
      worstUsd: 0,
      arithmetic: 'not routable',
    });
  }
  if (childPlanOf(step) !== null) return subPlanStep(plan, registry, id, step, base, route.route, problems);
  const voters = route.route.voters ?? [route.route.capability];
  const costOf = (capability: string): number => registry[capability]?.costUsd ?? 0;
  const strongest = costOf(route.route.capability);
  const tries = (step.retry?.max ?? 0) + 1;
  const iterations = step.repeat?.max ?? 1;
  // A check and a compensation run on capabilities the step names, not routed ones: they must fit the grant too.
  if (step.check !== undefined || step.compensate !== undefined) {
    const grant = stepGrant(plan.constraints, step);
    namedCapabilityProblems(registry, id, 'check.capability', step.check?.capability, grant, problems);
    namedCapabilityProblems(registry, id, 'compensate', step.compensate, grant, problems);
  }
  const check = step.check ? costOf(step.check.capability) : 0;
  const judge = consensusJudge(plan, registry, id, step, problems);
  const judgeUsd = judge === null ? 0 : costOf(judge);
  const minUsd = round(voters.reduce((sum, voter) => sum + costOf(voter), 0) + check + judgeUsd);
  // A judge is retried like the step's work, and runs again after each of the votes' retries at worst.
  const worstUsd = round(strongest * tries * voters.length * iterations + check + judgeUsd * tries);
  const arithmetic =
    strongest === 0 && check === 0 && judgeUsd === 0
      ? 'free'
      : costArithmetic(strongest, tries, voters.length, iterations, check, judgeUsd, base.perItem);
  return stepReport(base, {
    capability: route.route.capability,
    voters: route.route.voters ?? null,
    reason: judge === null ? route.route.reason : `${route.route.reason}; judged by ${judge}`,
    candidates: route.route.candidates,
    minUsd,
    worstUsd,
    arithmetic,
  });
}

/**
 * Whether the capability a step names for its `field` (its check, its compensation) fits the
 * step's grant; pushes the problem when it does not. Nothing to say for one it names not at all.
 */
function namedCapabilityProblems(
  registry: Registry,
  id: string,
  field: 'check.capability' | 'compensate',
  capability: string | undefined,
  grant: ReturnType<typeof stepGrant>,
  problems: string[],
): void {
  if (capability === undefined) return;
  const descriptor = registry[capability];
  if (!descriptor) return;
  const missing = (descriptor.permissions ?? []).filter((permission) => !grant.permissions.includes(permission));
  if (grant.allow !== null && !grant.allow.includes(descriptor.kind))
    problems.push(
      `step "${id}": ${field} "${capability}" is of kind "${descriptor.kind}", which is not allowed (allow: ${grant.allow.join(', ') || 'none'})`,
    );
  else if (missing.length > 0)
    problems.push(
      `step "${id}": ${field} "${capability}" needs permission ${missing.map((p) => `"${p}"`).join(', ')}, which the run does not grant`,
    );
}

/** How a step's worst case was computed, in words, for a step that costs something. */
function costArithmetic(
  strongest: number,
  tries: number,
  votes: number,
  iterations: number,
  check: number,
  judgeUsd: number,
  perItem: boolean,
): string {
  const factors = [
    usd(strongest),
    ...(tries > 1 ? [`${tries} attempts`] : []),
    ...(votes > 1 ? [`${votes} votes`] : []),
    ...(iterations > 1 ? [`${iterations} iterations`] : []),
  ];
  const judged = judgeUsd > 0 ? ` + judge ${usd(judgeUsd)}${tries > 1 ? ` x ${tries} attempts` : ''}` : '';
  return `${factors.join(' x ')}${check > 0 ? ` + check ${usd(check)}` : ''}${judged}${perItem ? ' per item' : ''}`;
}

/**
 * A sub-plan step: the child's own pre-flight, against its own capabilities and the others of
 * the parent's registry, is the step's. Its minimum is the child's; its worst case
 * is the child's budget when it has one (it can never spend more), else the child's worst case,
 * which is unknown when the child fans out (`for_each`): then what the parent has left bounds it
 * at dispatch. The child's problems are the parent's: a child that cannot run refuses its parent.
 */
function subPlanStep(
  plan: Plan,
  registry: Registry,
  id: string,
  step: Step,
  base: StepBase,
  route: { capability: string; reason: string; candidates: RouteCandidate[] },
  problems: string[],
): PreflightStep {
  const child = childPlanOf(step) as Plan;
  // What the parent's run can use, besides the child's own: capabilities registered in code and the
  // workspace registry's, which the child run gets too when it is admitted (its admission has the last word).
  const registered = Object.values(registry).filter(
    (capability) => capability.kind !== 'plan' && !Object.hasOwn(child.capabilities ?? {}, capability.id),
  );
  const report = preflight(child, buildRegistry(child, registered));
  problems.push(...report.problems.map((problem) => `step "${id}", its sub-plan "${child.name}": ${problem}`));
  const own = child.constraints?.budget_usd;
  const fansOut = Object.keys(report.perItemUsd).length > 0;
  const worstUsd = own !== undefined ? Math.min(own, report.worstUsd) : report.worstUsd;
  const arithmetic =
    own !== undefined
      ? `the sub-plan's worst case ${usd(report.worstUsd)}, within its budget_usd ${usd(own)}`
      : fansOut
        ? `the sub-plan's worst case ${usd(report.worstUsd)} plus its for_each items, bounded by what the parent has left`
        : `the sub-plan's worst case ${usd(report.worstUsd)}`;
  return stepReport(base, {
    capability: route.capability,
    voters: null,
    reason: route.reason,
    candidates: route.candidates,
    minUsd: report.minUsd,
    worstUsd,
    arithmetic,
  });
}

/**
 * A step whose skill is a template (`{{ item.skill }}`) is routed per item at dispatch, so no
 * route is known before the run. Its costs are bounds over every capability its grant allows
 * (kind and permissions): the cheapest as the minimum, the dearest as the worst case, per item.
 * No capability allowed at all is a problem; a skill no capability offers is found at dispatch
 * and escalates the step.
 */
function dynamicSkillStep(
  plan: Plan,
  registry: Registry,
  id: string,
  step: Step,
  base: StepBase,
  problems: string[],
): PreflightStep {
  const grant = stepGrant(plan.constraints, step);
  const allowed = Object.values(registry).filter(
    (capability) =>
      (grant.allow === null || grant.allow.includes(capability.kind)) &&
      (capability.permissions ?? []).every((permission) => grant.permissions.includes(permission)),
  );
  const costs = allowed.map((capability) => capability.costUsd ?? 0);
  const tries = (step.retry?.max ?? 0) + 1;
  const reason = `skill \`${step.skill}\` is rendered per item and routed at dispatch; costs are bounds over the ${allowed.length} ${allowed.length === 1 ? 'capability' : 'capabilities'} its grant allows`;
  if (allowed.length === 0)
    problems.push(`step "${id}" has a skill template, and its grant allows no capability of the run's registry`);
  const dearest = costs.length === 0 ? 0 : Math.max(...costs);
  return stepReport(base, {
    capability: null,
    voters: null,
    reason,
    candidates: [],
    minUsd: costs.length === 0 ? 0 : round(Math.min(...costs)),
    worstUsd: round(dearest * tries),
    arithmetic:
      dearest === 0
        ? 'free'
        : `${usd(dearest)} (the dearest allowed capability)${tries > 1 ? ` x ${tries} attempts` : ''} per item`,
  });
}

/**
 * The capability that would judge a consensus step's votes (`compare: judge`), routed with the
 * conductor's rule under the step's grant and starting budget; null (and a problem) when none
 * may, or when the consensus has no judge.
 */
function consensusJudge(plan: Plan, registry: Registry, id: string, step: Step, problems: string[]): string | null {
  const skill = step.consensus === undefined ? null : judgeSkillOf(step.consensus);
  if (skill === null) return null;
  const judgeStep: Step = { skill, ...(step.constraints !== undefined && { constraints: step.constraints }) };
  const route = routeStep(id, judgeStep, registry, staticPolicy(plan, step, startingBudget(plan, step)));
  if (route.ok) return route.route.capability;
  const candidates = route.candidates.map((c) => `${c.capability} (${c.kind}): ${c.reason}`);
  problems.push(
    `step "${id}": no allowed, permitted capability can judge its consensus: ${route.reason}${candidates.length > 0 ? `; candidates: ${candidates.join('; ')}` : ''}`,
  );
  return null;
}

/**
 * What the plan would do and cost, step by step, and whether it can run at all.
 * @example
 * const report = preflight(plan, buildRegistry(plan));
 * if (report.problems.length > 0) throw new Error(report.problems.join('\n'));
 */
export function preflight(plan: Plan, registry: Registry): PreflightReport {
  const problems: string[] = [];
  const notes: string[] = [];
  const phases = phasesOf(plan);
  const phaseByStep = new Map<string, (typeof phases)[number]>();
  const declared = new Set(phases.map((phase) => phase.id));
  for (const [id, step] of listStepEntries(plan.steps)) {
    const phase = phases.find((candidate) => candidate.id === step.phase) ?? (phases[0] as (typeof phases)[number]);
    if (step.phase !== undefined && !declared.has(step.phase))
      problems.push(
        `step "${id}" names phase "${step.phase}", which the plan does not have (${[...declared].join(', ')})`,
      );
    phase.steps.push(id);
    phaseByStep.set(id, phase);
  }
  const certain = certainSteps(plan);
  const steps = listStepEntries(plan.steps).map(([id, step]) =>
    planStep(
      plan,
      registry,
      id,
      step,
      phaseByStep.get(id) as (typeof phases)[number],
      certain.get(id) === true,
      problems,
    ),
  );

  const counted = steps.filter((step) => step.certain && !step.perItem && step.minUsd > 0);
  const minUsd = round(counted.reduce((sum, step) => sum + step.minUsd, 0));
  const worstUsd = round(steps.filter((step) => !step.perItem).reduce((sum, step) => sum + step.worstUsd, 0));
  const perItemUsd = Object.fromEntries(steps.filter((step) => step.perItem).map((step) => [step.step, step.worstUsd]));
  const budgetUsd = plan.constraints?.budget_usd ?? null;
  if (budgetUsd !== null) {
    if (minUsd > budgetUsd + 1e-9) {
      problems.push(
        `minimum cost ${usd(minUsd)} (${counted.map((step) => `${step.step} ${usd(step.minUsd)}`).join(' + ')}) exceeds budget_usd ${usd(budgetUsd)}`,
      );
    } else if (worstUsd > budgetUsd + 1e-9 || Object.keys(perItemUsd).length > 0) {
      notes.push(
        `the worst case ${usd(worstUsd)}${
          Object.keys(perItemUsd).length > 0
            ? ` plus ${Object.entries(perItemUsd)
                .map(([id, cost]) => `${usd(cost)} per item of ${id}`)
                .join(', ')}`
            : ''
        } may exceed budget_usd ${usd(budgetUsd)}: attempts that would pass it wait for reservations to settle, or escalate`,
      );
    }
  }
  for (const step of steps) {
    const limit = plan.steps[step.step]?.constraints?.budget_usd;
    if (limit !== undefined && step.capability !== null && step.minUsd > limit + 1e-9) {
      problems.push(
        `step "${step.step}": minimum cost ${usd(step.minUsd)} exceeds its constraints.budget_usd ${usd(limit)}`,
      );
    }
  }
  const risks = riskRegister(plan);
  problems.push(...riskProblems(risks));
  return {
    plan: plan.name,
    steps,
    minUsd,
    worstUsd,
    perItemUsd,
    budgetUsd,
    deadline: plan.constraints?.deadline ?? null,
    maxParallel: plan.constraints?.max_parallel ?? null,
    phases: phases.map((phase) => ({
      id: phase.id,
      gate: describeGate(phase.gate),
      onPartial: phase.onPartial,
      steps: phase.steps,
    })),
    confirmations: listStepIds(plan.steps).filter((id) => needsConfirmation(plan, id)),
    risks,
    problems,
    notes,
  };
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** The report for a person: plain text, aligned columns, problems last. */
export function formatPreflight(report: PreflightReport): string {
  const perItem = Object.entries(report.perItemUsd);
  const lines = [`pre-flight of "${report.plan}"`, ''];
  lines.push(
    ...table([
      ['budget', report.budgetUsd === null ? 'none' : usd(report.budgetUsd)],
      ['minimum cost', usd(report.minUsd)],
      [
        'worst case',
        `${usd(report.worstUsd)}${perItem.map(([id, cost]) => ` + ${usd(cost)} per item of ${id}`).join('')}`,
      ],
      ['deadline', report.deadline ?? 'none'],
      ['max parallel', report.maxParallel === null ? 'no limit' : String(report.maxParallel)],
    ]).map((line) => `  ${line}`),
  );
  lines.push('', 'steps');
  const rows = [['step', 'phase', 'capability', 'minimum', 'worst case', 'why']];
  for (const step of report.steps) {
    const where = step.voters
      ? step.voters.join(', ')
      : (step.capability ?? (step.awaits ? `(signal ${step.awaits.join(' | ')})` : '(none)'));
    const scope = step.scope === null ? [] : [`scope ${step.scope.join(', ') || 'empty'}`];
    const flags = [
      ...(step.confirm ? ['confirm'] : []),
      ...(step.certain ? [] : ['conditional']),
      ...(step.perItem ? ['per item'] : []),
      ...scope,
    ];
    rows.push([
      step.step,
      step.phase,
      where,
      usd(step.minUsd),
      `${usd(step.worstUsd)} (${step.arithmetic})`,
      `${step.reason}${flags.length > 0 ? ` [${flags.join(', ')}]` : ''}`,
    ]);
  }
  lines.push(...table(rows).map((line) => `  ${line}`));
  lines.push('', 'phases');
  lines.push(
    ...table(
      report.phases.map((phase) => [
        phase.id,
        phase.gate === null ? 'no gate' : `gate: ${phase.gate}`,
        `on_partial: ${phase.onPartial}`,
        `${phase.steps.length} ${phase.steps.length === 1 ? 'step' : 'steps'}`,
      ]),
    ).map((line) => `  ${line}`),
  );
  lines.push('', `confirmations: ${report.confirmations.length === 0 ? 'none' : report.confirmations.join(', ')}`);
  if (report.risks.length > 0) lines.push('', 'risks', ...formatRisks(report.risks).map((line) => `  ${line}`));
  if (report.notes.length > 0) lines.push('', 'notes', ...report.notes.map((note) => `  - ${note}`));
  lines.push(
    '',
    report.problems.length === 0
      ? 'no problems: the plan can run'
      : `problems (${report.problems.length}): the plan cannot run as it stands`,
  );
  lines.push(...report.problems.map((problem) => `  - ${problem}`));
  return lines.join('\n');
}
