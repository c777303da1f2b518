import {
  conduct,
  evolve,
  isDecision,
  upgradeDecisionRequest,
  type BatonEvent,
  type LedgerEvent,
  type RunState,
} from '../core/index.js';
import { canonicalJson } from './canonical.js';

/**
 * On a mismatch, `seq` is the first recorded decision that differs from what the conductor
 * decides now: `found` is the event the ledger has there (null when the ledger ends first) and
 * `derived` what the conductor decides there instead (null when it decides nothing more).
 * `expected` and `recorded` are that decision round, as derived and as recorded up to `seq`.
 * `acceptedAt` is the newest `run.divergence_accepted` after the mismatch: replay again with
 * `trustThrough` set to it to check only what came after the acceptance.
 */
export type ReplayVerdict =
  | { ok: true; decisionRounds: number }
  | {
      ok: false;
      seq: number;
      found: BatonEvent | null;
      derived: BatonEvent | null;
      expected: BatonEvent[];
      recorded: BatonEvent[];
      acceptedAt?: number;
    };

type Mismatch = Extract<ReplayVerdict, { ok: false }>;

/** A recorded event as the conductor would write it today (older ledgers lack fields added since). */
function plain(event: BatonEvent): BatonEvent {
  if (event.type === 'decision.requested') return { type: event.type, data: upgradeDecisionRequest(event.data) };
  return { type: event.type, data: event.data } as BatonEvent;
}

/** One `decide` call: what it derives, and how much of it the ledger has matched so far. */
interface Round {
  at: string;
  expected: BatonEvent[];
  recorded: BatonEvent[];
}

/**
 * Re-runs the conductor over a ledger, one event at a time (so a run of any length replays in
 * constant memory besides its state), and checks that it makes exactly the recorded decisions
 * (STYLE.md 4). Decisions are grouped as they were made: a run of consecutive decision events
 * with the same time is one `decide` call at that time, because the conductor decides to a
 * fixpoint and the engine commits a round whole. The recorded times are the clock, so replay
 * is deterministic.
 *
 * Events up to `trustThrough` are folded as recorded, unchecked: a person accepted that the
 * ledger up to a `run.divergence_accepted` stands as it is. Once a decision differs, the state
 * is no longer the ledger's fold (conduct folded its own decisions) and is left alone.
 * @example
 * const replay = new LedgerReplay();
 * for (const event of events) replay.push(event);
 * const verdict = replay.finish();
 * if (!verdict.ok) console.error(`diverges at seq ${verdict.seq}`);
 */
export class LedgerReplay {
  private folded: RunState | undefined;
  private round: Round | undefined;
  private rounds = 0;
  private mismatch: Mismatch | undefined;
  private lastSeq = 0;

  constructor(private readonly options: { trustThrough?: number } = {}) {}

  /** The state after the events pushed: the ledger's fold while the verdict is ok. */
  get state(): RunState | undefined {
    return this.folded;
  }

  push(event: LedgerEvent): void {
    this.lastSeq = event.seq;
    if (!this.mismatch) this.check(event);
    // Also when the divergence is found at the acceptance itself (the conductor derives more
    // where the ledger's round ended and the acceptance follows).
    if (this.mismatch && event.type === 'run.divergence_accepted') this.mismatch.acceptedAt = event.seq;
  }

  private check(event: LedgerEvent): void {
    const trusted = event.seq <= (this.options.trustThrough ?? 0);
    if (trusted || !isDecision(event)) {
      this.closeRound(event);
      if (!this.mismatch) this.folded = evolve(this.folded, event);
      return;
    }
    if (this.round?.at !== event.at) {
      this.closeRound(event);
      if (this.mismatch) return;
      if (!this.folded) {
        this.mismatch = { ok: false, seq: event.seq, found: plain(event), derived: null, expected: [], recorded: [] };
        return;
      }
      // conduct() folds its own decisions into the state as it makes them: when they match the
      // recorded ones, the state is what folding the recorded ones would give, at O(1) per round.
      this.round = { at: event.at, expected: conduct(this.folded, { now: Date.parse(event.at) }), recorded: [] };
      this.rounds += 1;
    }
    const round = this.round;
    const found = plain(event);
    const derived = round.expected[round.recorded.length] ?? null;
    round.recorded.push(found);
    if (canonicalJson(derived) !== canonicalJson(found)) this.fail(round, event.seq, found, derived);
  }

  /** Ok, or the first divergence: call it once every event has been pushed (it closes the last round). */
  finish(): ReplayVerdict {
    if (!this.mismatch) this.closeRound(null);
    return this.mismatch ?? { ok: true, decisionRounds: this.rounds };
  }

  /** The round ends before `next` (null: at the end of the ledger); it must not have derived more. */
  private closeRound(next: LedgerEvent | null): void {
    const round = this.round;
    if (!round) return;
    this.round = undefined;
    const derived = round.expected[round.recorded.length];
    if (derived !== undefined) this.fail(round, next?.seq ?? this.lastSeq + 1, next && plain(next), derived);
  }

  private fail(round: Round, seq: number, found: BatonEvent | null, derived: BatonEvent | null): void {
    this.mismatch = { ok: false, seq, found, derived, expected: round.expected, recorded: round.recorded };
  }
}

/**
 * Replays a whole recorded ledger (see LedgerReplay). A divergence that a person accepted
 * (`run.divergence_accepted` after it) is taken as recorded, and what follows the acceptance
 * is checked.
 * @example replayLedger(events) // { ok: true, decisionRounds: 12 }
 */
export function replayLedger(events: readonly LedgerEvent[]): ReplayVerdict {
  const replay = (trustThrough: number): ReplayVerdict => {
    const run = new LedgerReplay({ trustThrough });
    for (const event of events) run.push(event);
    return run.finish();
  };
  const verdict = replay(0);
  return !verdict.ok && verdict.acceptedAt !== undefined ? replay(verdict.acceptedAt) : verdict;
}
