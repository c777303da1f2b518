import {
  BatonError,
  ConflictError,
  decisionId,
  ErrorCode,
  isTerminal,
  NotFoundError,
  parseDecisionId,
  resultScope,
  scopeAllows,
  type ApiScope,
  type BatonEvent,
  type Json,
  type PendingDecision,
  type Principal,
  type RunState,
} from '../core/index.js';
import { decisionEvidence } from '../ledger/index.js';
import { overrideGate, refuseGateApproval } from './gate-answers.js';

/**
 * Operator commands as events. Each function checks the command against the run's state and
 * returns the one signal that records it, or throws a BatonError saying what is wrong and
 * what would be valid. Nothing here writes: the caller appends the event (or hands it to the
 * driver conducting the run), so a refused command changes nothing.
 */

function ensureRunning(state: RunState, what: string): void {
  if (state.status !== 'running')
    throw new ConflictError(
      `cannot ${what}: run "${state.runId}" has already ${state.status === 'timed_out' ? 'timed out' : state.status}`,
    );
}

/** The phase, step or instance a pending decision is about, as commands name it. */
function targetOf(pending: PendingDecision): string {
  return parseDecisionId(pending.id)?.target ?? pending.id;
}

function pendingList(state: RunState): string {
  const ids = [...state.pending.keys()];
  return ids.length === 0 ? 'nothing is pending' : `pending: ${ids.join(', ')}`;
}

/**
 * Finds the pending decision a command names: a phase (its gate), a step (its confirmation,
 * escalation, or human task), or a decision id as `baton status` lists it (`gate:execution`).
 */
export function findPending(
  state: RunState,
  target: string,
  kinds: readonly PendingDecision['kind'][],
): PendingDecision {
  const direct = state.pending.get(target);
  const candidates = direct
    ? [direct]
    : kinds
        .map((kind) => state.pending.get(decisionId(kind, target)))
        .filter((p): p is PendingDecision => p !== undefined);
  const fitting = candidates.filter((pending) => kinds.includes(pending.kind));
  if (fitting.length === 1) return fitting[0] as PendingDecision;
  if (fitting.length > 1)
    throw new BatonError(
      ErrorCode.badInput,
      `"${target}" names more than one pending decision (${fitting.map((p) => p.id).join(', ')}); give the decision id`,
    );
  if (candidates.length === 1) {
    const [other] = candidates as [PendingDecision];
    const hint =
      other.kind === 'human'
        ? `; use \`baton submit ${state.runId} ${targetOf(other)} --output ...\``
        : other.kind === 'signal'
          ? '; send the signal it waits for with `baton signal`'
          : '';
    throw new BatonError(
      ErrorCode.badInput,
      `"${target}" is a ${other.kind} decision, which this command cannot answer${hint}`,
    );
  }
  throw new NotFoundError(`a pending decision for "${target}" in run "${state.runId}" (${pendingList(state)})`);
}

/**
 * Approves a pending gate, confirmation, escalation, plan (see `adoptedRevision` for a planner's
 * proposal) or halted handoff (the engine runs the handoff again first: see OperatorCommands).
 */
export function approve(state: RunState, target: string, by: Principal, comment: string | null): BatonEvent {
  ensureRunning(state, 'approve');
  const pending = findPending(state, target, ['gate', 'confirm', 'escalation', 'plan', 'handoff']);
  refuseGateApproval(state, pending, by);
  // What the approver was shown, bound to the approval: `verify` later holds its sealed artifacts to these hashes.
  const evidence = decisionEvidence(state, pending);
  return { type: 'decision.made', data: { id: pending.id, verdict: 'approved', by, comment, evidence } };
}

/**
 * The revision an approval makes when it approves the planner's proposal (`replan:`), by the
 * approver: recorded with the approval, in the same append. None for any other approval.
 */
export function adoptedRevision(state: RunState, approval: BatonEvent): BatonEvent[] {
  const proposal = state.replan.proposal;
  if (approval.type !== 'decision.made' || proposal === null || proposal.id !== approval.data.id) return [];
  const { plan, planHash, registry } = proposal;
  const revision = state.revisions.length + 1;
  return [{ type: 'plan.revised', data: { revision, plan, planHash, registry, by: approval.data.by, revertOf: null } }];
}

/** Overrides a pending gate where its plan allows it (`override: { approval_by }`), with a required reason. */
export function override(state: RunState, target: string, by: Principal, reason: string): BatonEvent {
  ensureRunning(state, 'override');
  const pending = findPending(state, target, ['gate']);
  const event = overrideGate(state, pending, by, reason);
  // What the overrider was shown, bound as an approval's is: `verify` holds its sealed artifacts to these hashes.
  return { ...event, data: { ...event.data, evidence: decisionEvidence(state, pending) } };
}

export function deny(state: RunState, target: string, by: Principal, comment: string | null): BatonEvent {
  ensureRunning(state, 'deny');
  const pending = findPending(state, target, ['gate', 'confirm', 'escalation', 'plan', 'handoff']);
  return { type: 'decision.made', data: { id: pending.id, verdict: 'denied', by, comment } };
}

