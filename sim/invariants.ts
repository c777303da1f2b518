import {
  canonicalJson,
  DecisionKind,
  decisionId,
  durationToMs,
  evolve,
  type LedgerEvent,
  type Plan,
  type RunState,
} from '../src/core/index.js';
import { ChainVerifier, replayLedger } from '../src/ledger/index.js';

/** One broken guarantee: which, where in the ledger, and what was seen. */
export interface Violation {
  invariant: InvariantName;
  seq: number | null;
  message: string;
}

export const INVARIANTS = [
  'one-accepted-result',
  'no-result-from-lost-lease',
  'budget',
  'no-dispatch-after-deadline',
  'no-dispatch-while-paused',
  'no-dispatch-through-closed-gate',
  'no-dispatch-without-confirmation',
  'nothing-after-the-end',
  'terminates',
  'chain-verifies',
  'replay-same-state',
  'replay-same-decisions',
  'atomic-append',
  'conductor-throws',
] as const;
export type InvariantName = (typeof INVARIANTS)[number];

interface AttemptRecord {
  step: string;
  index: number | null;
  role: string | null;
  reservedUsd: number;
  /** `inflight` until its outcome, abandonment or cancellation; only an inflight attempt's outcome may be taken. */
  status: 'inflight' | 'reported' | 'abandoned' | 'cancelled';
  output: string | null;
}

/**
 * Reads a run's ledger as it grows, commit by commit, and checks the guarantees against what
 * the ledger says, independently of the conductor's own bookkeeping (it keeps its own record
 * of attempts, money, pauses and phases). `commit` takes the events of one commit.
 */
export class LedgerChecker {
  private readonly verifier = new ChainVerifier();
  private plan: Plan | undefined;
  private deadlineAt: number | null = null;
  private budgetUsd: number | null = null;
  private paused = false;
  private ended = false;
  private readonly attempts = new Map<string, AttemptRecord>();
  private readonly opened = new Set<string>();
  private readonly approved = new Set<string>();
  private readonly submitted = new Set<string>();
  private readonly settledSteps = new Map<string, string>();
  private readonly acceptedItems = new Set<string>();
  /** Per instance (`step`, `step[2]`): the output of its last outcome the conductor could take. */
  private readonly lastTaken = new Map<string, string>();
  private spentUsd = 0;
  readonly violations: Violation[] = [];

  private fail(invariant: InvariantName, seq: number | null, message: string): void {
    this.violations.push({ invariant, seq, message });
  }

  commit(events: readonly LedgerEvent[]): void {
    const mustReject = new Map<string, number>();
    for (const event of events) {
      if (!this.verifier.push(event)) {
        const verdict = this.verifier.verdict;
        if (!verdict.ok) this.fail('chain-verifies', verdict.seq, verdict.reason);
        return;
      }
      this.read(event, mustReject);
    }
    for (const [attemptId, seq] of mustReject) {
      this.fail(
        'no-result-from-lost-lease',
        seq,
        `the outcome of ${attemptId}, which was no longer current, was not rejected in the commit that recorded it`,
      );
    }
  }

