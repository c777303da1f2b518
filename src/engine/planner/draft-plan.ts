import { randomUUID } from 'node:crypto';
import {
  BatonError,
  ErrorCode,
  llmDescription,
  plannerPrompt,
  PlanningResult,
  planningConstraintIssues,
  planOutline,
  readPlannerAnswer,
  registrySkills,
  skillReadiness,
  summarizeRegistry,
  usd,
  type Plan,
  type PlanningContext,
  type PlanningRecord,
  type PlanOutline,
  type LlmCapability,
  type PreflightReport,
  type RepairRequest,
  type SkillReadiness,
  type WorkspaceRegistry,
} from '../../core/index.js';
import { hashPlan, sha256Hex } from '../../ledger/index.js';
import type { ModelFactory } from '../../capabilities/llm/llm-model.js';
import type { LedgerStore, ProviderLeases } from '../../store/index.js';
import { AttemptLimitGate, KeyTurns, LeaseReleases } from '../provider-gate.js';
import { draftIssues, type DraftVerdict } from './draft-issues.js';
import { plannerCapability } from './planner-capability.js';
import { callPlanner } from './planner-call.js';

/** Repairs when none are asked for: enough for a model that listens, few enough to bound a planning's cost. */
export const DEFAULT_MAX_REPAIRS = 3;
const MAX_REPAIRS_LIMIT = 20;
/** Issues kept in the record: the first few say what kept the plan out. */
const RECORDED_ISSUES = 10;

/** What to draft a plan for. */
export interface DraftPlanInput {
  objective: string;
  /** The workspace registry: the planner capability (skill `plan`) and the capabilities the plan may use. */
  registry: WorkspaceRegistry;
  /** A design document the plan carries out (`--from`): its skills are analysed against the registry. */
  design?: { name: string; text: string };
  /** The workspace context (`--context`). */
  context?: PlanningContext;
  /** Constraints the plan must have; they replace whatever the model wrote for them. */
  constraints?: NonNullable<Plan['constraints']>;
  /** US dollars the planning's own model calls may cost; a call whose worst case would pass what is left is not made. */
  budgetUsd?: number;
  /** Answers sent back with their issues after the first (default 3). */
  maxRepairs?: number;
}

/** Where a planning is recorded, and what it calls the model with. */
export interface DraftPlanOptions {
  /** The workspace ledger the record is chained onto; without one it is only returned. */
  store?: Pick<LedgerStore, 'appendPlanningRecord'>;
  /**
   * Where the registry's provider limits (`limits:`) are counted, shared with every run of the
   * store: the planner's calls take their leases there like a step's. Without it they are not held.
   */
  leases?: ProviderLeases;
  signal?: AbortSignal;
  /** Tests and benches may swap the provider; the default is the `llm` kind's own. */
  makeModel?: ModelFactory;
}

/** What came of a planning. `plan` only when admitted: valid, routable, within policy. */
export interface DraftPlanResult {
  plan?: Plan;
  /** Why no plan was admitted (the last answer's issues, or the budget's or the provider's refusal); empty when admitted. */
  issues: string[];
  /** The outline of the last plan that parsed (admitted or not). */
  outline?: PlanOutline;
  preflight?: PreflightReport;
  readiness?: SkillReadiness;
  record: PlanningRecord;
  /** Wall time of the planning and the part of it spent in model calls, in ms. */
  timing: { totalMs: number; modelMs: number };
}

/**
 * Everything that refuses a planning before a call is made or anything is written: the
 * objective, the numbers, a registry without a planner, a budget without the planner's price.
 * `draftPlan` does it first; a surface that opens a workspace calls it before, so that bad
 * input creates none. Throws bad input.
 * @example
 * const { id } = checkDraftPlanInput({ objective: 'Ship it', registry, budgetUsd: 0.5 }); // 'planner'
 */
export function checkDraftPlanInput(input: DraftPlanInput): {
  id: string;
  config: LlmCapability;
  maxRepairs: number;
  worstCallUsd: number | undefined;
} {
  const maxRepairs = input.maxRepairs ?? DEFAULT_MAX_REPAIRS;
  if (!Number.isInteger(maxRepairs) || maxRepairs < 0 || maxRepairs > MAX_REPAIRS_LIMIT)
    throw new BatonError(
      ErrorCode.badInput,
      `max repairs must be a whole number from 0 to ${MAX_REPAIRS_LIMIT}, got ${String(maxRepairs)}`,
    );
  if (input.budgetUsd !== undefined && !(Number.isFinite(input.budgetUsd) && input.budgetUsd >= 0))
    throw new BatonError(
      ErrorCode.badInput,
      `the planning budget must be a number of US dollars of 0 or more, got ${String(input.budgetUsd)}`,
    );
  if (input.objective.trim() === '')
    throw new BatonError(ErrorCode.badInput, 'the objective is empty; say what the plan is for');
  const constraintIssues = input.constraints === undefined ? [] : planningConstraintIssues(input.constraints);
  if (constraintIssues.length > 0)
    throw new BatonError(
      ErrorCode.badInput,
      `the constraints to impose are not valid plan constraints:\n${constraintIssues.map((issue) => `  constraints.${issue}`).join('\n')}`,
    );
  const planner = plannerCapability(input.registry);
  const worstCallUsd = llmDescription(planner.config).costUsd;
  if (input.budgetUsd !== undefined && worstCallUsd === undefined)
    throw new BatonError(
      ErrorCode.badInput,
      `a planning budget needs the planner's price to bound each call, and capability "${planner.id}" has none: add price: { input_per_mtok, output_per_mtok } to it in the registry`,
    );
  return { ...planner, maxRepairs, worstCallUsd };
}

