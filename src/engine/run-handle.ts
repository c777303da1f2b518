import {
  DecisionKind,
  decisionId,
  runTokens,
  type BatonEvent,
  type Json,
  type LedgerEvent,
  type PendingDecision,
  type RunState,
  type RunStatus,
  type TokenUsage,
} from '../core/index.js';
import type { LedgerStore } from '../store/index.js';
import type { RunDriver } from './run-driver.js';

/** What a finished (or stopped) run comes to. */
export interface RunResult {
  runId: string;
  /**
   * How the run ended, or `waiting` (it needs a person or a signal: see `pending`) or
   * `paused` when it stopped without ending; `resume` continues it.
   */
  status: RunStatus | 'waiting' | 'paused';
  succeeded: number;
  skipped: number;
  failed: number;
  /** Outputs of the steps that succeeded, by step id. */
  outputs: Record<string, Json>;
  /** Why the run failed, when it did. */
  failure: string | null;
  /** True when the run was interrupted before it ended; `resume` continues it. */
  interrupted: boolean;
  /** What the run waits for: gates, confirmations, escalations, people's tasks, signals. */
  pending: PendingDecision[];
  budget: RunState['budget'];
  /** The tokens of the run's model calls, summed; absent when it made none. */
  tokens?: TokenUsage;
}

/** The status a run shows: `paused` or `waiting` while it is running but cannot go on by itself. */
export function displayStatus(state: RunState): RunResult['status'] {
  if (state.status !== 'running') return state.status;
  if (state.paused) return 'paused';
  if (state.pending.size === 0) return 'running';
  // A person's task is an attempt in flight that no engine runs: it waits like any other decision.
  for (const key of state.inflight.values())
    if (!state.pending.has(decisionId(DecisionKind.human, key))) return 'running';
  return 'waiting';
}

export function summarize(state: RunState, interrupted = false): RunResult {
  const result: RunResult = {
    runId: state.runId,
    status: displayStatus(state),
    succeeded: 0,
    skipped: 0,
    failed: 0,
    outputs: {},
    failure: state.failure,
    interrupted,
    pending: [...state.pending.values()],
    budget: { ...state.budget },
  };
  const tokens = runTokens(state);
  if (tokens) result.tokens = tokens;
  for (const step of Object.values(state.steps)) {
    if (step.status === 'succeeded') {
      result.succeeded += 1;
      result.outputs[step.id] = step.output;
    } else if (step.status === 'skipped') result.skipped += 1;
    else if (step.status === 'failed') result.failed += 1;
  }
  return result;
}

/**
 * A run being driven in this process. `result()` settles when it ends; `events()` yields
 * its whole ledger, history first and then live, with no gap and no repeat.
 */
export class RunHandle {
  private readonly done: Promise<RunResult>;
  private interrupted = false;
  private finished = false;

  constructor(
    private readonly driver: RunDriver,
    private readonly store: LedgerStore,
  ) {
    this.done = driver.drive().then((state) => summarize(state, this.interrupted));
    void this.done.finally(() => (this.finished = true)).catch(() => {});
    // The caller may never ask for the result; a failure still must not go unhandled.
    this.done.catch(() => {});
  }

  get runId(): string {
    return this.driver.runId;
  }

  /** True when this handle resumed a run that had already ended: nothing was run. */
  get endedBefore(): boolean {
    return this.driver.endedBefore;
  }

  /** The run's state as of the last committed event. Read it; do not change it. */
  get state(): RunState {
    return this.driver.current;
  }

  /** True while this handle's driver still conducts the run. */
  get isDriving(): boolean {
    return !this.finished && !this.driver.loopExited;
  }

  /** Hands a signal (an operator's command) to the driver for its next round. */
  signal(event: BatonEvent): void {
    this.driver.signal(event);
  }

  result(): Promise<RunResult> {
    return this.done;
  }

  /** Called with every batch of events as it is committed. Returns an unsubscribe function. */
  onEvents(listener: (events: readonly LedgerEvent[]) => void): () => void {
    return this.driver.onEvents(listener);
  }

  /** Stops driving without writing anything; the run stays `running` and `resume` continues it. */
  async interrupt(): Promise<RunResult> {
    this.interrupted = true;
    await this.driver.interrupt();
    return this.done;
  }

  async *events(): AsyncGenerator<LedgerEvent> {
    const live: LedgerEvent[] = [];
    let notify: (() => void) | undefined;
    const unsubscribe = this.driver.onEvents((events) => {
      live.push(...events);
      notify?.();
    });
    let finished = false;
    void this.done.finally(() => {
      finished = true;
      notify?.();
    });
    try {
      let last = 0;
      for (const event of await this.store.readEvents(this.runId)) {
        last = event.seq;
        yield event;
      }
      for (;;) {
        while (live.length > 0) {
          const event = live.shift() as LedgerEvent;
          if (event.seq <= last) continue;
          last = event.seq;
          yield event;
        }
        if (finished) return;
        await new Promise<void>((resolve) => (notify = resolve));
        notify = undefined;
      }
    } finally {
      unsubscribe();
    }
  }
}