  private read(event: LedgerEvent, mustReject: Map<string, number>): void {
    const at = Date.parse(event.at);
    if (
      this.ended &&
      !['attempt.succeeded', 'attempt.failed', 'attempt.rejected', 'run.resumed'].includes(event.type)
    ) {
      this.fail('nothing-after-the-end', event.seq, `${event.type} after the run ended`);
    }
    switch (event.type) {
      case 'run.created': {
        this.plan = event.data.plan;
        const deadline = this.plan.constraints?.deadline;
        this.deadlineAt = deadline === undefined ? null : at + durationToMs(deadline);
        this.budgetUsd = this.plan.constraints?.budget_usd ?? null;
        if (this.plan.phases === undefined) this.opened.add('*');
        return;
      }
      case 'run.paused':
        this.paused = true;
        return;
      case 'run.unpaused':
        this.paused = false;
        return;
      case 'phase.opened':
        this.opened.add(event.data.phase);
        return;
      case 'decision.made':
        if (event.data.verdict === 'approved') this.approved.add(event.data.id);
        if (event.data.verdict === 'submitted') this.submitted.add(event.data.id);
        return;
      case 'attempt.dispatched':
        return this.dispatched(event, at);
      case 'attempt.succeeded':
      case 'attempt.failed':
        return this.outcome(event, mustReject);
      case 'attempt.abandoned':
      case 'attempt.cancelled': {
        const attempt = this.attempts.get(event.data.attemptId);
        if (attempt?.status === 'inflight') {
          attempt.status = event.type === 'attempt.abandoned' ? 'abandoned' : 'cancelled';
          this.spentUsd += attempt.reservedUsd;
        } else if (attempt && event.type === 'attempt.cancelled') attempt.status = 'cancelled';
        return;
      }
      case 'attempt.rejected':
        mustReject.delete(event.data.attemptId);
        return;
      case 'attempt.accepted': {
        const attempt = this.attempts.get(event.data.attemptId);
        const item = `${event.data.step}[${event.data.index}]`;
        if (this.acceptedItems.has(item))
          this.fail('one-accepted-result', event.seq, `a second result accepted for ${item}`);
        this.acceptedItems.add(item);
        if (attempt?.status !== 'reported' || attempt.output === null) {
          this.fail(
            'no-result-from-lost-lease',
            event.seq,
            `${event.data.attemptId} accepted, but its last state in the ledger is ${attempt?.status ?? 'unknown'}${attempt?.output === null ? ' without a success' : ''}`,
          );
        }
        return;
      }
      case 'step.succeeded':
        this.settle(event.data.step, event.type, event.seq);
        return this.checkStepOutput(event.data.step, canonicalJson(event.data.output), event.seq);
      case 'step.failed':
      case 'step.skipped':
      case 'step.cancelled':
        return this.settle(event.data.step, event.type, event.seq);
      case 'run.succeeded':
      case 'run.failed':
      case 'run.denied':
      case 'run.aborted':
      case 'run.timed_out':
        if (this.ended) this.fail('nothing-after-the-end', event.seq, 'a second end of the run');
        this.ended = true;
        return;
      default:
        return;
    }
  }

  private dispatched(event: Extract<LedgerEvent, { type: 'attempt.dispatched' }>, at: number): void {
    const { attemptId, step, role = null } = event.data;
    const where = `${attemptId} dispatched at ${event.at}`;
    if (this.deadlineAt !== null && at >= this.deadlineAt)
      this.fail(
        'no-dispatch-after-deadline',
        event.seq,
        `${where}, at or after the deadline ${new Date(this.deadlineAt).toISOString()}`,
      );
    // An abort overrides a pause: its compensations run while the run is paused (docs/plan-language.md, abort).
    if (this.paused && role !== 'compensate')
      this.fail('no-dispatch-while-paused', event.seq, `${where} while the run was paused`);
    const planStep = this.plan?.steps[step];
    const phase = planStep?.phase;
    if (!this.opened.has('*') && (phase === undefined || !this.opened.has(phase)))
      this.fail('no-dispatch-through-closed-gate', event.seq, `${where}, but its phase "${phase}" was never opened`);
    const needsYes = planStep?.confirm === true || (this.plan?.constraints?.confirm ?? []).includes(step);
    if (needsYes && role !== 'compensate' && !this.approved.has(decisionId(DecisionKind.confirm, step)))
      this.fail('no-dispatch-without-confirmation', event.seq, `${where} without a person's yes`);
    if (this.attempts.has(attemptId))
      this.fail('one-accepted-result', event.seq, `attempt id ${attemptId} dispatched twice`);
    const reservedUsd = event.data.reservedUsd ?? 0;
    this.attempts.set(attemptId, {
      step,
      index: event.data.index,
      role,
      reservedUsd,
      status: 'inflight',
      output: null,
    });
    this.checkBudget(event.seq);
  }

