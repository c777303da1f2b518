/**
 * The PostgreSQL adapter's statements, one named constant each. They run at READ COMMITTED,
 * Postgres's default; the comments say why each is safe when many processes run it at once.
 */

/**
 * The first batch of a run. ON CONFLICT makes a second creator wait for the first to commit
 * and then insert nothing, which the caller reads as a conflict.
 */
export const INSERT_RUN = `
  INSERT INTO runs (run_id, name, plan_hash, status, created_at, updated_at, head_seq, head_hash, lock_owner, lock_host, lock_pid, lock_expires_at, objective)
  VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11, $12)
  ON CONFLICT (run_id) DO NOTHING
  RETURNING run_id, pg_notify('baton.' || current_schema(), 'ledger:' || run_id)`;

/**
 * The head-seq fence. The UPDATE locks the run's row; an appender that waited on that lock
 * re-checks `head_seq` against the row the winner committed and so updates nothing: exactly
 * one of several appenders onto one head succeeds, and the others see a conflict. A conductor
 * ($7) is also fenced on its lock, so an engine whose lock another took over writes nothing.
 * The notice is delivered at commit, and not at all on rollback.
 */
export const UPDATE_RUN_HEAD = `
  UPDATE runs SET head_seq = $2, head_hash = $3, status = $4, updated_at = $5
  WHERE run_id = $1 AND head_seq = $6 AND ($7::text IS NULL OR lock_owner = $7)
  RETURNING pg_notify('baton.' || current_schema(), 'ledger:' || run_id)`;

/**
 * A batch's rows travel as one JSON array (eventRows and workRows in postgres-store.ts, and a
 * worker's reports in REPORT_WORK), not as a text array per column: node-postgres escapes each
 * element of a text array in JavaScript, two regular-expression passes over every event's JSON,
 * about 4 us an event; JSON.stringify does the same escaping natively in a tenth of the time.
 */
const eventRows = (parameter: string): string =>
  `json_to_recordset(${parameter}::json) AS batch (seq bigint, type text, at text, data text, prev_hash text, hash text)`;

/** Work items to insert, their columns in the order of the work table's INSERTs (after run_id). */
const workRows = (parameter: string): string =>
  `json_to_recordset(${parameter}::json) AS batch (attempt_id text, step text, capability text, idempotency_key text,
    input text, timeout_ms bigint, enqueued_seq bigint, claimed_by text, lease_until bigint, kind text, skill text, revision integer)`;

/**
 * A whole batch of events in one statement. `tx_id` and `position` come from their defaults (the
 * transaction's id, the next number), in seq order: see migrations/postgres/004_event_positions.sql.
 */
export const INSERT_EVENTS = `
  INSERT INTO events (run_id, seq, type, at, data, prev_hash, hash)
  SELECT $1, seq, type, at, data, prev_hash, hash
  FROM ${eventRows('$2')}
  ORDER BY seq`;

/**
 * Every run's events after a position (tx_id, position), in that order, but only those
 * written by transactions older than any still running (the snapshot's xmin): no event can
 * later appear before the last one read. Within a run this order is its seq order: an append
 * is fenced on the run's head row (UPDATE_RUN_HEAD), so an append that succeeds after another
 * took its xid after that one committed, and xids grow. The alias is not `tx_id`: ORDER BY
 * would then sort by the text.
 */
export const SELECT_EVENTS_AFTER_POSITION = `
  SELECT run_id, seq, type, at, data, prev_hash, hash, tx_id::text AS tx_text, position
  FROM events
  WHERE (tx_id, position) > ($1::xid8, $2::bigint)
    AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY tx_id, position
  LIMIT $3`;

/**
 * Whether any event is at or after a position, committed or not yet readable by the stream: a
 * position past every event was never given (the stream only gives the positions of events).
 */
export const SELECT_EVENT_AT_OR_AFTER = `
  SELECT EXISTS (SELECT 1 FROM events WHERE (tx_id, position) >= ($1::xid8, $2::bigint)) AS known`;

export const SELECT_EVENTS = `
  SELECT run_id, seq, type, at, data, prev_hash, hash FROM events
  WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`;

/**
 * A batch's payloads, stored once each: a payload another transaction inserts at the same
 * time makes this one wait for it and then insert nothing (the same bytes are already there).
 */
export const INSERT_PAYLOADS = `
  INSERT INTO payloads (hash, body)
  SELECT * FROM unnest($1::text[], $2::text[])
  ON CONFLICT (hash) DO NOTHING`;

export const SELECT_PAYLOADS = `SELECT hash, body FROM payloads WHERE hash = ANY($1::text[])`;

/**
 * Postgres folds identical notices of one transaction into one, so a batch wakes workers once.
 * An item claimed as it is queued for a worker the conductor handed it to (QueueTransport) has
 * a notice of its own, which carries the row when it fits: see APPEND_RUNNING_ROUND.
 */
