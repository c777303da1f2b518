-- A workspace-wide, resumable order of every run's events, for readers of all runs at once
-- (the API's `GET /v1/events`). A plain bigserial is not enough here: numbers are taken when a
-- transaction inserts, not when it commits, so a reader could see 11 committed while 10 is
-- still in flight, move past 10, and never see it. Each event therefore also records the id
-- of the transaction that wrote it (xid8, which never wraps around), and readers
--  * order by (tx_id, position), and
--  * read only events whose transaction is older than every transaction still running:
--    tx_id < pg_snapshot_xmin(pg_current_snapshot()).
-- Every transaction below that horizon has ended, so nothing can appear behind a reader's
-- position later; a transaction still running, or one that starts later, has an id at or
-- above it, so it sorts after everything read so far. This is the approach of Marten and
-- Emmett. Its cost: while any transaction of the cluster stays open, events committed after
-- it started wait (they are delayed, never lost or reordered).
--
-- Events recorded before this migration get this migration's transaction id and positions
-- run by run (oldest run first, each in seq order): their real interleaving across runs was
-- never recorded, and within a run the order is exact.

ALTER TABLE events ADD COLUMN tx_id xid8, ADD COLUMN position bigint;

UPDATE events SET tx_id = pg_current_xact_id(), position = ordered.n
FROM (
  SELECT e.run_id, e.seq, row_number() OVER (ORDER BY r.created_at, e.run_id, e.seq) AS n
  FROM events e JOIN runs r ON r.run_id = e.run_id
) AS ordered
WHERE ordered.run_id = events.run_id AND ordered.seq = events.seq;

CREATE SEQUENCE events_position_seq OWNED BY events.position;
SELECT setval('events_position_seq', COALESCE((SELECT MAX(position) FROM events), 0) + 1, false);

ALTER TABLE events
  ALTER COLUMN tx_id SET DEFAULT pg_current_xact_id(),
  ALTER COLUMN tx_id SET NOT NULL,
  ALTER COLUMN position SET DEFAULT nextval('events_position_seq'),
  ALTER COLUMN position SET NOT NULL;

CREATE INDEX events_by_global_position ON events (tx_id, position);
