-- The workspace ledger: the creation and the end of every run, append-only and hash-chained
-- like a run's own ledger (same envelope and hash; see src/ledger/workspace-ledger.ts). Each
-- entry anchors one event of its run (`data`: its seq and hash), and is written in the same
-- transaction as that event. A run deleted whole (row and events) still leaves its creation
-- here, and `baton verify` reports it. Appenders serialize on a table lock to chain their
-- entries (see LOCK_WORKSPACE_LEDGER); only creations and ends take it.
--
-- Runs created before this migration have no entries: hashes cannot be computed in SQL, and
-- back-filling them later would vouch for ledgers nobody checked at the time. `baton verify`
-- reports such runs as "not covered by the workspace ledger" (they still verify on their own).
-- It tells them apart by this migration's `applied_at` in baton_migrations: a run created
-- after it without an entry fails verification.

CREATE TABLE workspace_ledger (
  seq       bigint PRIMARY KEY,
  type      text NOT NULL,
  run_id    text COLLATE "C" NOT NULL,
  at        text NOT NULL,
  data      text NOT NULL,
  prev_hash text NOT NULL,
  hash      text NOT NULL
);
CREATE INDEX workspace_ledger_by_run ON workspace_ledger (run_id, seq);
