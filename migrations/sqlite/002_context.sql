-- What a workspace remembers across sessions besides its runs (`baton context`): the objectives
-- it pursues and the insights learned along the way. Entries are never deleted; an objective
-- only moves from open to complete.

CREATE TABLE context_entries (
  -- insertion order, which is the order `baton context` lists entries in
  seq          INTEGER PRIMARY KEY,
  -- `obj-3`: the kind's prefix and its number, counted per kind
  id           TEXT NOT NULL UNIQUE,
  kind         TEXT NOT NULL CHECK (kind IN ('objective', 'insight')),
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
