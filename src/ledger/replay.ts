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

/** On a mismatch, `seq` is the first recorded decision that differs from what the conductor decides now. */
export type ReplayVerdict =
  { ok: true; decisionRounds: number } | { ok: false; seq: number; expected: BatonEvent[]; recorded: BatonEvent[] };

/** A recorded event as the conductor would write it today (older ledgers lack fields added since). */
function plain(event: BatonEvent): BatonEvent {
  if (event.type === 'decision.requested') return { type: event.type, data: upgradeDecisionRequest(event.data) };
  return { type: event.type, data: event.data } as BatonEvent;
}

/**
 * Re-runs the conductor over a recorded ledger and checks that it makes exactly the recorded
 * decisions (STYLE.md 4). Decisions are grouped as they were made: a run of consecutive
 * decision events with the same time is one `decide` call at that time, because the conductor
 * decides to a fixpoint and the engine commits a round whole.
 */
export function replayLedger(events: readonly LedgerEvent[]): ReplayVerdict {
  let state: RunState | undefined;
  let rounds = 0;
  let i = 0;
  while (i < events.length) {
    const event = events[i] as LedgerEvent;
    if (!isDecision(event)) {
      state = evolve(state, event);
      i += 1;
      continue;
    }
    if (!state) return { ok: false, seq: event.seq, expected: [], recorded: [plain(event)] };
    const recorded: LedgerEvent[] = [];
    while (i < events.length && isDecision(events[i] as LedgerEvent) && (events[i] as LedgerEvent).at === event.at)
      recorded.push(events[i++] as LedgerEvent);
    // conduct() folds its own decisions into the state as it makes them: when they match the
    // recorded ones, the state is what folding the recorded ones would give, at O(1) per round.
    const expected = conduct(state, { now: Date.parse(event.at) });
    rounds += 1;
    const differs = (j: number): boolean =>
      canonicalJson(expected[j] ?? null) !== canonicalJson(recorded[j] ? plain(recorded[j]) : null);
    const first = Array.from({ length: Math.max(expected.length, recorded.length) }, (_, j) => j).find(differs);
    if (first !== undefined) {
      return {
        ok: false,
        seq: recorded[first]?.seq ?? event.seq + recorded.length,
        expected,
        recorded: recorded.map(plain),
      };
    }
  }
  return { ok: true, decisionRounds: rounds };
}
