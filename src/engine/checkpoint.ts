import type { KeyObject } from 'node:crypto';
import { IntegrityError } from '../core/index.js';
import {
  checkpointSignatureHolds,
  ChainVerifier,
  keyFingerprint,
  publicKeyOf,
  signCheckpoint,
  type ChainHead,
  type ChainLink,
  type Checkpoint,
} from '../ledger/index.js';
import type { LedgerStore } from '../store/index.js';
import type { Baton } from './baton.js';

const short = (hash: string): string => hash.slice(0, 12);

/**
 * Signs the heads of every run and of the workspace ledger, once the whole workspace verifies:
 * a checkpoint of a ledger already tampered with would vouch for the tampering.
 */
export async function takeCheckpoint(baton: Baton, privateKey: KeyObject, takenAt: string): Promise<Checkpoint> {
  const verdict = await baton.verifyWorkspace();
  const failed = verdict.runs.find((run) => !run.ok);
  if (failed && !failed.ok)
    throw new IntegrityError(
      `no checkpoint taken: run "${failed.runId}" fails verification at seq ${failed.seq}: ${failed.reason}`,
    );
  if (!verdict.ledger.ok)
    throw new IntegrityError(
      `no checkpoint taken: the workspace ledger fails verification at entry ${verdict.ledger.seq}: ${verdict.ledger.reason}`,
    );
  const runs: Record<string, ChainHead> = {};
  for (const run of verdict.runs) if (run.ok) runs[run.runId] = run.head;
  return signCheckpoint(
    { baton: 'checkpoint/1', takenAt, publicKey: publicKeyOf(privateKey), runs, workspace: verdict.ledger.head },
    privateKey,
  );
}

/** One ledger checked against a checkpoint; `checkpointed` is null for a run created after it. */
export interface CheckedLedger {
  runId: string | null;
  ok: boolean;
  checkpointed: ChainHead | null;
  reason: string | null;
}

export interface CheckpointVerdict {
  ok: boolean;
  signature: 'valid' | 'invalid';
  takenAt: string;
  /** The fingerprint of the key that signed it (keyFingerprint). */
  key: string;
  runs: CheckedLedger[];
  /** The workspace ledger (runId null); absent when the signature does not hold. */
  workspace: CheckedLedger | null;
}

/**
 * Checks the workspace against a checkpoint: the signature first (nothing in a file whose
 * signature fails is trusted), then that every checkpointed run still exists, still verifies,
 * and still has the checkpointed hash at the checkpointed seq; the same for the workspace
 * ledger. That catches truncation, deletion and rewriting with recomputed hashes since the
 * checkpoint was taken. With `runId`, only that run (and the workspace ledger) is checked.
 */
export async function verifyAgainstCheckpoint(
  baton: Baton,
  checkpoint: Checkpoint,
  runId?: string,
): Promise<CheckpointVerdict> {
  const header = { takenAt: checkpoint.takenAt, key: keyFingerprint(checkpoint.publicKey) };
  if (!checkpointSignatureHolds(checkpoint))
    return { ok: false, signature: 'invalid', ...header, runs: [], workspace: null };
  const ids =
    runId !== undefined
      ? [runId]
      : [
          ...new Set([
            ...Object.keys(checkpoint.runs),
            ...(await baton.listRuns({ limit: Number.MAX_SAFE_INTEGER })).map((run) => run.runId),
          ]),
        ];
  const runs: CheckedLedger[] = [];
  for (const id of ids) runs.push(await checkRun(baton, id, checkpoint.runs[id] ?? null));
  const workspace = await checkWorkspaceLedger(baton.store, checkpoint.workspace);
  return { ok: workspace.ok && runs.every((run) => run.ok), signature: 'valid', ...header, runs, workspace };
}

async function checkRun(baton: Baton, runId: string, checkpointed: ChainHead | null): Promise<CheckedLedger> {
  const failed = (reason: string): CheckedLedger => ({ runId, ok: false, checkpointed, reason });
  if (!(await baton.store.getRun(runId))) {
    return failed(
      checkpointed
        ? `deleted since the checkpoint (its chain was at seq ${checkpointed.seq})`
        : 'no such run, in the workspace or in the checkpoint',
    );
  }
  const verdict = await baton.verify(runId);
  if (!verdict.ok) return failed(`fails verification at seq ${verdict.seq}: ${verdict.reason}`);
  if (checkpointed === null) return { runId, ok: true, checkpointed, reason: 'created after the checkpoint' };
  const [event] = await baton.store.readEvents(runId, checkpointed.seq - 1, 1);
  const mismatch = anchorMismatch(event, checkpointed, verdict.head);
  return mismatch ? failed(mismatch) : { runId, ok: true, checkpointed, reason: null };
}

async function checkWorkspaceLedger(store: LedgerStore, checkpointed: ChainHead): Promise<CheckedLedger> {
  const verifier = new ChainVerifier();
  let atCheckpoint: ChainLink | undefined;
  for (const entry of await store.readWorkspaceLedger()) {
    verifier.push(entry);
    if (entry.seq === checkpointed.seq) atCheckpoint = entry;
  }
  const verdict = verifier.verdict;
  const failed = (reason: string): CheckedLedger => ({ runId: null, ok: false, checkpointed, reason });
  if (!verdict.ok) return failed(`fails verification at entry ${verdict.seq}: ${verdict.reason}`);
  if (checkpointed.seq === 0) return { runId: null, ok: true, checkpointed, reason: null };
  const mismatch = anchorMismatch(atCheckpoint, checkpointed, verdict.head);
  return mismatch ? failed(mismatch) : { runId: null, ok: true, checkpointed, reason: null };
}

/** How a chain no longer holds the checkpointed head; undefined when it does. */
function anchorMismatch(
  found: { seq: number; hash: string } | undefined,
  checkpointed: ChainHead,
  head: ChainHead,
): string | undefined {
  if (found === undefined || found.seq !== checkpointed.seq) {
    return `truncated since the checkpoint: it had seq ${checkpointed.seq} (hash ${short(checkpointed.hash)}), the chain now ends at seq ${head.seq}`;
  }
  if (found.hash !== checkpointed.hash) {
    return `rewritten since the checkpoint: seq ${checkpointed.seq} now has hash ${short(found.hash)}, the checkpoint recorded ${short(checkpointed.hash)}`;
  }
  return undefined;
}
