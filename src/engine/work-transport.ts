import type { BatonEvent, RunState } from '../core/index.js';
import type { PlannedRound, RoundRules } from './run-round.js';

/**
 * How a run's dispatched work reaches what performs it and how the outcomes come back: the
 * engine's own executor (InProcessTransport) or the store's shared queue, which workers on any
 * machine claim from (QueueTransport). The run loop (RunDriver, and the simulation) is the same
 * over either: it plans rounds, commits them, and hands them here.
 */
export interface WorkTransport {
  /** How dispatched work is queued: claimed at once by this engine, or left for any worker. */
  readonly claim: RoundRules['claim'];
  /** Attempts given up because their lease lapsed (their items stay, marked abandoned). */
  readonly lapsed: ReadonlySet<string>;
  /** Whether queued work belongs to workers that outlive an engine, so a resume keeps it. */
  readonly workOutlivesEngine: boolean;
  /** Attempts running in this process. */
  readonly activeHere: number;
  /** Starts listening; `nudge` is called when outcomes may be waiting to be collected. */
  open(nudge: () => void): Promise<void>;
  /** Outcomes reported since the last call, and attempts whose lease lapsed: signals for the next round. */
  collect(state: RunState, now: number): Promise<BatonEvent[]>;
  /**
   * Before a round is committed: claims some of the work it queues for workers that offered to
   * take it (QueueTransport), so they start it without a claim of their own. Changes nothing
   * but those items' claims.
   */
  handOut(round: PlannedRound, now: number): void;
  /** A round's append went in: start and stop its work. */
  committed(round: PlannedRound): void;
  /** Stops this process's attempts without reporting them: the engine stops and the ledger must not change. */
  shutdown(): Promise<void>;
  /** Stops listening; work this process still holds goes back to the queue. */
  close(): Promise<void>;
}
