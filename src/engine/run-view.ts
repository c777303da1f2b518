import {
  riskRegister,
  runTokens,
  type Approval,
  type AttemptHold,
  type Json,
  type RiskView,
  type RunState,
  type TokenUsage,
} from '../core/index.js';
import { pendingWithAnswers, type PipelinePending } from '../ledger/index.js';
import type { LedgerStore, RunRecord } from '../store/index.js';
import { loadVerifiedRun } from './load-run.js';
import { displayStatus, type RunResult } from './run-handle.js';

/** One step of a run as `baton status RUN` and `GET /v1/runs/:id/steps` show it. */
export interface StepRow {
  step: string;
  status: string;
  capability: string | null;
  attempts: number;
  error: string | null;
  /** The output, once the step succeeded. */
  output: Json;
  /** What its attempts' model calls used, summed; absent for a step that called none. */
  tokens?: TokenUsage;
  /** How often its model calls waited for a provider limit, and the latest wait; absent when none did. */
  held?: { times: number; last: AttemptHold };
}

/** A run at a glance: the shape of `baton status RUN --json` and `GET /v1/runs/:id`. */
export interface RunView {
  runId: string;
  name: string;
  /** `paused` or `waiting` while running but unable to go on by itself. */
  status: RunResult['status'];
  /** What waits for a person or a signal, each with the commands that answer it. */
  pending: PipelinePending[];
  /** Decisions a person approved, in the order approved, each with the evidence it bound (when recorded). */
  /** `verdict` is set on overrides only (`overridden`); an approval has none. */
  approvals: ({ id: string; verdict?: 'overridden' } & Approval)[];
  failure: string | null;
  paused: RunState['paused'];
  createdAt: string;
  endedAt: string | null;
  planHash: string;
  /** The run's correlation id (a W3C trace id); absent for runs created before it was recorded. */
  correlationId?: string;
  revision: number;
  events: number;
  budget: RunState['budget'];
  /** The tokens of every model call in the run, summed; absent when it made none. */
  tokens?: TokenUsage;
  /** The plan's risk register (of the run's current plan revision), each control looked up in the plan. */
  risks: RiskView[];
  steps: StepRow[];
}

export function stepRows(state: RunState): StepRow[] {
  return Object.values(state.steps).map((step) => ({
    step: step.id,
    status: step.status,
    capability: step.capability,
    attempts: step.attempts,
    error: step.error?.message ?? null,
    output: step.status === 'succeeded' ? step.output : null,
    ...tokensOf(state.stepTokens.get(step.id)),
    ...(state.stepHolds.has(step.id) && { held: state.stepHolds.get(step.id) }),
  }));
}

function tokensOf(tokens: TokenUsage | undefined): { tokens?: TokenUsage } {
  return tokens === undefined ? {} : { tokens };
}

/**
 * Every approval in order of decision, each person of a gate that needs several once, then the
 * overrides, marked `verdict: 'overridden'` (a distinct act, shown apart from approving).
 */
function approvalsOf(state: RunState): RunView['approvals'] {
  const approvals: RunView['approvals'] = [];
  for (const [id, approval] of state.approvals) {
    const approvers = state.gateApprovals.get(id);
    if (approvers === undefined || approvers.length <= 1) approvals.push({ id, ...approval });
    else for (const each of approvers) approvals.push({ id, ...each });
  }
  for (const [id, override] of state.overrides) approvals.push({ id, ...override, verdict: 'overridden' });
  return approvals;
}

/** The run view of a folded run; every surface shows a run through this one function. */
export function runView(record: RunRecord, state: RunState): RunView {
  return {
    runId: record.runId,
    name: record.name,
    status: displayStatus(state),
    pending: pendingWithAnswers(record.runId, [...state.pending.values()], state),
    approvals: approvalsOf(state),
    failure: state.failure,
    paused: state.paused,
    createdAt: state.createdAt,
    endedAt: state.endedAt,
    planHash: state.planHash,
    ...(state.correlationId !== undefined && { correlationId: state.correlationId }),
    revision: state.revisions.length,
    events: record.headSeq,
    budget: state.budget,
    ...tokensOf(runTokens(state)),
    risks: riskRegister(state.plan),
    steps: stepRows(state),
  };
}

/** A run as listed: its index row, with the status it shows and what it waits for. */
export type RunSummary = Omit<RunRecord, 'status'> & { status: RunResult['status']; pending: PipelinePending[] };

/**
 * The runs' summaries; a run that has not ended is folded from its (verified) ledger to say
 * whether it is waiting or paused and for what. `baton status` and `GET /v1/runs` list these.
 */
export async function summarizeRuns(store: LedgerStore, runs: readonly RunRecord[]): Promise<RunSummary[]> {
  return Promise.all(
    runs.map(async (run) => {
      if (run.status !== 'running') return { ...run, pending: [] };
      const { state } = await loadVerifiedRun(store, run.runId);
      return {
        ...run,
        status: displayStatus(state),
        pending: pendingWithAnswers(run.runId, [...state.pending.values()], state),
      };
    }),
  );
}
