import { NotFoundError } from '../core/index.js';
import { ChainVerifier } from '../ledger/index.js';
import { readAllEvents, type LedgerStore } from '../store/index.js';
import {
  checkSealedArtifacts,
  joinVerdicts,
  SealedArtifactsFold,
  type ArtifactStore,
  type RunVerdict,
} from './artifacts/index.js';
import { checkWorkspaceAnchors, deletedRun } from './workspace-anchors.js';

/**
 * Recomputes the run's hash chain from its first event, a page at a time, and checks that it
 * reaches the head the run's row records (a chain that lost its newest events, or all of
 * them, fails at the first missing seq) and agrees with the workspace ledger; once the chain
 * holds, re-hashes every sealed artifact in the artifact store. What `Baton.verify` does.
 * @example
 * const verdict = await verifyRun(store, artifacts, runId);
 */
export async function verifyRun(store: LedgerStore, artifacts: ArtifactStore, runId: string): Promise<RunVerdict> {
  // Read before the events (see ChainVerifier): the chain must reach the head recorded here.
  const record = await store.getRun(runId);
  if (!record) {
    // Unknown to the store, but the workspace ledger saw it created: it was deleted, which verification reports.
    const [created] = await store.readWorkspaceLedger({ runId, limit: 1 });
    if (created) return deletedRun(created);
    throw new NotFoundError(`run "${runId}"`);
  }
  const verifier = new ChainVerifier({ seq: record.headSeq, hash: record.headHash });
  const seals = new SealedArtifactsFold();
  for await (const event of readAllEvents(store, runId)) {
    if (!verifier.push(event)) break;
    seals.push(event);
  }
  const chain = verifier.verdict;
  // A broken chain says nothing trustworthy about which hashes were sealed.
  if (!chain.ok) return chain;
  const anchors = await checkWorkspaceAnchors(store, record);
  if (!anchors.ok) return { ok: false, events: chain.events, seq: anchors.seq, reason: anchors.reason };
  return {
    ...joinVerdicts(chain, await checkSealedArtifacts(artifacts, seals.sealed)),
    covered: anchors.covered,
  };
}
