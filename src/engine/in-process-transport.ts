import type { BatonEvent } from '../core/index.js';
import { AbortReason } from '../capabilities/index.js';
import type { RunOwner, Store } from '../store/index.js';
import { Executor, type ExecutorOptions } from './executor.js';
import type { PlannedRound } from './run-round.js';
import type { WorkTransport } from './work-transport.js';

export interface InProcessTransportOptions extends ExecutorOptions {
  store: Store;
  owner: RunOwner;
  leaseMs: number;
}

/**
 * The embedded engine's transport: it claims every attempt as it dispatches it and runs it in
 * its own executor, whose outcomes come back through `report` (nothing to collect). Its items'
 * leases are renewed with the conductor lock, so they never lapse while it runs; when it
 * stops, its work stops with it, and a resume abandons what it left.
 * @example
 * const transport = new InProcessTransport({ ...execution, store, owner, leaseMs, report: (_item, outcome) => driver.signal(outcome) });
 */
export class InProcessTransport implements WorkTransport {
  readonly claim: { by: string; leaseMs: number };
  readonly lapsed: ReadonlySet<string> = new Set();
  readonly workOutlivesEngine = false;
  private readonly executor: Executor;

  constructor(private readonly options: InProcessTransportOptions) {
    this.claim = { by: options.owner.id, leaseMs: options.leaseMs };
    this.executor = new Executor(options);
  }

  get activeHere(): number {
    return this.executor.active;
  }

  async open(): Promise<void> {}

  async collect(): Promise<BatonEvent[]> {
    return [];
  }

  /** Its work is claimed by this engine as it is dispatched: there is none to hand out. */
  handOut(): void {}

  committed(round: PlannedRound): void {
    for (const item of round.start) this.executor.submit(item);
    for (const attemptId of round.cancel)
      this.executor.cancel({ runId: round.batch.runId, attemptId }, AbortReason.cancelled);
  }

  async renew(until: number): Promise<void> {
    await this.options.store.renewLeases(this.options.owner.id, until);
  }

  async shutdown(): Promise<void> {
    await this.executor.shutdown();
  }

  async close(): Promise<void> {}
}