/**
 * Drafts a plan for an objective with the registry's planner (an `llm` capability with skill
 * `plan`), never running anything: the model answers with a plan through structured output,
 * Baton checks it (`draftIssues`) and sends the issues back for at most `maxRepairs` repairs.
 * Every call is within `budgetUsd` by its worst case, before it is made. The planning is
 * recorded in the workspace ledger (`plan.drafted`) whatever came of it.
 * Throws bad input (nothing called, nothing recorded) for a registry without a planner, a
 * budget without the planner's price, or bad numbers.
 * @example
 * const { plan, issues, outline } = await draftPlan({ objective: 'Ship the release notes', registry }, { store });
 */
export async function draftPlan(input: DraftPlanInput, options: DraftPlanOptions = {}): Promise<DraftPlanResult> {
  const started = performance.now();
  const planner = checkDraftPlanInput(input);
  const { maxRepairs, worstCallUsd: worstCall } = planner;
  const base = {
    objective: input.objective.trim(),
    registry: summarizeRegistry(input.registry),
    ...(input.design !== undefined && { design: input.design }),
    ...(input.constraints !== undefined && { constraints: input.constraints }),
    ...(input.context !== undefined && { context: input.context }),
  };
  const available = registrySkills(input.registry);
  const record: PlanningRecord = {
    id: `draft-${randomUUID()}`,
    promptHash: sha256Hex(plannerPrompt(base)),
    capability: planner.id,
    model: `${planner.config.provider} ${planner.config.model}`,
    calls: 0,
    repairs: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    budgetUsd: input.budgetUsd ?? null,
    result: PlanningResult.rejected,
    planHash: null,
    issues: [],
  };
  const signal = options.signal ?? new AbortController().signal;
  const limits =
    input.registry.limits !== undefined && options.leases !== undefined
      ? new AttemptLimitGate({
          leases: options.leases,
          limits: input.registry.limits,
          holder: record.id,
          signal,
          releases: new LeaseReleases(),
          turns: new KeyTurns(),
          now: () => Date.now(),
        })
      : undefined;
  let modelMs = 0;
  let repair: RepairRequest | undefined;
  let issues: string[] = [];
  let last: DraftVerdict | undefined;
  let readiness: SkillReadiness | undefined;
  for (let attempt = 0; attempt <= maxRepairs; attempt += 1) {
    if (input.budgetUsd !== undefined && record.costUsd + (worstCall as number) > input.budgetUsd + 1e-12) {
      issues = [
        `the planning budget ${usd(input.budgetUsd)} has ${usd(input.budgetUsd - record.costUsd)} left, less than the worst case of one more call to "${planner.id}" (${usd(worstCall as number)}); raise --budget or lower the planner's max_input_tokens/max_output_tokens`,
        ...issues,
      ];
      record.result = PlanningResult.overBudget;
      break;
    }
    const call = await callPlanner(planner.id, planner.config, plannerPrompt(base, repair), {
      signal,
      ...(options.makeModel !== undefined && { makeModel: options.makeModel }),
      ...(limits !== undefined && { limits }),
    });
    record.calls += 1;
    record.repairs = attempt;
    record.inputTokens += call.usage.inputTokens;
    record.outputTokens += call.usage.outputTokens;
    record.costUsd += call.costUsd;
    modelMs += call.ms;
    if (call.failure !== undefined) {
      issues = [call.failure.message];
      if (call.failure.type !== 'invalid_output') {
        record.result = PlanningResult.failed;
        break;
      }
      repair = { attempt: attempt + 1, issues, previous: call.failure.answer ?? null };
      continue;
    }
    const answer = readPlannerAnswer(call.answer);
    readiness = input.design === undefined ? undefined : skillReadiness(answer?.skills_needed ?? [], available);
    last = draftIssues(answer?.plan, input.registry, {
      ...(input.constraints !== undefined && { constraints: input.constraints }),
      ...(readiness !== undefined && { readiness }),
    });
    issues = last.issues;
    if (readiness !== undefined && readiness.needed.length === 0)
      issues = [...issues, 'skills_needed is empty: list every skill the design document needs'];
    if (issues.length === 0 && last.plan !== undefined) {
      record.result = PlanningResult.admitted;
      record.planHash = hashPlan(last.plan);
      break;
    }
    repair = { attempt: attempt + 1, issues, previous: answer?.plan ?? call.answer ?? null };
  }
  record.costUsd = Math.round(record.costUsd * 1e9) / 1e9;
  record.issues = issues.slice(0, RECORDED_ISSUES);
  await options.store?.appendPlanningRecord(record, new Date().toISOString());
  const admitted = record.result === PlanningResult.admitted;
  return {
    ...(admitted && last?.plan !== undefined && { plan: last.plan }),
    issues,
    ...(last?.plan !== undefined &&
      last.preflight !== undefined && { outline: planOutline(last.plan, last.preflight, readiness) }),
    ...(last?.preflight !== undefined && { preflight: last.preflight }),
    ...(readiness !== undefined && { readiness }),
    record,
    timing: { totalMs: performance.now() - started, modelMs },
  };
}
