import type { LedgerEvent } from '../core/index.js';

/**
 * A change to the workspace context that a run's ledger event implies (`context.recorded`):
 * an insight to add, an objective or task to complete. Adapters make these changes in the
 * transaction that appends the event, so the context and the ledger never disagree, and a run
 * that resumes after a crash (which never decides the event again) never records twice.
 */
export type ContextWrite =
  | { kind: 'insight'; text: string; runId: string; at: string }
  | { kind: 'complete'; id: string; outcome: string; at: string };

/** The context writes a batch of a run's events implies, in event order; none for most batches. */
export function contextWritesOf(events: readonly LedgerEvent[]): ContextWrite[] {
  const writes: ContextWrite[] = [];
  for (const event of events) {
    if (event.type !== 'context.recorded') continue;
    const { insight, completes } = event.data;
    if (insight !== undefined) writes.push({ kind: 'insight', text: insight, runId: event.runId, at: event.at });
    // A completion of something that is complete already (or gone) changes nothing; the event still says what the step claimed.
    if (completes !== undefined)
      writes.push({ kind: 'complete', id: completes.id, outcome: completes.outcome, at: event.at });
  }
  return writes;
}

/** Whether a batch holds an event that changes the workspace context. */
export function changesContext(events: readonly LedgerEvent[]): boolean {
  return events.some((event) => event.type === 'context.recorded');
}
