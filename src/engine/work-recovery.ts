import type { BatonEvent, RunState } from '../core/index.js';
import type { WorkItem } from '../store/index.js';
import { isPersonTask } from './person-task.js';

type Abandoned = Extract<BatonEvent, { type: 'attempt.abandoned' }>;

/** What an engine taking up a run says about itself in `run.resumed`. */
export interface Resumption {
  /** The engine, as `run.resumed` names it. */
  engine: string;
  reason: string;
  /** Who asked for the resume, when someone did. */
  by?: string;
  /** The operating-system account that asked, where the CLI did. */
  account?: string;
  /**
   * Whether queued work belongs to workers that outlive engines (the shared queue): then it is
   * kept, and collected or given up by its lease as usual. Otherwise the engine that stopped ran
   * it in its own process, and it is gone with it.
   */
  workOutlivesEngine: boolean;
}

/**
 * The first signals of an engine that takes up a running run: `run.resumed`, then the attempts
 * the ledger has in flight that will never report, abandoned so that the conductor dispatches
 * them again as new attempts. A person's task is not lost with an engine: it waits for
 * `baton submit` as before.
 * @example
 * inbox.push(...recoverySignals(state, await store.listWork(runId), { engine: 'engine-2', reason, workOutlivesEngine: true }));
 */
export function recoverySignals(state: RunState, queued: readonly WorkItem[], resumption: Resumption): BatonEvent[] {
  const { engine, reason, by, account } = resumption;
  const signals: BatonEvent[] = [
    {
      type: 'run.resumed',
      data: { engine, reason, ...(by !== undefined && { by }), ...(account !== undefined && { account }) },
    },
  ];
  // An engine that runs work in its own process queues none (run-round.ts): what the ledger has
  // in flight stopped with the engine that ran it. Items in the queue are another engine's.
  const stopped = 'the engine running it stopped before it reported';
  if (!resumption.workOutlivesEngine) for (const item of queued) signals.push(abandoned(item.attemptId, stopped));
  const held = new Set(queued.map((item) => item.attemptId));
  const lost = resumption.workOutlivesEngine ? 'no worker holds it' : stopped;
  for (const [attemptId, key] of state.inflight)
    if (!held.has(attemptId) && !isPersonTask(state, key)) signals.push(abandoned(attemptId, lost));
  return signals;
}

/**
 * Attempts whose worker stopped renewing its lease (it died, stalled or lost the database),
 * given up so that the conductor dispatches them again. Each is given up once: `given` holds
 * those given up before, and an item with an outcome is collected rather than given up.
 * @example
 * const lapsed = lapsedLeases(state, await store.listWork(runId), now, given);
 */
export function lapsedLeases(
  state: RunState,
  queued: readonly WorkItem[],
  now: number,
  given: ReadonlySet<string>,
): Abandoned[] {
  const signals: Abandoned[] = [];
  for (const item of queued) {
    const lapsed =
      item.claimedBy !== null &&
      !item.abandoned &&
      item.outcome === null &&
      item.leaseUntil !== null &&
      item.leaseUntil < now;
    if (!lapsed || given.has(item.attemptId) || !state.inflight.has(item.attemptId)) continue;
    signals.push(abandoned(item.attemptId, `its lease expired: worker ${item.claimedBy} stopped renewing it`));
  }
  return signals;
}

function abandoned(attemptId: string, reason: string): Abandoned {
  return { type: 'attempt.abandoned', data: { attemptId, reason } };
}
