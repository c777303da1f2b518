import { nextWakeAt, type BatonEvent, type LedgerEvent, type RunState } from '../src/core/index.js';
import { afterFailedAppend } from '../src/engine/append-failure.js';
import { loadVerifiedRun } from '../src/engine/load-run.js';
import { hasMachineWorkInFlight } from '../src/engine/person-task.js';
import { QueueTransport } from '../src/engine/queue-transport.js';
import { resumeReason } from '../src/engine/resume-reason.js';
import { LEASE_MS } from '../src/engine/run-driver.js';
import {
  planFirstRound,
  planRound,
  type Conductor,
  type PlannedRound,
  type RoundRules,
} from '../src/engine/run-round.js';
import { recoverySignals } from '../src/engine/work-recovery.js';
import { EMPTY_HEAD, type ChainHead } from '../src/ledger/index.js';
import type { AppendBatch, Store } from '../src/store/index.js';

export type { Conductor } from '../src/engine/run-round.js';

/** How long a work lease lasts without renewal: the engine's (run-driver.ts LEASE_MS); renewed every third of it. */
export const SIM_LEASE_MS = LEASE_MS;

/** What one round did: the events it committed, or the append that failed (nothing written) and stopped the engine. */
export type RoundResult = { committed: LedgerEvent[] } | { stopped: Error; head: ChainHead };

/**
 * The engine of the simulation: RunDriver's loop in distributed mode, driven by the world on
 * virtual time instead of timers. The decisions are production code: each round is planned
 * by `planRound` (run-round.ts), work goes through the shared queue's `QueueTransport` (the
 * simulated workers claim it from the store), a resume recovers work by `recoverySignals` and a
 * failed append is judged by `afterFailedAppend`, as in RunDriver. What is left here is what the
 * driver does with timers and locks: the world wakes the engine, and the engine collects at
 * every round. Its state lives in memory only: a crash drops it, and `resume` rebuilds it from
 * the ledger.
 */
export class SimEngine {
  readonly inbox: BatonEvent[] = [];
  state!: RunState;
  private head: ChainHead = EMPTY_HEAD;
  private readonly transport: QueueTransport;
  private readonly rules: RoundRules;
  private conflicts = 0;

  private constructor(
    private readonly store: Store,
    readonly runId: string,
    conductor: Conductor,
  ) {
    this.transport = new QueueTransport({ store, runId, leaseMs: SIM_LEASE_MS });
    this.rules = { claim: this.transport.claim, lapsed: this.transport.lapsed, conductor };
  }

  static async create(
    store: Store,
    runId: string,
    created: Extract<BatonEvent, { type: 'run.created' }>,
    now: number,
    conductor: Conductor,
  ): Promise<{ engine: SimEngine; committed: LedgerEvent[] }> {
    const engine = new SimEngine(store, runId, conductor);
    const { state, round } = planFirstRound(runId, created, now, engine.rules);
    engine.state = state;
    await engine.commit(round, { name: created.data.plan.name, planHash: created.data.planHash });
    return { engine, committed: round.events };
  }

  /** After a crash: fold the verified ledger, and give up attempts no worker holds (workers outlive engines). */
  static async resume(store: Store, runId: string, conductor: Conductor, engineName: string): Promise<SimEngine> {
    const engine = new SimEngine(store, runId, conductor);
    const { state, head, last } = await loadVerifiedRun(store, runId);
    engine.state = state;
    engine.head = head;
    if (state.status !== 'running') return engine;
    const resumption = {
      engine: engineName,
      reason: resumeReason(last, state),
      workOutlivesEngine: engine.transport.workOutlivesEngine,
    };
    engine.inbox.push(...recoverySignals(state, await store.listWork(runId), resumption));
    return engine;
  }

  /** Whether a worker (not a person) is running an attempt in flight. */
  get hasMachineWork(): boolean {
    return hasMachineWorkInFlight(this.state);
  }

  get wakeAt(): number | null {
    return nextWakeAt(this.state);
  }

  /**
   * One turn of the loop: fold outside appends, collect reported outcomes and lapsed leases,
   * then plan the round and commit it in one append.
   */
  async round(now: number): Promise<RoundResult> {
    const record = await this.store.getRun(this.runId);
    if (record && record.headSeq !== this.head.seq) await this.reload();
    this.inbox.push(...(await this.transport.collect(this.state, now)));
    const signals = this.inbox.splice(0);
    const round = planRound(this.state, this.head, signals, now, this.rules);
    if (!round) return { committed: [] };
    const head = this.head;
    try {
      await this.commit(round);
    } catch (error) {
      this.conflicts += 1;
      const { stop } = afterFailedAppend(this.runId, error, this.conflicts);
      if (stop) return { stopped: stop, head };
      // The state took the signals in; the ledger did not. Rebuild from the ledger and try them again.
      await this.reload();
      this.inbox.unshift(...signals);
      return { committed: [] };
    }
    this.conflicts = 0;
    return { committed: round.events };
  }

  private async reload(): Promise<void> {
    const { state, head } = await loadVerifiedRun(this.store, this.runId);
    this.state = state;
    this.head = head;
  }

  private async commit(round: PlannedRound, create?: AppendBatch['create']): Promise<void> {
    await this.store.append({ ...round.batch, ...(create && { create }) });
    const last = round.events.at(-1);
    if (last) this.head = { seq: last.seq, hash: last.hash };
    this.transport.committed(round);
  }
}
