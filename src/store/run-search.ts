import type { LedgerEvent } from '../core/index.js';

/**
 * The longest search text accepted (`q`, `--search`, list_runs' `search`): enough for any id,
 * plan name (at most 200 characters) or phrase of an objective one would type.
 */
export const RUN_SEARCH_MAX_LENGTH = 200;

/**
 * Run search (`ListRunsQuery.search`): a case-insensitive substring of the run id, the plan's
 * name or its objective. Both SQL adapters match with LIKE (SQLite) / ILIKE (PostgreSQL) and
 * `ESCAPE '\'`, so the text is escaped first: a `%` or `_` someone types is that character,
 * not a wildcard, and a `\` is a backslash.
 *
 * @example
 * likeContaining('50%_off') // '%50\%\_off%'
 */
export function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, (special) => `\\${special}`)}%`;
}

/**
 * The objective a run was created for, from its run.created event: the runs row keeps a copy
 * so that listing can search it without reading the ledger.
 */
export function objectiveOf(events: readonly LedgerEvent[]): string | null {
  const created = events.find((event) => event.type === 'run.created');
  return created?.type === 'run.created' ? (created.data.plan.objective ?? null) : null;
}

/** What the in-memory adapter matches, the same way as the SQL ones. */
export function matchesRunSearch(
  run: { runId: string; name: string; objective: string | null },
  search: string,
): boolean {
  const needle = search.toLowerCase();
  return [run.runId, run.name, run.objective ?? ''].some((text) => text.toLowerCase().includes(needle));
}
