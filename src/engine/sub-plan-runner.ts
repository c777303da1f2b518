import {
  childPlanOf,
  evolve,
  narrowSubPlan,
  subPlanStepOf,
  type Json,
  type JsonObject,
  type LedgerEvent,
  type ParentLink,
  type Plan,
  type RunState,
} from '../core/index.js';
import { AbortReason, CapabilityFailure, type CapabilityRunner, type Invocation } from '../capabilities/index.js';
import type { LedgerStore } from '../store/index.js';
import { loadVerifiedRun, type LedgerFold } from './load-run.js';
import type { RunHandle, RunResult } from './run-handle.js';
import { subPlanRunId } from './sub-plan-run-id.js';

/** What a sub-plan runner needs of the engine: its store, its clock, and the one path every run starts by. */
export interface SubPlanHost {
  store: LedgerStore;
  now(): number;
  /** Admits the child plan (every rule of any submit applies) and starts it, conducted until it ends. */
  startChild(plan: Plan, options: { runId: string; inputs: JsonObject; parent: ParentLink }): Promise<RunHandle>;
  /** Aborts the child run (its attempts are cancelled, its compensations run). */
  abortChild(runId: string, reason: string): Promise<void>;
}

/** Folds the parent's ledger and keeps the dispatch of one attempt (its reservation is the child's budget). */
class DispatchFold implements LedgerFold {
  state: RunState | undefined;
  dispatched: Extract<LedgerEvent, { type: 'attempt.dispatched' }> | undefined;
  constructor(private readonly attemptId: string) {}
  push(event: LedgerEvent): void {
    this.state = evolve(this.state, event);
    if (event.type === 'attempt.dispatched' && event.data.attemptId === this.attemptId) this.dispatched = event;
  }
}

function fail(type: string, message: string, detail?: Json): never {
  throw new CapabilityFailure({ type, message, retryable: false, ...(detail !== undefined && { detail }) });
}

/**
 * The runner of a sub-plan step (`plan:STEP` in the registry), or undefined when the plan has no
 * such step. One attempt is one child run, with its own ledger: created through the engine's
 * admission with the child plan narrowed by the parent (budget at most the attempt's reservation,
 * deadline no later than the parent's, kinds, permissions and scope those both allow), its
 * `run.created` recording the parent's run, step, attempt and ledger head. The attempt waits for
 * the child to end; what the child spent settles the attempt's cost; a child that does not
 * succeed fails the step (data, never an exception). Aborting the attempt (the parent aborted,
 * the step cancelled, its timeout) aborts the child; an engine shutting down leaves it to resume.
 */
export function subPlanRunner(id: string, plan: Plan, host: SubPlanHost): CapabilityRunner | undefined {
  const stepId = subPlanStepOf(id);
  const child = stepId === null ? null : childPlanOf(plan.steps[stepId]);
  if (stepId === null || child === null) return undefined;
  return {
    descriptor: { id, kind: 'plan', skills: {} },
    invoke: (invocation) => runChild(invocation, stepId, child, host),
  };
}

async function runChild(invocation: Invocation, stepId: string, child: Plan, host: SubPlanHost): Promise<Json> {
  const { runId, attemptId, signal } = invocation;
  const input = invocation.input ?? {};
  if (typeof input !== 'object' || Array.isArray(input))
    fail(
      'bad_input',
      `the input of a sub-plan step is its child run's inputs, a JSON object; got ${JSON.stringify(input)}`,
    );
  const fold = new DispatchFold(attemptId);
  const { state, head } = await loadVerifiedRun(host.store, runId, fold);
  const now = host.now();
  if (state.deadlineAt !== null && state.deadlineAt <= now) fail('timeout', "the parent run's deadline has passed");
  const reserved = fold.dispatched?.data.reservedUsd;
  const narrowed = narrowSubPlan(child, state.plan, stepId, {
    // Admission reserves nothing only when no budget applies to the step, or when the child's own budget is 0.
    budgetUsd: reserved ?? null,
    deadlineMs: state.deadlineAt === null ? null : state.deadlineAt - now,
  });
  const childRunId = subPlanRunId(runId, attemptId);
  let handle: RunHandle;
  try {
    handle = await host.startChild(narrowed, {
      runId: childRunId,
      inputs: input as JsonObject,
      parent: { runId, step: stepId, attemptId, headHash: head.hash },
    });
  } catch (error) {
    // A child its admission refuses (its inputs, its plan under the narrowed constraints) fails the step with the reason.
    return fail('sub_plan_refused', `sub-plan "${child.name}" was refused: ${(error as Error).message}`);
  }
  const abort = (): void => {
    const reason = signal.reason as AbortReason;
    if (reason === AbortReason.shutdown) return; // the engine stops: the child stays resumable, as its parent
    const why = reason === AbortReason.timeout ? 'the sub-plan step timed out' : 'the sub-plan step was cancelled';
    void host.abortChild(childRunId, `${why} in run ${runId}`).catch(() => {});
  };
  if (signal.aborted) abort();
  else signal.addEventListener('abort', abort, { once: true });
  let result: RunResult;
  try {
    result = await handle.result();
  } finally {
    signal.removeEventListener('abort', abort);
  }
  invocation.files.reportCost(result.budget.spentUsd);
  const record = await host.store.getRun(childRunId);
  const ended = { runId: childRunId, headHash: record?.headHash ?? '', status: result.status };
  if (result.status === 'succeeded') return { ...ended, outputs: result.outputs };
  if (result.interrupted) fail('interrupted', `sub-plan run ${childRunId} was interrupted`, ended);
  const type = signal.aborted && signal.reason === AbortReason.timeout ? 'timeout' : `sub_plan_${result.status}`;
  return fail(
    type,
    `sub-plan run ${childRunId} ended ${result.status}${result.failure ? `: ${result.failure}` : ''}`,
    ended,
  );
}
