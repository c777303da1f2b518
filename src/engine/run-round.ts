import {
  conduct,
  evolve,
  outcomeEvents,
  timed,
  type BatonEvent,
  type LedgerEvent,
  type RunState,
} from '../core/index.js';
import { chainEvents, EMPTY_HEAD, type ChainHead } from '../ledger/index.js';
import type { AppendBatch, WorkItem } from '../store/index.js';
import { workItemOf } from './work-item.js';

/** The conductor a round consults: the real one, or (in a test that proves a checker can fail) a broken one. */
export type Conductor = (state: RunState, context: { now: number }) => BatonEvent[];

/** What a round needs besides the state: who runs dispatched work, and which attempts lapsed. */
export interface RoundRules {
  /**
   * This engine, when it runs dispatched attempts in its own process: their items are started,
   * not queued. None when they go to the shared queue for any worker to claim.
   */
  claim: { by: string } | null;
  /** Attempts given up because their lease lapsed: their items are kept, marked abandoned, so a late outcome is recorded as stale. */
  lapsed: ReadonlySet<string>;
  /** Default: the conductor of src/core. */
  conductor?: Conductor;
  /** Payloads larger than this many bytes are stored apart from their events (default PAYLOAD_THRESHOLD_BYTES, 16 KiB). */
  payloadThresholdBytes?: number;
}

/** One round, planned: what to append in one transaction, and what to do once it is in. */
export interface PlannedRound {
  /** The signals, then the conductor's decisions, chained onto the head. */
  events: LedgerEvent[];
  /** The append (events and the queue changes they make); the caller adds who appends. */
  batch: AppendBatch & Required<Pick<AppendBatch, 'enqueue' | 'dequeue' | 'abandon'>>;
  /** Attempts this engine claimed, to start once the append is in. */
  start: WorkItem[];
  /** Attempts the conductor cancelled, to stop once the append is in. */
  cancel: string[];
}

/**
 * One turn of the run loop, without I/O: folds the signals into `state` (which it advances, as
 * `conduct` does: the caller reloads it from the ledger if the append fails), lets the
 * conductor decide to a fixpoint, and says what to append and which work to start or stop.
 * Signals go first, so the ledger says what the conductor saw before what it decided; an
 * outcome's tool calls go just before it (`outcomeEvents`). Returns
 * null when there is nothing to append.
 * @example
 * const round = planRound(state, head, inbox.splice(0), now, { claim: null, lapsed: new Set() });
 * if (round) await store.append(round.batch);
 */
export function planRound(
  state: RunState,
  head: ChainHead,
  signals: readonly BatonEvent[],
  now: number,
  rules: RoundRules,
): PlannedRound | null {
  const at = new Date(now).toISOString();
  const recorded = signals.flatMap(outcomeEvents);
  for (const signal of recorded) evolve(state, timed(signal, at));
  const decisions = (rules.conductor ?? conduct)(state, { now });
  if (recorded.length === 0 && decisions.length === 0) return null;
  return queueChanges(
    state,
    head,
    chainEvents(state.runId, head, [...recorded, ...decisions], at, rules.payloadThresholdBytes),
    rules,
  );
}

/**
 * The round that creates a run: `run.created` and the first decisions go in together, one
 * commit fewer before the first step is dispatched (most of a new run's latency on a shared
 * database). Returns the new state and the round.
 * @example
 * const { state, round } = planFirstRound('run-1', created, now, rules);
 */
export function planFirstRound(
  runId: string,
  created: Extract<BatonEvent, { type: 'run.created' }>,
  now: number,
  rules: RoundRules,
  signals: readonly BatonEvent[] = [],
): { state: RunState; round: PlannedRound } {
  const at = new Date(now).toISOString();
  const state = evolve(undefined, { ...created, runId, at });
  // Signals known at creation (pre-flight's prerequisite checks) are recorded before the first decisions.
  for (const signal of signals) evolve(state, { ...signal, runId, at });
  const decisions = (rules.conductor ?? conduct)(state, { now });
  const events = chainEvents(runId, EMPTY_HEAD, [created, ...signals, ...decisions], at, rules.payloadThresholdBytes);
  return { state, round: queueChanges(state, EMPTY_HEAD, events, rules) };
}

/** The queue changes of chained events, read against the state after all of them. */
function queueChanges(state: RunState, head: ChainHead, events: LedgerEvent[], rules: RoundRules): PlannedRound {
  const claimedBy = rules.claim?.by ?? null;
  const enqueue: WorkItem[] = [];
  const dequeue: string[] = [];
  const abandon: string[] = [];
  const cancel: string[] = [];
  for (const event of events) {
    switch (event.type) {
      case 'attempt.dispatched': {
        // A person's task gets no item: it is answered with `baton submit`, never claimed.
        const item = workItemOf(event, state, claimedBy);
        if (item) enqueue.push(item);
        break;
      }
      case 'attempt.succeeded':
      case 'attempt.failed':
        dequeue.push(event.data.attemptId);
        break;
      case 'attempt.abandoned':
        // A lapsed lease keeps its item, so that the lost worker's late outcome is recorded as stale.
        (rules.lapsed.has(event.data.attemptId) ? abandon : dequeue).push(event.data.attemptId);
        break;
      case 'attempt.cancelled':
        dequeue.push(event.data.attemptId);
        cancel.push(event.data.attemptId);
        break;
      default:
        break;
    }
  }
  // Work this engine runs itself is not queued: it lives and dies with this process, and a resume
  // abandons every attempt in flight that it finds no worker holding (recoverySignals). A row
  // would only be inserted and deleted again, one page of every chain step's commit. Dequeues
  // stay: a resumed run may still have items an engine that shared the queue left.
  const queued = claimedBy === null ? enqueue : [];
  return {
    events,
    batch: {
      runId: state.runId,
      expectedSeq: head.seq,
      events,
      status: state.status,
      enqueue: queued,
      dequeue,
      abandon,
    },
    start: claimedBy === null ? [] : enqueue,
    cancel,
  };
}
