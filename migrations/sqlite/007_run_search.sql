-- Listing runs stays cheap with many of them (the dashboard pages 10,000 runs 50 at a time):
--  * runs_newest_first serves the list's order, newest first, and a page's cursor as a seek
--    into it, so a page deep in the list costs what the first one does;
--  * runs_by_status_newest_first does the same within one status (the old runs_by_status
--    lacked run_id, the order's tie-breaker, so SQLite sorted every run of the status);
--  * objective, copied from the plan in the run's run.created event, is searched with the run
--    id and the plan name (`GET /v1/runs?q=`). Rows written before this migration get it from
--    that event here.

DROP INDEX runs_by_status;
CREATE INDEX runs_by_status_newest_first ON runs (status, created_at, run_id);
CREATE INDEX runs_newest_first ON runs (created_at, run_id);

ALTER TABLE runs ADD COLUMN objective TEXT;
UPDATE runs SET objective = (
  SELECT json_extract(e.data, '$.plan.objective') FROM events e
  WHERE e.run_id = runs.run_id AND e.type = 'run.created'
);
