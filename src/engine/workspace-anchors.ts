import { ChainVerifier, isRunAnchor, type ChainVerdict, type WorkspaceEntry } from '../ledger/index.js';
import type { LedgerStore, RunRecord } from '../store/index.js';
import type { RunVerdict } from './artifacts/index.js';

const short = (hash: string): string => hash.slice(0, 12);

export type AnchorVerdict = { ok: true; covered: boolean } | { ok: false; seq: number; reason: string };

/**
 * Checks a run against what the workspace ledger recorded of it: its creation, and its end
 * if it ended, each as the seq and hash of the run's event. A run the workspace ledger does
 * not know is "not covered" when it was created before that ledger began (an older Baton
 * created it), and a failure otherwise: its entry was removed.
 */
export async function checkWorkspaceAnchors(store: LedgerStore, record: RunRecord): Promise<AnchorVerdict> {
  // A planning's record is no anchor, even under an id a run was later given by hand.
  const entries = (await store.readWorkspaceLedger({ runId: record.runId })).filter(isRunAnchor);
  if (!entries.some((entry) => entry.type === 'run.created')) {
    const since = await store.workspaceLedgerSince();
    if (since !== null && record.createdAt < since) return { ok: true, covered: false };
    return {
      ok: false,
      seq: 1,
      reason: `the workspace ledger has no record of the run's creation (at ${record.createdAt}), though it records every run created since ${since ?? 'the workspace began'}`,
    };
  }
  for (const entry of entries) {
    const [event] = await store.readEvents(record.runId, entry.data.seq - 1, 1);
    if (event?.seq === entry.data.seq && event.hash === entry.data.hash) continue;
    const what = entry.type === 'run.created' ? 'creation' : `end (${entry.data.status})`;
    const found = event?.seq === entry.data.seq ? `has hash ${short(event.hash)}` : 'is missing';
    return {
      ok: false,
      seq: entry.data.seq,
      reason: `the workspace ledger (entry ${entry.seq}) records the run's ${what} at seq ${entry.data.seq} with hash ${short(entry.data.hash)}, but the run's event there ${found}`,
    };
  }
  return { ok: true, covered: true };
}

/** The verdict on a run the workspace ledger saw created (`created`, its entry) that the store no longer has. */
export function deletedRun(created: WorkspaceEntry): RunVerdict {
  return {
    ok: false,
    events: 0,
    seq: 1,
    reason: `the run was deleted: the workspace ledger (entry ${created.seq}) records its creation at ${created.at}, but the workspace has no such run`,
  };
}

/** `verify` of a whole workspace: every run, the runs the workspace ledger knows but the store no longer has, and that ledger's own chain. */
export interface WorkspaceVerdict {
  ok: boolean;
  /** One verdict per run, those of deleted runs included (as failures). */
  runs: (RunVerdict & { runId: string })[];
  /** The workspace ledger's own chain. */
  ledger: ChainVerdict;
}

/** Verifies every run with `verifyRun`, then the workspace ledger and the runs it records that are gone. */
export async function verifyWorkspace(
  store: LedgerStore,
  verifyRun: (runId: string) => Promise<RunVerdict>,
): Promise<WorkspaceVerdict> {
  // Runs are listed before the workspace ledger is read: a run created in between has an entry but no verdict, and is not reported deleted.
  const records = await store.listRuns({ limit: Number.MAX_SAFE_INTEGER });
  const runs: WorkspaceVerdict['runs'] = [];
  for (const record of records) runs.push({ runId: record.runId, ...(await verifyRun(record.runId)) });
  const known = new Set(records.map((record) => record.runId));
  const verifier = new ChainVerifier();
  const PAGE = 2_000;
  for (let after = 0; ;) {
    const page = await store.readWorkspaceLedger({ afterSeq: after, limit: PAGE });
    for (const entry of page) {
      verifier.push(entry);
      if (entry.type !== 'run.created' || known.has(entry.runId) || (await store.getRun(entry.runId))) continue;
      known.add(entry.runId);
      runs.push({ runId: entry.runId, ...deletedRun(entry) });
    }
    if (page.length < PAGE) break;
    after = (page.at(-1) as { seq: number }).seq;
  }
  const ledger = verifier.verdict;
  return { ok: ledger.ok && runs.every((run) => run.ok), runs, ledger };
}
