import { ConflictError } from '../core/index.js';
import type { RunLocks, StoreNotice, StoreNotices } from '../store/index.js';
import type { RunHandle } from './run-handle.js';

/** A run that could not be taken up is tried again after this long, not on every look. */
const RETRY_AFTER_MS = 30_000;

/** Unconducted runs taken up per look; the rest wait for the next one (or another engine). */
const BATCH = 20;

export interface RunAdopterOptions {
  store: RunLocks & StoreNotices;
  now(): number;
  /** How often to look for runs whose conductor's lock expired (those send no notice). */
  pollMs: number;
  /** Takes the run's conductor lock and conducts it; a ConflictError means another engine was first. */
  adopt(runId: string): Promise<RunHandle>;
  log?(event: RunAdopterLogEvent): void;
}

export type RunAdopterLogEvent =
  | { type: 'adopted'; runId: string }
  | { type: 'finished'; runId: string; status: string }
  | { type: 'error'; runId?: string; message: string };

/**
 * Gives every running run of the store a conductor: an engine process (`baton serve`) looks
 * for runs no live engine conducts (submitted detached, or whose engine died and whose lock
 * expired) and takes them up. Several engines may look at once; the conductor lock lets one
 * of them win each run, and the others leave it.
 */
export class RunAdopter {
  private readonly conducting = new Map<string, RunHandle>();
  private readonly failedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private looking: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: RunAdopterOptions) {}

  /** Runs this engine conducts now. */
  get runs(): string[] {
    return [...this.conducting.keys()];
  }

  async start(): Promise<void> {
    // A new run's first append is a notice: a detached run is taken up at once, not at the next poll.
    this.unsubscribe = await this.options.store.subscribe((notice: StoreNotice) => {
      if (notice.topic === 'ledger' && !this.conducting.has(notice.runId)) this.look();
    });
    this.timer = setInterval(() => this.look(), this.options.pollMs);
    this.timer.unref();
    this.look();
    await this.looking;
  }

  /** Stops taking runs up and interrupts the ones conducted here: their locks are released for other engines. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.unsubscribe?.();
    await this.looking;
    await Promise.all([...this.conducting.values()].map((handle) => handle.interrupt().catch(() => undefined)));
  }

  private look(): void {
    if (this.stopped) return;
    if (this.looking) {
      this.again = true;
      return;
    }
    this.looking = this.adoptUnconducted()
      .catch((error: unknown) =>
        this.options.log?.({
          type: 'error',
          message: `looking for runs to conduct failed: ${(error as Error).message}`,
        }),
      )
      .finally(() => {
        this.looking = undefined;
        if (this.again) {
          this.again = false;
          this.look();
        }
      });
  }

  private async adoptUnconducted(): Promise<void> {
    const now = this.options.now();
    for (const runId of await this.options.store.listUnconductedRuns(now, BATCH)) {
      if (this.stopped) return;
      if (this.conducting.has(runId) || now - (this.failedAt.get(runId) ?? -Infinity) < RETRY_AFTER_MS) continue;
      try {
        const handle = await this.options.adopt(runId);
        this.failedAt.delete(runId);
        this.conducting.set(runId, handle);
        this.options.log?.({ type: 'adopted', runId });
        void handle
          .result()
          .then((result) => this.options.log?.({ type: 'finished', runId, status: result.status }))
          .catch((error: unknown) => this.options.log?.({ type: 'error', runId, message: (error as Error).message }))
          .finally(() => this.conducting.delete(runId));
      } catch (error) {
        if (error instanceof ConflictError) continue; // another engine took it first
        this.failedAt.set(runId, now);
        this.options.log?.({
          type: 'error',
          runId,
          message: `could not take up run "${runId}": ${(error as Error).message}`,
        });
      }
    }
  }
}
