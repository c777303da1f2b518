import { conduct, evolve, isDecision, type BatonEvent, type LedgerEvent, type RunState } from '../core/index.js';
import { canonicalJson } from './canonical.js';

export type ReplayVerdict = { ok: true; decisionRounds: number } | { ok: false; seq: number; expected: BatonEvent[]; recorded: BatonEvent[] };

function plain(event: BatonEvent): BatonEvent {
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
    while (i < events.length && isDecision(events[i] as LedgerEvent) && (events[i] as LedgerEvent).at === event.at) recorded.push(events[i++] as LedgerEvent);
    // conduct() folds its own decisions into the state as it makes them: when they match the
    // recorded ones, the state is what folding the recorded ones would give, at O(1) per round.
    const expected = conduct(state, { now: Date.parse(event.at) });
    rounds += 1;
    if (canonicalJson(expected) !== canonicalJson(recorded.map(plain))) {
      return { ok: false, seq: event.seq, expected, recorded: recorded.map(plain) };
    }
  }
  return { ok: true, decisionRounds: rounds };
}