export const INSERT_WORK = `
  INSERT INTO work (run_id, attempt_id, step, capability, idempotency_key, input, timeout_ms, enqueued_seq, claimed_by, lease_until, kind, skill, revision)
  SELECT $1, * FROM ${workRows('$2')}
    RETURNING pg_notify('baton.' || current_schema(), CASE
      WHEN claimed_by IS NULL THEN 'work:' || run_id
      WHEN octet_length('handed:' || run_id || E'\\n' || row_to_json(work)::text) < $3
        THEN 'handed:' || run_id || E'\\n' || row_to_json(work)::text
      ELSE 'handed:' || run_id END)`;

/**
 * A running run's round in one statement, so in one round trip and one implicit transaction:
 * the head fence (UPDATE_RUN_HEAD), the events (INSERT_EVENTS), the items it dispatches
 * (INSERT_WORK) and the items whose outcomes it recorded (DELETE_WORK). A chain step's append
 * was six round trips (BEGIN, four statements, COMMIT); on a shared server each costs a wake-up
 * of the engine and of a backend. Every write is conditioned on the fence (`EXISTS head`), so a
 * lost fence writes nothing and `moved` is 0; the fence's UPDATE runs first because the others
 * read it, so the run's row is locked before any work row, as in the multi-statement append.
 * Rounds that create or end a run, abandon items or anchor the workspace ledger take that
 * multi-statement path (see appendRound in postgres-store.ts).
 *
 * An item the conductor handed to the worker that offered to take it (claimed for it in this
 * round: QueueTransport) is announced by a notice of its own that carries the row, `handed:<run>`
 * and a newline, so that worker starts it without a claim; a row too large to carry is announced
 * bare, and the worker finds it at its next lease renewal (Worker.renew).
 */
export const APPEND_RUNNING_ROUND = `
  WITH head AS (
    UPDATE runs SET head_seq = $2, head_hash = $3, status = $4, updated_at = $5
    WHERE run_id = $1 AND head_seq = $6 AND ($7::text IS NULL OR lock_owner = $7)
    RETURNING run_id, pg_notify('baton.' || current_schema(), 'ledger:' || run_id)
  ), appended AS (
    INSERT INTO events (run_id, seq, type, at, data, prev_hash, hash)
    SELECT $1, seq, type, at, data, prev_hash, hash
    FROM ${eventRows('$8')}
    WHERE EXISTS (SELECT FROM head)
    ORDER BY seq
    RETURNING seq
  ), queued AS (
    INSERT INTO work (run_id, attempt_id, step, capability, idempotency_key, input, timeout_ms, enqueued_seq, claimed_by, lease_until, kind, skill, revision)
    SELECT $1, * FROM ${workRows('$9')}
    WHERE EXISTS (SELECT FROM head)
    RETURNING pg_notify('baton.' || current_schema(), CASE
      WHEN claimed_by IS NULL THEN 'work:' || run_id
      WHEN octet_length('handed:' || run_id || E'\\n' || row_to_json(work)::text) < $11
        THEN 'handed:' || run_id || E'\\n' || row_to_json(work)::text
      ELSE 'handed:' || run_id END)
  ), dequeued AS (
    DELETE FROM work WHERE (run_id, attempt_id) IN (
      SELECT run_id, attempt_id FROM work WHERE run_id = $1 AND attempt_id = ANY($10::text[]) AND EXISTS (SELECT FROM head)
      ORDER BY run_id, attempt_id FOR UPDATE)
    RETURNING attempt_id
  )
  SELECT (SELECT count(*) FROM head)::int AS moved, (SELECT count(*) FROM appended)::int AS appended,
    (SELECT count(*) FROM queued)::int AS queued, (SELECT count(*) FROM dequeued)::int AS dequeued`;

export const ABANDON_WORK = `
  UPDATE work SET abandoned = true, lease_until = NULL WHERE run_id = $1 AND attempt_id = ANY($2::text[])`;

/** A run that ended has no more use for its queue, abandoned items included. */
export const PURGE_WORK = `DELETE FROM work WHERE run_id = $1`;

/**
 * Rows are locked in key order, as RENEW_LEASES locks them, so a dequeue and a renewal that
 * touch the same items wait for each other instead of deadlocking.
 */
export const DELETE_WORK = `
  DELETE FROM work WHERE (run_id, attempt_id) IN (
    SELECT run_id, attempt_id FROM work WHERE run_id = $1 AND attempt_id = ANY($2::text[])
    ORDER BY run_id, attempt_id FOR UPDATE)`;

export const SELECT_WORK = `SELECT * FROM work WHERE run_id = $1 ORDER BY enqueued_seq`;

