import { BatonError, ErrorCode, evolve, type LedgerEvent, type RunState } from '../core/index.js';
import { ChainVerifier, type ChainHead } from '../ledger/index.js';
import { readAllEvents, type Store } from '../store/index.js';

/**
 * A run's state, folded from its ledger while the chain is checked, a page at a time. An
 * event is folded only after its hash is verified, so a tampered ledger is reported as such
 * (ErrorCode.integrity) rather than confusing the fold.
 */
export async function loadVerifiedRun(store: Store, runId: string): Promise<{ state: RunState; head: ChainHead; last: LedgerEvent }> {
  const verifier = new ChainVerifier();
  let state: RunState | undefined;
  let last: LedgerEvent | undefined;
  for await (const event of readAllEvents(store, runId)) {
    if (!verifier.push(event)) break;
    state = evolve(state, event);
    last = event;
  }
  const verdict = verifier.verdict;
  if (!verdict.ok) {
    throw new BatonError(ErrorCode.integrity, `the ledger of run "${runId}" fails verification at seq ${verdict.seq}: ${verdict.reason}`);
  }
  if (!state || !last) throw new BatonError(ErrorCode.integrity, `run "${runId}" has no events`);
  return { state, head: verdict.head, last };
}
