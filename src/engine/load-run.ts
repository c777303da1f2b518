import { evolve, IntegrityError, type LedgerEvent, type RunState } from '../core/index.js';
import { ChainVerifier, type ChainHead } from '../ledger/index.js';
import { readAllEvents, type LedgerStore } from '../store/index.js';

/**
 * A run's state, folded from its ledger while the chain is checked, a page at a time. An
 * event is folded only after its hash is verified, so a tampered ledger is reported as such
 * (IntegrityError) rather than confusing the fold. The chain must also reach the head the
 * run's index row records: a ledger whose newest events were deleted verifies link by link,
 * but every append onto it would conflict with that head, for ever.
 */
export async function loadVerifiedRun(
  store: LedgerStore,
  runId: string,
): Promise<{ state: RunState; head: ChainHead; last: LedgerEvent }> {
  // Read before the events (see ChainVerifier): an append in between only lengthens the chain.
  const record = await store.getRun(runId);
  const verifier = new ChainVerifier(record && { seq: record.headSeq, hash: record.headHash });
  let state: RunState | undefined;
  let last: LedgerEvent | undefined;
  for await (const event of readAllEvents(store, runId)) {
    if (!verifier.push(event)) break;
    state = evolve(state, event);
    last = event;
  }
  const verdict = verifier.verdict;
  if (!verdict.ok)
    throw new IntegrityError(
      `the ledger of run "${runId}" fails verification at seq ${verdict.seq}: ${verdict.reason}`,
    );
  if (!state || !last) throw new IntegrityError(`run "${runId}" has no events`);
  return { state, head: verdict.head, last };
}
