import {
  CONTEXT_SNAPSHOT_LIMIT,
  newest,
  PlanError,
  planReadsContext,
  type ContextSnapshot,
  type Plan,
  type SnapshotEntry,
} from '../core/index.js';
import { canonicalJson, sha256Hex } from '../ledger/index.js';
import type { ContextEntry, LedgerStore, WorkspaceStore } from '../store/index.js';
import { decisionsOf } from './context.js';
import { listStepEntries } from '../core/index.js';

/**
 * Runs whose decisions a snapshot looks at, newest first: each is folded from its ledger.
 * Measured: with 20 runs of 20 steps in a SQLite workspace, a one-step run of a plan that reads
 * `context` took 27 ms from submit to result against 5 ms for one that does not (load average
 * 9 on 2 cores); folding those ledgers is most of the difference, paid only by plans that read it.
 */
const SNAPSHOT_RUNS = 20;

/** What `run.created` records of the workspace context: the snapshot and the sha256 of its canonical JSON. */
export interface RecordedContext {
  context: ContextSnapshot;
  contextHash: string;
}

/**
 * The workspace context a new run of `plan` reads, when the plan reads `context` at all;
 * undefined otherwise (nothing is read from the store). Open objectives and tasks, the newest
 * insights and the decisions of recent runs, each at most CONTEXT_SNAPSHOT_LIMIT (the newest).
 * @example
 * const recorded = await contextForRun(store, plan); // { context: { objectives: [...], ... }, contextHash: '9f2c...' }
 */
export async function contextForRun(
  store: LedgerStore & WorkspaceStore,
  plan: Plan,
): Promise<RecordedContext | undefined> {
  if (!planReadsContext(plan)) return undefined;
  const context = await takeContextSnapshot(store);
  return { context, contextHash: hashContext(context) };
}

/** The snapshot itself, read from the store now. */
export async function takeContextSnapshot(store: LedgerStore & WorkspaceStore): Promise<ContextSnapshot> {
  const [entries, runs] = await Promise.all([store.listContextEntries(), store.listRuns({ limit: SNAPSHOT_RUNS })]);
  const open = (kind: ContextEntry['kind']) =>
    newest(entries.filter((e) => e.kind === kind && e.status === 'open')).map(snapshotEntry);
  const decisions = (await decisionsOf(store, runs))
    .slice(0, CONTEXT_SNAPSHOT_LIMIT)
    .map(({ runId, id, status, kind, reason }) => ({ runId, id, status, kind, reason }));
  return {
    objectives: open('objective'),
    tasks: open('task'),
    insights: newest(entries.filter((e) => e.kind === 'insight')).map(snapshotEntry),
    decisions,
  };
}

/** The hash `run.created` records beside the snapshot; `baton verify` recomputes it. */
export function hashContext(context: ContextSnapshot): string {
  return sha256Hex(canonicalJson(context));
}

function snapshotEntry(entry: ContextEntry): SnapshotEntry {
  return { id: entry.id, text: entry.text, runId: entry.runId };
}

/**
 * Refuses, before anything is written, a plan whose steps would complete an objective or task
 * (`records.completes`) that the workspace does not have open: a typo would otherwise only show
 * as a completion that changed nothing, after the work was done.
 */
export async function refuseUnknownCompletions(store: WorkspaceStore, plan: Plan): Promise<void> {
  const claimed = listStepEntries(plan.steps).flatMap(([step, { records }]) =>
    records?.completes !== undefined ? [{ step, id: records.completes }] : [],
  );
  if (claimed.length === 0) return;
  const entries = new Map((await store.listContextEntries()).map((entry) => [entry.id, entry]));
  const issues = claimed.flatMap(({ step, id }) => {
    const entry = entries.get(id);
    if (entry?.status === 'open') return [];
    return [
      {
        path: ['steps', step, 'records', 'completes'],
        message:
          entry === undefined
            ? `the workspace has no objective or task "${id}" (baton context lists them)`
            : `${entry.kind} "${id}" is already complete (since ${entry.completedAt ?? '?'}); a step can only complete an open one`,
      },
    ];
  });
  if (issues.length > 0) throw new PlanError(issues);
}
