import {
  awaitsPerson,
  ConflictError,
  evolve,
  nextWakeAt,
  type BatonEvent,
  type LedgerEvent,
  type RunState,
} from '../src/core/index.js';
import { loadVerifiedRun } from '../src/engine/load-run.js';
import { workItemOf } from '../src/engine/work-item.js';
import { chainEvents, EMPTY_HEAD, type ChainHead } from '../src/ledger/index.js';
import type { Store, WorkItem } from '../src/store/index.js';

/** How long a work lease lasts without renewal, as in the engine (run-driver.ts LEASE_MS); renewed every third of it. */
export const SIM_LEASE_MS = 15_000;

/** The conductor the engine consults: the real one, or (in a test that proves the checker can fail) a broken one. */
export type Conductor = (state: RunState, context: { now: number }) => BatonEvent[];

/** What one round did: the events it committed, or the append that failed (nothing written). */
export type RoundResult = { committed: LedgerEvent[] } | { failed: Error; head: ChainHead };

/**
 * The engine of the simulation: the loop of run-driver.ts in distributed mode (workers claim
 * work from the store and report outcomes to it), written synchronously over virtual time.
 * Its state lives in memory only: a crash drops it, and `resume` rebuilds it from the ledger.
 */
export class SimEngine {
  readonly inbox: BatonEvent[] = [];
  /** Outcomes read from the queue and not yet committed, so none is read twice. */
  private readonly collecting = new Set<string>();
  /** Attempts given up because their lease lapsed (kept in the queue as abandoned). */
  private readonly expired = new Set<string>();

  private constructor(
    private readonly store: Store,
    readonly runId: string,
    public state: RunState,
    private head: ChainHead,
    private readonly conductor: Conductor,
  ) {}

  static async create(
    store: Store,
    runId: string,
    created: Extract<BatonEvent, { type: 'run.created' }>,
    now: number,
    conductor: Conductor,
  ): Promise<{ engine: SimEngine; committed: LedgerEvent[] }> {
    const state = evolve(undefined, { ...created, runId, at: new Date(now).toISOString() });
    const engine = new SimEngine(store, runId, state, EMPTY_HEAD, conductor);
    const decisions = engine.conductor(state, { now });
    const committed = await engine.commit([created, ...decisions], now, {
      name: created.data.plan.name,
      planHash: created.data.planHash,
    });
    return { engine, committed };
  }

  /** After a crash: fold the verified ledger, and give up attempts no worker holds (workers outlive engines). */
  static async resume(store: Store, runId: string, conductor: Conductor, engineName: string): Promise<SimEngine> {
    const { state, head } = await loadVerifiedRun(store, runId);
    const engine = new SimEngine(store, runId, state, head, conductor);
    if (state.status !== 'running') return engine;
    const held = new Set((await store.listWork(runId)).map((item) => item.attemptId));
    engine.inbox.push({ type: 'run.resumed', data: { engine: engineName, reason: 'continued after a crash' } });
    for (const [attemptId, key] of state.inflight) {
      if (!held.has(attemptId) && !engine.isHumanWork(key))
        engine.inbox.push({ type: 'attempt.abandoned', data: { attemptId, reason: 'no worker holds it' } });
    }
    return engine;
  }

  isHumanWork(instanceKey: string): boolean {
    const instance = this.state.instances.get(instanceKey);
    const capability = instance?.capability ?? (instance ? this.state.steps[instance.step]?.capability : undefined);
    return capability != null && awaitsPerson(this.state.registry[capability]);
  }

  /** Attempts in flight that a worker (not a person) is running. */
  get machineWork(): number {
    let count = 0;
    for (const key of this.state.inflight.values()) if (!this.isHumanWork(key)) count += 1;
    return count;
  }

  get wakeAt(): number | null {
    return nextWakeAt(this.state);
  }

  /**
   * One turn of the loop: fold outside appends, collect reported outcomes, fold the signals,
   * decide, and commit signals and decisions in one append.
   */
  async round(now: number): Promise<RoundResult> {
    const record = await this.store.getRun(this.runId);
    if (record && record.headSeq !== this.head.seq) await this.reload();
    for (const item of await this.store.reportedWork(this.runId)) {
      if (this.collecting.has(item.attemptId) || !item.outcome) continue;
      this.collecting.add(item.attemptId);
      this.inbox.push(item.outcome);
    }
    const signals = this.inbox.splice(0);
    const at = new Date(now).toISOString();
    for (const signal of signals) evolve(this.state, { ...signal, at });
    const decisions = this.conductor(this.state, { now });
    if (signals.length === 0 && decisions.length === 0) return { committed: [] };
    const head = this.head;
    try {
      return { committed: await this.commit([...signals, ...decisions], now) };
    } catch (error) {
      // The state took the signals in; the ledger did not. Rebuild from the ledger and try them again.
      await this.reload();
      this.inbox.unshift(...signals);
      if (error instanceof ConflictError) return { committed: [] };
      return { failed: error as Error, head };
    }
  }

  /** Gives up attempts whose worker stopped renewing its lease, so the conductor dispatches them again. */
  async checkLeases(now: number): Promise<void> {
    for (const item of await this.store.listWork(this.runId)) {
      const lapsed =
        item.claimedBy !== null &&
        !item.abandoned &&
        item.outcome === null &&
        item.leaseUntil !== null &&
        item.leaseUntil < now;
      if (!lapsed || this.expired.has(item.attemptId) || !this.state.inflight.has(item.attemptId)) continue;
      this.expired.add(item.attemptId);
      this.inbox.push({
        type: 'attempt.abandoned',
        data: { attemptId: item.attemptId, reason: `its lease expired: worker ${item.claimedBy} stopped renewing it` },
      });
    }
  }

  private async reload(): Promise<void> {
    const { state, head } = await loadVerifiedRun(this.store, this.runId);
    this.state = state;
    this.head = head;
  }

  private async commit(
    events: BatonEvent[],
    now: number,
    create?: { name: string; planHash: string },
  ): Promise<LedgerEvent[]> {
    const chained = chainEvents(this.runId, this.head, events, new Date(now).toISOString());
    const enqueue: WorkItem[] = [];
    const dequeue: string[] = [];
    const abandon: string[] = [];
    for (const event of chained) {
      switch (event.type) {
        case 'attempt.dispatched': {
          // A person's task gets no item: the operator submits it.
          const item = workItemOf(event, this.state, null);
          if (item) enqueue.push(item);
          break;
        }
        case 'attempt.succeeded':
        case 'attempt.failed':
        case 'attempt.cancelled':
          dequeue.push(event.data.attemptId);
          break;
        case 'attempt.abandoned':
          (this.expired.has(event.data.attemptId) ? abandon : dequeue).push(event.data.attemptId);
          break;
        default:
          break;
      }
    }
    await this.store.append({
      runId: this.runId,
      expectedSeq: this.head.seq,
      events: chained,
      status: this.state.status,
      ...(create && { create }),
      enqueue,
      dequeue,
      abandon,
    });
    const last = chained.at(-1);
    if (last) this.head = { seq: last.seq, hash: last.hash };
    for (const attemptId of [...dequeue, ...abandon]) this.collecting.delete(attemptId);
    return chained;
  }
}