/**
 * One statement (STYLE.md 7): lock the oldest unclaimed items that no other claimer holds and
 * mark them ours. SKIP LOCKED lets concurrent workers take disjoint items without waiting; an
 * item another worker claimed and committed meanwhile fails the re-checked `claimed_by IS NULL`
 * and is left out. Like the SQLite adapter, an expired lease is not reclaimed here.
 */
export const CLAIM_WORK = `
  UPDATE work SET claimed_by = $1, lease_until = $2
  WHERE (run_id, attempt_id) IN (
    SELECT run_id, attempt_id FROM work
    WHERE claimed_by IS NULL AND ($3::text IS NULL OR run_id = $3)
      AND (kind <> 'function' OR $5::text[] IS NULL OR capability = ANY($5::text[]))
      AND ($6::text[] IS NULL OR skill = ANY($6::text[]))
    ORDER BY enqueued_seq LIMIT $4
    FOR UPDATE SKIP LOCKED)
  RETURNING *`;

/** Only what the worker still owes an outcome for: reported and abandoned items need no lease. */
export const RENEW_LEASES = `
  UPDATE work SET lease_until = $2 WHERE (run_id, attempt_id) IN (
    SELECT run_id, attempt_id FROM work WHERE claimed_by = $1 AND NOT abandoned AND outcome IS NULL
    ORDER BY run_id, attempt_id FOR UPDATE)
  RETURNING run_id, attempt_id`;

/**
 * Fenced on the claim: an item the conductor cancelled (deleted) or whose run ended takes no
 * outcome. An abandoned item still does (it stays claimed by the lost worker): the conductor
 * records that outcome as stale.
 *
 * One notice per run, sent at commit, carrying the run's reports after a newline (a JSON array
 * of `{attemptId, outcome}`) when they fit in a notice (PostgreSQL refuses a payload of 8,000
 * bytes or more), so the conductor records them without reading them back: one round trip less
 * per step of a chain. Larger reports send the bare `outcomes:<run>` and stay on the rows. With
 * the reports comes the worker's offer ($4 free slots, and what it just ran): the conductor may
 * hand it the next work of the same capability and skill (APPEND_RUNNING_ROUND).
 */
export const REPORT_WORK = `
  WITH reported AS (
    UPDATE work AS w SET outcome = r.outcome, lease_until = NULL
    FROM json_to_recordset($2::json) AS r (run_id text, attempt_id text, outcome text)
    WHERE w.run_id = r.run_id AND w.attempt_id = r.attempt_id AND w.claimed_by = $1 AND w.outcome IS NULL
    RETURNING w.run_id, w.attempt_id, w.outcome, w.capability, w.skill
  ), notices AS (
    SELECT 'outcomes:' || run_id AS bare,
      'outcomes:' || run_id || E'\\n' || json_build_object(
        'worker', $1::text, 'free', $4::integer,
        'reports', json_agg(json_build_object('attemptId', attempt_id, 'outcome', outcome::json, 'capability', capability, 'skill', skill))
      )::text AS carrying
    FROM reported GROUP BY run_id
  ), sent AS (
    SELECT pg_notify('baton.' || current_schema(), CASE WHEN octet_length(carrying) < $3 THEN carrying ELSE bare END)
    FROM notices
  )
  SELECT run_id, attempt_id FROM reported WHERE (SELECT count(*) FROM sent) >= 0`;

export const RELEASE_WORK = `
  UPDATE work AS w SET claimed_by = NULL, lease_until = NULL
  FROM unnest($2::text[], $3::text[]) AS r (run_id, attempt_id)
  WHERE w.run_id = r.run_id AND w.attempt_id = r.attempt_id AND w.claimed_by = $1 AND NOT w.abandoned AND w.outcome IS NULL
  RETURNING pg_notify('baton.' || current_schema(), 'work:' || w.run_id)`;

export const SELECT_REPORTED_WORK = `SELECT * FROM work WHERE run_id = $1 AND outcome IS NOT NULL ORDER BY enqueued_seq`;

export const LIST_UNCONDUCTED_RUNS = `
  SELECT run_id FROM runs WHERE status = 'running' AND (lock_owner IS NULL OR lock_expires_at < $1)
  ORDER BY created_at LIMIT $2`;

export const SELECT_RUN = `SELECT * FROM runs WHERE run_id = $1`;

/**
 * The runs list, one statement per shape of query rather than `$1::text IS NULL OR ...`: a named
 * statement gets a generic plan, and a condition that may be void cannot be used to seek an
 * index. Each shape walks runs_newest_first or runs_by_status_newest_first (migration 006) from
 * the cursor and stops after LIMIT rows that match the search: a page deep in the list costs
 * what the first one does. Parameters, numbered in this order, only those the shape uses:
 * limit, status, the cursor's created_at and run_id, the LIKE pattern.
 */
