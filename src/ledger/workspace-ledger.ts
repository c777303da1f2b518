import type { LedgerEvent, PlanningRecord, RunStatus } from '../core/index.js';
import { hashOf, type ChainHead, type ChainLink } from './chain.js';
import type { KeyEntry } from './signing-keys.js';

/**
 * An entry of the workspace ledger: the creation or the end of one of its runs, a planning
 * (`baton plan`), or a signing key's registration or revocation (`baton key`), chained like a
 * run's events (same envelope, same hash).
 */
export type WorkspaceEntry = RunAnchorEntry | PlanningEntry | KeyEntry;

/**
 * The creation or the end of a run. Each anchors one event of the run by its seq and hash, so
 * that a run deleted whole (its row and its events) still leaves its creation in a chain that
 * verifies, and a run's ledger truncated or rewritten no longer matches its anchors.
 */
export interface RunAnchorEntry extends ChainLink {
  type: 'run.created' | 'run.ended';
  /** The anchored event of the run (`runId`): its seq and hash, and the status the run had then. */
  data: { seq: number; hash: string; status: RunStatus };
}

/**
 * One planning: a model drafted a plan (or failed to). `runId` holds the planning's own id
 * (`draft-...`), which no run has; no run event is anchored, the record itself is the fact.
 */
export interface PlanningEntry extends ChainLink {
  type: 'plan.drafted';
  data: PlanningRecord;
}

/** True for the entries that anchor a run's events (not a planning's record). */
export function isRunAnchor(entry: WorkspaceEntry): entry is RunAnchorEntry {
  return entry.type === 'run.created' || entry.type === 'run.ended';
}

/**
 * The workspace ledger entry of a planning, chained onto `head`.
 * @example planningEntryFor(EMPTY_HEAD, record, at).type // 'plan.drafted'
 */
export function planningEntryFor(head: ChainHead, record: PlanningRecord, at: string): PlanningEntry {
  const entry: PlanningEntry = {
    runId: record.id,
    seq: head.seq + 1,
    type: 'plan.drafted',
    at,
    data: record,
    prevHash: head.hash,
    hash: '',
  };
  entry.hash = hashOf(entry);
  return entry;
}

/** The event types that end a run, and the status each leaves it in. */
const RUN_ENDS: Readonly<Record<string, RunStatus>> = {
  'run.succeeded': 'succeeded',
  'run.failed': 'failed',
  'run.denied': 'denied',
  'run.aborted': 'aborted',
  'run.timed_out': 'timed_out',
};

/** True when a batch of a run's events holds something the workspace ledger records. */
export function needsWorkspaceEntries(events: readonly LedgerEvent[]): boolean {
  return events.some((event) => event.type === 'run.created' || RUN_ENDS[event.type] !== undefined);
}

/**
 * The workspace ledger entries for a batch of a run's events (its `run.created`, its end),
 * chained onto the workspace ledger's `head`. The store appends them in the same transaction
 * as the events, so the two ledgers cannot diverge.
 * @example workspaceEntriesFor(EMPTY_HEAD, [created])[0].data // { seq: 1, hash: created.hash, status: 'running' }
 */
export function workspaceEntriesFor(head: ChainHead, events: readonly LedgerEvent[]): RunAnchorEntry[] {
  let { seq, hash: prevHash } = head;
  const entries: RunAnchorEntry[] = [];
  for (const event of events) {
    const ended = RUN_ENDS[event.type];
    if (event.type !== 'run.created' && ended === undefined) continue;
    seq += 1;
    const entry: RunAnchorEntry = {
      runId: event.runId,
      seq,
      type: ended === undefined ? 'run.created' : 'run.ended',
      at: event.at,
      data: { seq: event.seq, hash: event.hash, status: ended ?? 'running' },
      prevHash,
      hash: '',
    };
    entry.hash = hashOf(entry);
    prevHash = entry.hash;
    entries.push(entry);
  }
  return entries;
}
