import { evolve, type LedgerEvent, type RunState } from '../core/index.js';

/** Run state after any crash: the fold of its ledger. */
export function foldRun(events: Iterable<LedgerEvent>): RunState | undefined {
  let state: RunState | undefined;
  for (const event of events) state = evolve(state, event);
  return state;
}
