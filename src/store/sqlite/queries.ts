/** The SQLite adapter's statements, one named constant each, prepared once per connection. */

export const SELECT_HEAD = `SELECT head_seq FROM runs WHERE run_id = ?`;

export const INSERT_RUN = `
  INSERT INTO runs (run_id, name, plan_hash, status, created_at, updated_at, head_seq, head_hash, lock_owner, lock_host, lock_pid, lock_expires_at, objective)
  VALUES (@runId, @name, @planHash, @status, @at, @at, @headSeq, @headHash, @lockOwner, @lockHost, @lockPid, @lockExpiresAt, @objective)`;

/**
 * Fenced on the head, and for a conductor on its lock too (see the Postgres statement). Most
 * appends leave the status as it was, and this statement does not name it: SQLite rewrites an
 * index entry for every indexed column a SET names, even to the same value, so naming status
 * would dirty a page of runs_by_status_newest_first on every commit (one WAL frame in ten of
 * a chain step's). It matches only while the status is unchanged; UPDATE_RUN_HEAD_AND_STATUS
 * takes the append that changes it.
 */
export const UPDATE_RUN_HEAD = `
  UPDATE runs SET head_seq = @headSeq, head_hash = @headHash, updated_at = @at
  WHERE run_id = @runId AND head_seq = @expectedSeq AND (@conductor IS NULL OR lock_owner = @conductor)
    AND status = @status`;

/** The same fence as UPDATE_RUN_HEAD, for the append that changes the run's status. */
export const UPDATE_RUN_HEAD_AND_STATUS = `
  UPDATE runs SET head_seq = @headSeq, head_hash = @headHash, status = @status, updated_at = @at
  WHERE run_id = @runId AND head_seq = @expectedSeq AND (@conductor IS NULL OR lock_owner = @conductor)`;

/**
 * Each event takes the next workspace-wide position inside the append's write transaction:
 * SQLite has one writer at a time, so positions are handed out, and become visible, in commit
 * order (migrations/sqlite/005_event_positions.sql). Position is the table's rowid (migration 010),
 * so each event is appended at the end of the table; the append reads the last position once
 * (SELECT_LAST_POSITION) and numbers its events on from it, in seq order.
 *
 * Up to EVENT_ROWS_PER_INSERT events a statement: a multi-row INSERT cost about 3.3 us an event
 * against 4.2 for one statement each (events of a 2,000-event append, better-sqlite3), and
 * larger statements gained nothing more.
 */
export const EVENT_ROWS_PER_INSERT = 16;

export function insertEventsSql(rows: number): string {
  const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
  return `INSERT INTO events (run_id, seq, type, at, data, prev_hash, hash, position) VALUES ${values}`;
}

export const SELECT_EVENTS_AFTER_POSITION = `
  SELECT run_id, seq, type, at, data, prev_hash, hash, position FROM events
  WHERE position > ? ORDER BY position LIMIT ?`;

/** The newest position handed out (0 with no event): a client's position beyond it was never given. */
export const SELECT_LAST_POSITION = `SELECT COALESCE(MAX(position), 0) AS last FROM events`;

export const SELECT_EVENTS = `
  SELECT run_id, seq, type, at, data, prev_hash, hash FROM events
  WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?`;

/** A payload is stored once, by the first event that references it; later ones find it there. */
export const INSERT_PAYLOAD = `INSERT INTO payloads (hash, body) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING`;

/** The hashes come as one JSON array, so that one statement serves any number of them. */
export const SELECT_PAYLOADS = `SELECT hash, body FROM payloads WHERE hash IN (SELECT value FROM json_each(?))`;

