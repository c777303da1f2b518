-- Events are stored in the order of their workspace-wide position (the rowid), with (run_id, seq)
-- as a unique index beside them, instead of in a WITHOUT ROWID table keyed on (run_id, seq) with
-- position as a second index.
--
-- Why: every append adds events at the end of the position order. In a table whose key is the
-- rowid, SQLite appends a row to a full rightmost leaf by starting a new page (its "quick
-- balance"); in any other b-tree, including a WITHOUT ROWID table, an overflowing leaf is
-- rebalanced with up to two siblings and their parent, all rewritten. With rows of 200-400
-- bytes that cost a 1,000-step chain 3.6 pages of `events` and 1.6 of `events_by_position`
-- per commit (WAL frames, measured); stored in position order with a narrow index on
-- (run_id, seq) it is about 1 and 1. Reading one run's events in seq order now goes through
-- the index and then the row, which the reads (in pages of 2,000) barely notice.
--
-- Positions, seqs and every column keep their values; position stays MAX(position) + 1 inside
-- the append's write transaction (see INSERT_EVENT), never reused because events are never
-- deleted.

CREATE TABLE events_in_position_order (
  position  INTEGER PRIMARY KEY,
  run_id    TEXT NOT NULL,
  seq       INTEGER NOT NULL,
  type      TEXT NOT NULL,
  at        TEXT NOT NULL,
  data      TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);

INSERT INTO events_in_position_order (position, run_id, seq, type, at, data, prev_hash, hash)
SELECT position, run_id, seq, type, at, data, prev_hash, hash FROM events ORDER BY position;

DROP TABLE events;
ALTER TABLE events_in_position_order RENAME TO events;
CREATE UNIQUE INDEX events_by_run ON events (run_id, seq);

-- The work queue keyed on (run_id, attempt_id) itself (WITHOUT ROWID), rather than a rowid table
-- with that key as a second b-tree beside it: an item inserted or deleted dirties one page fewer
-- per commit. Its rows hold only live items (an item is deleted once its outcome is recorded),
-- so the table stays a few pages and the rebalancing of a keyed b-tree costs nothing here.

CREATE TABLE work_keyed (
  run_id          TEXT NOT NULL,
  attempt_id      TEXT NOT NULL,
  step            TEXT NOT NULL,
  capability      TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  input           TEXT NOT NULL,
  timeout_ms      INTEGER,
  enqueued_seq    INTEGER NOT NULL,
  claimed_by      TEXT,
  lease_until     INTEGER,
  kind            TEXT NOT NULL DEFAULT 'command',
  skill           TEXT,
  revision        INTEGER NOT NULL DEFAULT 1,
  outcome         TEXT,
  abandoned       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, attempt_id)
) WITHOUT ROWID;

INSERT INTO work_keyed (run_id, attempt_id, step, capability, idempotency_key, input, timeout_ms, enqueued_seq,
  claimed_by, lease_until, kind, skill, revision, outcome, abandoned)
SELECT run_id, attempt_id, step, capability, idempotency_key, input, timeout_ms, enqueued_seq,
  claimed_by, lease_until, kind, skill, revision, outcome, abandoned
FROM work;

DROP TABLE work;
ALTER TABLE work_keyed RENAME TO work;
CREATE INDEX work_unclaimed ON work (enqueued_seq) WHERE claimed_by IS NULL;
CREATE INDEX work_reported ON work (run_id) WHERE outcome IS NOT NULL;
-- work_by_worker (claimed_by) is not recreated. Every item an embedded engine dispatches is
-- inserted claimed and deleted a commit later, so that index cost a page per commit (one WAL
-- frame of five in a chain step); its one reader is the lease renewal, every third of a lease,
-- which now reads the live items (the queue holds only those) instead. A claim walks
-- work_unclaimed, in the queue's order.