  private outcome(
    event: Extract<LedgerEvent, { type: 'attempt.succeeded' | 'attempt.failed' }>,
    mustReject: Map<string, number>,
  ): void {
    const attempt = this.attempts.get(event.data.attemptId);
    if (!attempt || attempt.status !== 'inflight') {
      // Not current: recorded, and (unless the conductor cancelled it) rejected in the same commit.
      if (attempt?.status !== 'cancelled') mustReject.set(event.data.attemptId, event.seq);
      return;
    }
    attempt.status = 'reported';
    const charged = event.data.costUsd ?? attempt.reservedUsd;
    this.spentUsd += charged;
    this.checkBudget(event.seq);
    if (event.type === 'attempt.succeeded') {
      attempt.output = canonicalJson(event.data.output);
      if (attempt.role === null)
        this.lastTaken.set(attempt.index === null ? attempt.step : `${attempt.step}[${attempt.index}]`, attempt.output);
    }
  }

  private checkBudget(seq: number): void {
    if (this.budgetUsd === null) return;
    let reserved = 0;
    for (const attempt of this.attempts.values()) if (attempt.status === 'inflight') reserved += attempt.reservedUsd;
    if (this.spentUsd + reserved > this.budgetUsd + 1e-9)
      this.fail(
        'budget',
        seq,
        `$${this.spentUsd} spent + $${reserved} reserved exceeds the budget of $${this.budgetUsd}`,
      );
  }

  private settle(step: string, type: string, seq: number): void {
    const before = this.settledSteps.get(step);
    if (before !== undefined)
      this.fail('one-accepted-result', seq, `step "${step}" settled twice: ${before}, then ${type}`);
    this.settledSteps.set(step, type);
  }

  /** A plain step's output is the last result the conductor could take from its own attempts (or what a person gave). */
  private checkStepOutput(step: string, output: string, seq: number): void {
    const planStep = this.plan?.steps[step];
    if (
      !planStep ||
      planStep.for_each !== undefined ||
      planStep.consensus !== undefined ||
      this.submitted.has(decisionId(DecisionKind.escalation, step))
    )
      return;
    if (planStep.skill === undefined && planStep.capability === undefined) return; // a pure `await`: the signal's data
    const taken = this.lastTaken.get(step);
    if (taken !== output)
      this.fail(
        'no-result-from-lost-lease',
        seq,
        `step "${step}" succeeded with ${output.slice(0, 120)}, which no current attempt of it returned (last taken: ${taken?.slice(0, 120) ?? 'none'})`,
      );
  }
}

/** A run state as comparable text: Maps and Sets become lists of their entries, in order. */
export function stateText(state: RunState): string {
  return JSON.stringify(state, (_key, value: unknown) => {
    if (value instanceof Map) return { map: [...value.entries()] };
    if (value instanceof Set) return { set: [...value.values()] };
    return value;
  });
}

/**
 * Replays the whole ledger: folding it gives the live state, and re-running the conductor
 * over it makes exactly the recorded decisions.
 */
export function checkReplay(events: readonly LedgerEvent[], live: RunState): Violation[] {
  const violations: Violation[] = [];
  let folded: RunState | undefined;
  for (const event of events) folded = evolve(folded, structuredClone(event));
  if (!folded || stateText(folded) !== stateText(live)) {
    violations.push({
      invariant: 'replay-same-state',
      seq: events.at(-1)?.seq ?? null,
      message: "folding the ledger does not give the engine's state",
    });
  }
  const verdict = replayLedger(events.map((event) => structuredClone(event)));
  if (!verdict.ok) {
    violations.push({
      invariant: 'replay-same-decisions',
      seq: verdict.seq,
      message: `re-running the conductor decides ${JSON.stringify(verdict.expected.map((e) => e.type))}, the ledger has ${JSON.stringify(verdict.recorded.map((e) => e.type))}`,
    });
  }
  return violations;
}