export const INSERT_WORK = `
  INSERT INTO work (run_id, attempt_id, step, capability, idempotency_key, input, timeout_ms, enqueued_seq, claimed_by, lease_until, kind, skill, revision)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export const DELETE_WORK = `DELETE FROM work WHERE run_id = ? AND attempt_id = ?`;

export const ABANDON_WORK = `UPDATE work SET abandoned = 1, lease_until = NULL WHERE run_id = ? AND attempt_id = ?`;

export const PURGE_WORK = `DELETE FROM work WHERE run_id = ?`;

export const SELECT_WORK = `SELECT * FROM work WHERE run_id = ? ORDER BY enqueued_seq`;

/**
 * One statement: pick the oldest unclaimed items and mark them ours (STYLE.md 7). The lists
 * of functions and skills come as JSON arrays (SQLite has no array parameters).
 */
export const CLAIM_WORK = `
  UPDATE work SET claimed_by = @workerId, lease_until = @leaseUntil
  WHERE (run_id, attempt_id) IN (
    SELECT run_id, attempt_id FROM work
    WHERE claimed_by IS NULL AND (@runId IS NULL OR run_id = @runId)
      AND (kind <> 'function' OR @functions IS NULL OR capability IN (SELECT value FROM json_each(@functions)))
      AND (@skills IS NULL OR skill IN (SELECT value FROM json_each(@skills)))
    ORDER BY enqueued_seq LIMIT @limit)
  RETURNING *`;

export const RENEW_LEASES = `
  UPDATE work SET lease_until = ? WHERE claimed_by = ? AND abandoned = 0 AND outcome IS NULL
  RETURNING run_id, attempt_id`;

/** Fenced on the claim; see the Postgres statement. */
export const REPORT_WORK = `
  UPDATE work SET outcome = @outcome, lease_until = NULL
  WHERE run_id = @runId AND attempt_id = @attemptId AND claimed_by = @workerId AND outcome IS NULL`;

export const RELEASE_WORK = `
  UPDATE work SET claimed_by = NULL, lease_until = NULL
  WHERE run_id = ? AND attempt_id = ? AND claimed_by = ? AND abandoned = 0 AND outcome IS NULL`;

export const SELECT_REPORTED_WORK = `SELECT * FROM work WHERE run_id = ? AND outcome IS NOT NULL ORDER BY enqueued_seq`;

export const LIST_UNCONDUCTED_RUNS = `
  SELECT run_id FROM runs WHERE status = 'running' AND (lock_owner IS NULL OR lock_expires_at < ?)
  ORDER BY created_at LIMIT ?`;

export const SELECT_RUN = `SELECT * FROM runs WHERE run_id = ?`;

/**
 * The runs list, one statement per shape of query rather than `@status IS NULL OR ...`: SQLite
 * plans a statement once, and a condition that may be void cannot be used to seek an index.
 * Each shape walks runs_newest_first or runs_by_status_newest_first (migration 007) in order,
 * from the cursor, and stops after LIMIT rows that match the search: a page deep in the list
 * costs what the first one does. The search itself is a filter on that walk (no index serves
 * a substring), so a rare match reads more rows before it fills a page.
 */
export function listRunsSql(shape: { status: boolean; before: boolean; search: boolean }): string {
  const where = [
    shape.status && 'status = @status',
    shape.before && '(created_at, run_id) < (@beforeCreatedAt, @beforeRunId)',
    shape.search &&
      "(run_id LIKE @pattern ESCAPE '\\' OR name LIKE @pattern ESCAPE '\\' OR objective LIKE @pattern ESCAPE '\\')",
  ].filter((condition) => condition !== false);
  return `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, run_id DESC LIMIT @limit`;
}

export const ACQUIRE_LOCK = `
  UPDATE runs SET lock_owner = @id, lock_host = @host, lock_pid = @pid, lock_expires_at = @expiresAt
  WHERE run_id = @runId
    AND (lock_owner IS NULL OR lock_owner = @id OR lock_expires_at < @now OR lock_owner = @replacing)`;

export const SELECT_LOCK = `SELECT lock_owner, lock_host, lock_pid, lock_expires_at FROM runs WHERE run_id = ?`;

export const RELEASE_LOCK = `
  UPDATE runs SET lock_owner = NULL, lock_host = NULL, lock_pid = NULL, lock_expires_at = NULL
  WHERE run_id = ? AND lock_owner = ?`;

/**
 * Numbers the entry in the statement that inserts it. A write statement holds SQLite's write
 * lock from its first step, so no other connection can insert between reading MAX(number) and
 * writing number + 1; UNIQUE (kind, number) would refuse a repeat if it ever did.
 */
export const INSERT_CONTEXT_ENTRY = `
  INSERT INTO context_entries (id, kind, number, text, run_id, status, created_at)
  SELECT @prefix || '-' || (COALESCE(MAX(number), 0) + 1), @kind, COALESCE(MAX(number), 0) + 1, @text, @runId, @status, @at
  FROM context_entries WHERE kind = @kind
  RETURNING *`;

export const COMPLETE_OBJECTIVE = `
  UPDATE context_entries SET status = 'complete', outcome = @outcome, completed_at = @at
  WHERE id = @id AND kind IN ('objective', 'task') AND status = 'open'
  RETURNING *`;

export const SELECT_CONTEXT_ENTRY = `SELECT * FROM context_entries WHERE id = ?`;

export const LIST_CONTEXT_ENTRIES = `
  SELECT * FROM context_entries WHERE (@kind IS NULL OR kind = @kind) ORDER BY seq`;

export const INSERT_API_TOKEN = `
  INSERT INTO api_tokens (id, name, secret_hash, scopes, role, created_at)
  VALUES (@id, @name, @secretHash, @scopes, @role, @createdAt)
  ON CONFLICT DO NOTHING
  RETURNING *`;

export const SELECT_API_TOKEN_BY_HASH = `SELECT * FROM api_tokens WHERE secret_hash = ?`;

export const LIST_API_TOKENS = `
  SELECT * FROM api_tokens WHERE (@active = 0 OR revoked_at IS NULL) ORDER BY rowid`;

export const REVOKE_API_TOKEN = `
  UPDATE api_tokens SET revoked_at = @at WHERE (id = @idOrName OR name = @idOrName) AND revoked_at IS NULL
  RETURNING *`;

export const SELECT_API_TOKEN = `SELECT * FROM api_tokens WHERE id = ? OR name = ?`;

export const SELECT_WORKSPACE_HEAD = `SELECT seq, hash FROM workspace_ledger ORDER BY seq DESC LIMIT 1`;

export const INSERT_WORKSPACE_ENTRY = `
  INSERT INTO workspace_ledger (seq, type, run_id, at, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)`;

export const SELECT_WORKSPACE_LEDGER = `
  SELECT * FROM workspace_ledger WHERE seq > @afterSeq AND (@runId IS NULL OR run_id = @runId) ORDER BY seq LIMIT @limit`;

/** By name without its number: the workspace ledger's migration, whatever it is numbered. */
export const SELECT_WORKSPACE_LEDGER_SINCE = `SELECT applied_at FROM baton_migrations WHERE name LIKE '%workspace_ledger'`;
