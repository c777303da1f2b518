-- Baton's shared schema, for many engine and worker processes on one database. The ledger
-- (events) is the truth; runs and work are indexes over it that are written in the same
-- transaction as the events they follow from. It mirrors migrations/sqlite, with these choices:
--  * JSON is kept as text, exactly as JSON.stringify wrote it: jsonb refuses the escape \u0000
--    and lone surrogates that a JSON string may hold, and reading back must give the event
--    that was hashed.
--  * Times the port passes as milliseconds are bigint; ISO times stay text, as written.
--  * Text that is sorted or compared (ids, times) uses the "C" collation: byte order, as in
--    SQLite, whatever the database's locale.

CREATE TABLE runs (
  run_id          text COLLATE "C" PRIMARY KEY,
  name            text NOT NULL,
  plan_hash       text NOT NULL,
  status          text NOT NULL,
  created_at      text COLLATE "C" NOT NULL,
  updated_at      text NOT NULL,
  head_seq        bigint NOT NULL,
  head_hash       text NOT NULL,
  -- the conductor lock: one engine decides for a run at a time
  lock_owner      text,
  lock_host       text,
  lock_pid        integer,
  lock_expires_at bigint
);
CREATE INDEX runs_by_status ON runs (status, created_at);
CREATE INDEX runs_newest_first ON runs (created_at DESC, run_id DESC);

CREATE TABLE events (
  run_id    text COLLATE "C" NOT NULL,
  seq       bigint NOT NULL,
  type      text NOT NULL,
  at        text NOT NULL,
  data      text NOT NULL,
  prev_hash text NOT NULL,
  hash      text NOT NULL,
  -- the second guard of the chain, after the head-seq check on runs: no two events at one seq
  PRIMARY KEY (run_id, seq)
);

CREATE TABLE work (
  run_id          text COLLATE "C" NOT NULL,
  attempt_id      text COLLATE "C" NOT NULL,
  step            text NOT NULL,
  capability      text NOT NULL,
  idempotency_key text NOT NULL,
  input           text NOT NULL,
  timeout_ms      bigint,
  enqueued_seq    bigint NOT NULL,
  claimed_by      text,
  lease_until     bigint,
  PRIMARY KEY (run_id, attempt_id)
);
CREATE INDEX work_unclaimed ON work (enqueued_seq) WHERE claimed_by IS NULL;
CREATE INDEX work_by_worker ON work (claimed_by);

-- What a workspace remembers across sessions besides its runs (`baton context`): the objectives
-- it pursues and the insights learned along the way. Entries are never deleted; an objective
-- only moves from open to complete.
CREATE TABLE context_entries (
  -- insertion order, which is the order `baton context` lists entries in
  seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- `obj-3`: the kind's prefix and its number, counted per kind
  id           text NOT NULL UNIQUE,
  kind         text NOT NULL CHECK (kind IN ('objective', 'insight')),
  number       integer NOT NULL,
  text         text NOT NULL,
  run_id       text COLLATE "C" REFERENCES runs (run_id),
  status       text NOT NULL CHECK (status IN ('open', 'complete', 'recorded')),
  outcome      text,
  created_at   text NOT NULL,
  completed_at text,
  -- the backstop for numbering: two entries of a kind can never share a number
  UNIQUE (kind, number)
);
