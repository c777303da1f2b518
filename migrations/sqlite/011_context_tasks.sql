-- Tasks join objectives and insights in the workspace context (`baton context task`): a task is
-- open until completed, like an objective, and may be linked to a run. SQLite cannot change a
-- CHECK constraint in place, so the table is rebuilt with the new kind allowed; every row keeps
-- its seq, id and values. Nothing references context_entries, so it can be dropped and renamed.

CREATE TABLE context_entries_with_tasks (
  -- insertion order, which is the order `baton context` lists entries in
  seq          INTEGER PRIMARY KEY,
  -- `obj-3`, `task-2`: the kind's prefix and its number, counted per kind
  id           TEXT NOT NULL UNIQUE,
  kind         TEXT NOT NULL CHECK (kind IN ('objective', 'insight', 'task')),
  number       INTEGER NOT NULL,
  text         TEXT NOT NULL,
  run_id       TEXT REFERENCES runs (run_id),
  status       TEXT NOT NULL CHECK (status IN ('open', 'complete', 'recorded')),
  outcome      TEXT,
  created_at   TEXT NOT NULL,
  completed_at TEXT,
  -- the backstop for numbering: two entries of a kind can never share a number
  UNIQUE (kind, number)
);

INSERT INTO context_entries_with_tasks (seq, id, kind, number, text, run_id, status, outcome, created_at, completed_at)
SELECT seq, id, kind, number, text, run_id, status, outcome, created_at, completed_at FROM context_entries ORDER BY seq;

DROP TABLE context_entries;

ALTER TABLE context_entries_with_tasks RENAME TO context_entries;