/** A person's result: for a human step (its task) or an escalated step (in place of the capability). */
export function submitResult(
  state: RunState,
  target: string,
  output: Json,
  by: Principal,
  now: number,
  scopes?: readonly ApiScope[],
): BatonEvent {
  ensureRunning(state, 'submit a result');
  const pending = findPending(state, target, ['human', 'escalation']);
  const needed = resultScope(pending.kind === 'escalation' ? 'escalation' : 'human');
  if (scopes !== undefined && !scopeAllows(scopes, needed))
    throw new BatonError(
      ErrorCode.forbidden,
      pending.kind === 'escalation'
        ? `a result in place of escalated step "${target}" overrides the escalation and needs the approve scope; ${by} has ${scopes.join(', ') || 'none'}`
        : `the result of "${target}" (a person's task) needs the perform scope; ${by} has ${scopes.join(', ') || 'none'}`,
    );
  if (pending.kind === 'escalation')
    return { type: 'decision.made', data: { id: pending.id, verdict: 'submitted', by, comment: null, output } };
  const key = targetOf(pending);
  const attemptId = [...state.inflight].find(([, instance]) => instance === key)?.[0];
  if (attemptId === undefined) throw new ConflictError(`the task "${key}" is no longer waiting for a result`);
  const since = Date.parse(pending.since);
  return { type: 'attempt.succeeded', data: { attemptId, output, durationMs: Math.max(0, now - since), by } };
}

export function signal(state: RunState, name: string, data: Json, by: Principal): BatonEvent {
  ensureRunning(state, 'signal');
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/.test(name))
    throw new BatonError(ErrorCode.badInput, `signal name "${name}" must be letters, digits, _, ., : and -`);
  return { type: 'signal.received', data: { name, data, by } };
}

export function pause(state: RunState, by: Principal, reason: string | null): BatonEvent {
  ensureRunning(state, 'pause');
  if (state.paused) throw new ConflictError(`run "${state.runId}" is already paused (by ${state.paused.by})`);
  return { type: 'run.paused', data: { by, reason } };
}

export function unpause(state: RunState, by: Principal): BatonEvent {
  ensureRunning(state, 'resume');
  if (!state.paused) throw new ConflictError(`run "${state.runId}" is not paused`);
  return { type: 'run.unpaused', data: { by } };
}

export function abort(state: RunState, by: Principal, reason: string): BatonEvent {
  ensureRunning(state, 'abort');
  if (state.abort) throw new ConflictError(`run "${state.runId}" is already being aborted (by ${state.abort.by})`);
  return { type: 'run.abort_requested', data: { by, reason } };
}

function knownStep(state: RunState, step: string): void {
  if (!(step in state.steps))
    throw new NotFoundError(
      `step "${step}" in run "${state.runId}" (steps: ${Object.keys(state.steps).slice(0, 20).join(', ')})`,
    );
}

export function cancelStep(state: RunState, step: string, by: Principal, reason: string | null): BatonEvent {
  ensureRunning(state, 'cancel a step');
  knownStep(state, step);
  const status = state.steps[step]?.status ?? 'waiting';
  if (isTerminal(status))
    throw new ConflictError(`step "${step}" has already ${status === 'cancelled' ? 'been cancelled' : status}`);
  return { type: 'step.cancel_requested', data: { step, by, reason } };
}

export function defer(
  state: RunState,
  step: string,
  until: { at?: number; signal?: string },
  by: Principal,
): BatonEvent {
  ensureRunning(state, 'defer a step');
  knownStep(state, step);
  const status = state.steps[step]?.status ?? 'waiting';
  if (status !== 'waiting' && status !== 'ready' && status !== 'awaiting')
    throw new ConflictError(
      `step "${step}" cannot be deferred: it is ${status} (only a step that has not started can wait)`,
    );
  if (until.at === undefined && until.signal === undefined)
    throw new BatonError(ErrorCode.badInput, 'defer needs --until TIME or --signal NAME');
  if (until.at !== undefined && !Number.isFinite(until.at))
    throw new BatonError(
      ErrorCode.badInput,
      'the --until time is not a valid date (use ISO 8601, e.g. 2026-12-01T09:00:00Z)',
    );
  return {
    type: 'step.deferred',
    data: {
      step,
      until: until.at === undefined ? null : new Date(until.at).toISOString(),
      signal: until.signal ?? null,
      by,
    },
  };
}

export function seal(state: RunState, artifact: string, by: Principal): BatonEvent {
  const found = state.artifacts.get(artifact);
  if (!found) {
    const known = [...state.artifacts.keys()];
    throw new NotFoundError(
      `artifact "${artifact}" in run "${state.runId}" (${known.length === 0 ? 'the run has no artifacts' : `artifacts: ${known.join(', ')}`})`,
    );
  }
  if (found.sealed) throw new ConflictError(`artifact "${artifact}" is already sealed (sha256 ${found.sha256})`);
  return { type: 'artifact.sealed', data: { artifact, sha256: found.sha256, by } };
}
