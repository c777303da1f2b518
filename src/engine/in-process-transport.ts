import type { BatonEvent } from '../core/index.js';
import { AbortReason } from '../capabilities/index.js';
import type { RunOwner } from '../store/index.js';
import { Executor, type ExecutorOptions } from './executor.js';
import type { PlannedRound } from './run-round.js';
import type { WorkTransport } from './work-transport.js';

export interface InProcessTransportOptions extends ExecutorOptions {
  owner: RunOwner;
}

/**
 * The embedded engine's transport: it runs every attempt it dispatches in its own executor,
 * whose outcomes come back through `report` (nothing to collect). Nothing is queued in the store
 * (run-round.ts): when the engine stops, its work stops with it, and a resume abandons every
 * attempt the ledger has in flight.
 * @example
 * const transport = new InProcessTransport({ ...execution, owner, report: (_item, outcome) => driver.signal(outcome) });
 */
export class InProcessTransport implements WorkTransport {
  readonly claim: { by: string };
  readonly lapsed: ReadonlySet<string> = new Set();
  readonly workOutlivesEngine = false;
  private readonly executor: Executor;

  constructor(options: InProcessTransportOptions) {
    this.claim = { by: options.owner.id };
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

  async shutdown(): Promise<void> {
    await this.executor.shutdown();
  }

  async close(): Promise<void> {}
}
