-- A workspace-wide position for every event, in commit order, so that a reader of all runs'
-- events (the API's `GET /v1/events`) can resume after the last one it saw. SQLite has one
-- writer at a time and each append numbers its events MAX(position) + 1 inside its own write
-- transaction, so positions become visible strictly in order: no reader ever sees position
-- n + 1 before n. (A rolled-back append frees its numbers, which were never visible.)
--
-- Events recorded before this migration get positions run by run (oldest run first, each in
-- seq order): their real interleaving across runs was never recorded, and within a run the
-- order is exact.

ALTER TABLE events ADD COLUMN position INTEGER;

UPDATE events SET position = (
  SELECT ordered.n FROM (
    SELECT e.run_id, e.seq, row_number() OVER (ORDER BY r.created_at, e.run_id, e.seq) AS n
    FROM events e JOIN runs r ON r.run_id = e.run_id
  ) AS ordered
  WHERE ordered.run_id = events.run_id AND ordered.seq = events.seq
);

CREATE UNIQUE INDEX events_by_position ON events (position);