export function listRunsSql(shape: { status: boolean; before: boolean; search: boolean }): string {
  let n = 1;
  const next = (): string => `$${++n}`;
  const where = [
    shape.status && `status = ${next()}`,
    shape.before && `(created_at, run_id) < (${next()}::text COLLATE "C", ${next()}::text COLLATE "C")`,
    shape.search &&
      ((p: string) =>
        `(run_id ILIKE ${p} ESCAPE '\\' OR name ILIKE ${p} ESCAPE '\\' OR objective ILIKE ${p} ESCAPE '\\')`)(next()),
  ].filter((condition) => condition !== false);
  return `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, run_id DESC LIMIT $1`;
}

export const ACQUIRE_LOCK = `
  UPDATE runs SET lock_owner = $2, lock_host = $3, lock_pid = $4, lock_expires_at = $5
  WHERE run_id = $1
    AND (lock_owner IS NULL OR lock_owner = $2 OR lock_expires_at < $6 OR lock_owner = $7)`;

export const SELECT_LOCK = `SELECT lock_owner, lock_host, lock_pid, lock_expires_at FROM runs WHERE run_id = $1`;

export const RELEASE_LOCK = `
  UPDATE runs SET lock_owner = NULL, lock_host = NULL, lock_pid = NULL, lock_expires_at = NULL
  WHERE run_id = $1 AND lock_owner = $2`;

/**
 * Serializes the numbering of context entries within one schema: READ COMMITTED lets two
 * inserters read the same MAX(number), and this lock (which conflicts with itself but not with
 * readers) makes the second wait for the first to commit. Entries are rare; the wait is short.
 */
export const LOCK_CONTEXT_ENTRIES = `LOCK TABLE context_entries IN SHARE ROW EXCLUSIVE MODE`;

export const INSERT_CONTEXT_ENTRY = `
  INSERT INTO context_entries (id, kind, number, text, run_id, status, created_at)
  SELECT $1::text || '-' || (COALESCE(MAX(number), 0) + 1), $2::text, COALESCE(MAX(number), 0) + 1, $3::text, $4::text, $5::text, $6::text
  FROM context_entries WHERE kind = $2::text
  RETURNING *`;

export const COMPLETE_OBJECTIVE = `
  UPDATE context_entries SET status = 'complete', outcome = $2, completed_at = $3
  WHERE id = $1 AND kind IN ('objective', 'task') AND status = 'open'
  RETURNING *`;

export const SELECT_CONTEXT_ENTRY = `SELECT * FROM context_entries WHERE id = $1`;

export const LIST_CONTEXT_ENTRIES = `
  SELECT * FROM context_entries WHERE ($1::text IS NULL OR kind = $1) ORDER BY seq`;

/** ON CONFLICT makes a second creator of a name wait for the first to commit, then insert nothing. */
export const INSERT_API_TOKEN = `
  INSERT INTO api_tokens (id, name, secret_hash, scopes, created_at, role) VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT DO NOTHING
  RETURNING *`;

export const SELECT_API_TOKEN_BY_HASH = `SELECT * FROM api_tokens WHERE secret_hash = $1`;

export const LIST_API_TOKENS = `
  SELECT * FROM api_tokens WHERE (NOT $1::boolean OR revoked_at IS NULL) ORDER BY seq`;

export const REVOKE_API_TOKEN = `
  UPDATE api_tokens SET revoked_at = $2 WHERE (id = $1 OR name = $1) AND revoked_at IS NULL
  RETURNING *`;

export const SELECT_API_TOKEN = `SELECT * FROM api_tokens WHERE id = $1 OR name = $1`;

/**
 * Serializes the appenders of workspace ledger entries (a run's creation or end): each reads
 * the ledger's head and chains onto it, so two at once would take the same seq. The lock
 * conflicts with itself but not with readers, and is taken last in an append, after the run's
 * row, so appenders always lock in the same order. Creations and ends are rare next to a
 * run's other appends, which never take it.
 */
export const LOCK_WORKSPACE_LEDGER = `LOCK TABLE workspace_ledger IN SHARE ROW EXCLUSIVE MODE`;

export const SELECT_WORKSPACE_HEAD = `SELECT seq, hash FROM workspace_ledger ORDER BY seq DESC LIMIT 1`;

export const INSERT_WORKSPACE_ENTRIES = `
  INSERT INTO workspace_ledger (seq, type, run_id, at, data, prev_hash, hash)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])`;

export const SELECT_WORKSPACE_LEDGER = `
  SELECT * FROM workspace_ledger WHERE seq > $1 AND ($2::text IS NULL OR run_id = $2) ORDER BY seq LIMIT $3`;

/** By name without its number: the workspace ledger's migration, whatever it is numbered. */
export const SELECT_WORKSPACE_LEDGER_SINCE = `SELECT applied_at FROM baton_migrations WHERE name LIKE '%workspace_ledger'`;
