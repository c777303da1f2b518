-- Baton's embedded schema. The ledger (events) is the truth; runs and work are indexes over it
-- that are written in the same transaction as the events they follow from.

CREATE TABLE runs (
  run_id          TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  plan_hash       TEXT NOT NULL,
  status          TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  head_seq        INTEGER NOT NULL,
  head_hash       TEXT NOT NULL,
  -- the conductor lock: one engine decides for a run at a time
  lock_owner      TEXT,
  lock_host       TEXT,
  lock_pid        INTEGER,
  lock_expires_at INTEGER
);
CREATE INDEX runs_by_status ON runs (status, created_at);

CREATE TABLE events (
  run_id    TEXT NOT NULL,
  seq       INTEGER NOT NULL,
  type      TEXT NOT NULL,
  at        TEXT NOT NULL,
  data      TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE TABLE work (
  run_id       TEXT NOT NULL,
  attempt_id   TEXT NOT NULL,
  step         TEXT NOT NULL,
  capability   TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  input        TEXT NOT NULL,
  timeout_ms   INTEGER,
  enqueued_seq INTEGER NOT NULL,
  claimed_by   TEXT,
  lease_until  INTEGER,
  PRIMARY KEY (run_id, attempt_id)
);
CREATE INDEX work_unclaimed ON work (enqueued_seq) WHERE claimed_by IS NULL;
CREATE INDEX work_by_worker ON work (claimed_by);
