import { NotFoundError } from '../core/index.js';
import { ChainVerifier } from '../ledger/index.js';
import { readAllEvents, type LedgerStore, type PayloadStore } from '../store/index.js';
import {
  ApprovedEvidenceFold,
  checkApprovedEvidence,
  checkSealedArtifacts,
  joinVerdicts,
  SealedArtifactsFold,
  type ArtifactStore,
  type RunVerdict,
} from './artifacts/index.js';
import { checkWorkspaceAnchors, deletedRun } from './workspace-anchors.js';
import { hashContext } from './context-snapshot.js';
import { checkPayloads, PayloadRefsFold } from './verify-payloads.js';
import { checkSignedActs, SignedActsFold } from './verify-signatures.js';

/**
 * Events read per page while verifying. Small on purpose: a page of 2,000 (readAllEvents's
 * default) stayed alive across young-generation collections, so V8 moved it, and from then on
 * the events read after it, straight to the old generation, where only a full collection frees
 * them. Verifying a 10,000-step chain (40,002 events) grew the old generation by about 17 MB
 * with 2,000 a page and by about 2 MB with 100; reading 8,000 events from PostgreSQL took
 * about 40 ms in pages of 100 against 30 ms in pages of 2,000.
 */
const VERIFY_PAGE_SIZE = 100;

/**
 * Recomputes the run's hash chain from its first event, a page at a time, and checks that it
 * reaches the head the run's row records (a chain that lost its newest events, or all of
 * them, fails at the first missing seq) and agrees with the workspace ledger; once the chain
 * holds, re-hashes every payload its events reference (the chain covers the references, each
 * naming its payload's hash), every sealed artifact in the artifact store, and every sealed
 * artifact an approval bound (`decision.made`'s evidence) against the hash it recorded, and
 * every approval's signature against the key registered when it was made. What
 * `Baton.verify` does.
 * @example
 * const verdict = await verifyRun(store, artifacts, runId);
 */
export async function verifyRun(
  store: LedgerStore & PayloadStore,
  artifacts: ArtifactStore,
  runId: string,
): Promise<RunVerdict> {
  // Read before the events (see ChainVerifier): the chain must reach the head recorded here.
  const record = await store.getRun(runId);
  if (!record) {
    // Unknown to the store, but the workspace ledger saw it created: it was deleted, which verification reports.
    const [created] = await store.readWorkspaceLedger({ runId, limit: 1 });
    if (created?.type === 'run.created') return deletedRun(created);
    throw new NotFoundError(`run "${runId}"`);
  }
  const verifier = new ChainVerifier({ seq: record.headSeq, hash: record.headHash });
  const seals = new SealedArtifactsFold();
  const refs = new PayloadRefsFold();
  const approvals = new ApprovedEvidenceFold();
  const acts = new SignedActsFold();
  // As stored, with the references the hashes cover: their payloads are checked below, each once.
  for await (const event of readAllEvents(store, runId, VERIFY_PAGE_SIZE, 'reference')) {
    if (!verifier.push(event)) break;
    refs.push(event);
    seals.push(event);
    approvals.push(event);
    acts.push(event);
  }
  const chain = verifier.verdict;
  // A broken chain says nothing trustworthy about which hashes were sealed.
  if (!chain.ok) return chain;
  const anchors = await checkWorkspaceAnchors(store, record);
  if (!anchors.ok) return { ok: false, events: chain.events, seq: anchors.seq, reason: anchors.reason };
  const payloads = await checkPayloads(store, refs);
  if (payloads) return { ok: false, events: chain.events, seq: payloads.seq, reason: payloads.reason };
  const context = await checkContextHash(store, runId);
  if (context) return { ok: false, events: chain.events, seq: 1, reason: context };
  const signed = await checkSignedActs(store, runId, acts);
  if (signed) return { ok: false, events: chain.events, ...signed };
  return {
    ...joinVerdicts(
      chain,
      await checkSealedArtifacts(artifacts, seals.sealed),
      await checkApprovedEvidence(artifacts, approvals.approved),
    ),
    covered: anchors.covered,
  };
}

/**
 * The workspace context a run read (`run.created`) against the hash recorded beside it: the
 * chain covers both, so a difference means a writer recorded a hash of something else.
 * Returns why they disagree, or undefined.
 */
async function checkContextHash(store: LedgerStore, runId: string): Promise<string | undefined> {
  const [created] = await store.readEvents(runId, 0, 1);
  if (created?.type !== 'run.created' || created.data.context === undefined) return undefined;
  const hash = hashContext(created.data.context);
  if (hash === created.data.contextHash) return undefined;
  return `run.created records a context snapshot whose sha256 is ${hash}, not the ${String(created.data.contextHash)} recorded with it`;
}
