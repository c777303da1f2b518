import type { LedgerEvent, RunStatus } from '../core/index.js';
import { hashOf, type ChainHead, type ChainLink } from './chain.js';

/**
 * An entry of the workspace ledger: the creation or the end of one of its runs, chained like a
 * run's events (same envelope, same hash). Each anchors one event of the run by its seq and
 * hash, so that a run deleted whole (its row and its events) still leaves its creation in a
 * chain that verifies, and a run's ledger truncated or rewritten no longer matches its anchors.
 */
export interface WorkspaceEntry extends ChainLink {
  type: 'run.created' | 'run.ended';
  /** The anchored event of the run (`runId`): its seq and hash, and the status the run had then. */
  data: { seq: number; hash: string; status: RunStatus };
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
export function workspaceEntriesFor(head: ChainHead, events: readonly LedgerEvent[]): WorkspaceEntry[] {
  let { seq, hash: prevHash } = head;
  const entries: WorkspaceEntry[] = [];
  for (const event of events) {
    const ended = RUN_ENDS[event.type];
    if (event.type !== 'run.created' && ended === undefined) continue;
    seq += 1;
    const entry: WorkspaceEntry = {
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
