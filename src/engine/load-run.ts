import { evolve, IntegrityError, type LedgerEvent, type RunState } from '../core/index.js';
import { ChainVerifier, type ChainHead } from '../ledger/index.js';
import { readAllEvents, type LedgerStore } from '../store/index.js';

/** What builds a run's state from its events in order: the plain fold, or a replay (LedgerReplay) that also checks them. */
export interface LedgerFold {
  push(event: LedgerEvent): void;
  readonly state: RunState | undefined;
}

/** Folds each event into the state, as recorded. */
class PlainFold implements LedgerFold {
  state: RunState | undefined;
  push(event: LedgerEvent): void {
    this.state = evolve(this.state, event);
  }
}

/**
 * A run's state, folded from its ledger while the chain is checked, a page at a time. An
 * event is folded only after its hash is verified, so a tampered ledger is reported as such
 * (IntegrityError) rather than confusing the fold. The chain must also reach the head the
 * run's index row records: a ledger whose newest events were deleted verifies link by link,
 * but every append onto it would conflict with that head, for ever. `fold` builds the state
 * (default: as recorded).
 */
export async function loadVerifiedRun(
  store: LedgerStore,
  runId: string,
  fold: LedgerFold = new PlainFold(),
): Promise<{ state: RunState; head: ChainHead; last: LedgerEvent }> {
  // Read before the events (see ChainVerifier): an append in between only lengthens the chain.
  const record = await store.getRun(runId);
  const verifier = new ChainVerifier(record && { seq: record.headSeq, hash: record.headHash });
  let last: LedgerEvent | undefined;
  for await (const event of readAllEvents(store, runId)) {
    if (!verifier.push(event)) break;
    fold.push(event);
    last = event;
  }
  const verdict = verifier.verdict;
  if (!verdict.ok)
    throw new IntegrityError(
      `the ledger of run "${runId}" fails verification at seq ${verdict.seq}: ${verdict.reason}`,
    );
  const { state } = fold;
  if (!state || !last) throw new IntegrityError(`run "${runId}" has no events`);
  return { state, head: verdict.head, last };
}
