import { IntegrityError, type EventOf, type LedgerEvent, type Principal, type RunState } from '../core/index.js';
import { LedgerReplay, summarizeDivergence, type ChainHead } from '../ledger/index.js';
import type { Store } from '../store/index.js';
import { loadVerifiedRun } from './load-run.js';

/** A person's word that a run goes on although its ledger does not replay under this conductor. */
export interface DivergenceAcceptance {
  by: Principal;
  reason: string;
}

export interface ReplayedRun {
  state: RunState;
  head: ChainHead;
  last: LedgerEvent;
  /** The acceptance to record before the run goes on, when its ledger diverged and a person accepted that. */
  accepted: EventOf<'run.divergence_accepted'> | null;
}

/**
 * A run's state for an engine to continue it: its chain verified and its recorded decisions
 * re-derived by this conductor, at their recorded times, in the same pass. A run that diverges
 * (an upgrade decides differently) is refused with an IntegrityError naming the first divergent
 * event, unless `accept` is given; then the acceptance is returned, to be recorded before
 * anything else. A divergence accepted before (`run.divergence_accepted` after it in the ledger)
 * stands, and only what came after the acceptance is checked. A run that has ended is not
 * refused: nothing of it continues.
 * @example
 * const { state, accepted } = await loadReplayedRun(store, runId, { by: 'alice@vm', reason: 'reviewed the upgrade' });
 */
export async function loadReplayedRun(
  store: Store,
  runId: string,
  accept?: DivergenceAcceptance,
): Promise<ReplayedRun> {
  const replay = new LedgerReplay();
  const loaded = await loadVerifiedRun(store, runId, replay);
  let verdict = replay.finish();
  if (verdict.ok) return { ...loaded, accepted: null };
  if (verdict.acceptedAt !== undefined) {
    const afterAcceptance = new LedgerReplay({ trustThrough: verdict.acceptedAt });
    const reloaded = await loadVerifiedRun(store, runId, afterAcceptance);
    verdict = afterAcceptance.finish();
    if (verdict.ok) return { ...reloaded, accepted: null };
  }
  // Past a divergence the replay's state holds the conductor's decisions, not the ledger's: fold it as recorded.
  const recorded = await loadVerifiedRun(store, runId);
  if (recorded.state.status !== 'running') return { ...recorded, accepted: null };
  const { seq } = verdict;
  const summary = summarizeDivergence(verdict);
  if (!accept) {
    throw new IntegrityError(
      `run "${runId}" does not replay under this version of Baton: at seq ${seq} its ledger records ${summary.recorded}, where the conductor now decides ${summary.derived}. Continuing would change the run's decisions; nothing was written. To continue it under this version anyway, accept the divergence with a reason (baton resume ${runId} --accept-divergence --reason TEXT; acceptDivergence over HTTP and MCP)`,
    );
  }
  return {
    ...recorded,
    accepted: { type: 'run.divergence_accepted', data: { seq, ...summary, by: accept.by, reason: accept.reason } },
  };
}
