-- Listing runs stays cheap with many of them; mirrors migrations/sqlite/007_run_search.sql.
--  * runs_newest_first (001) already serves the list's order and a page's cursor;
--  * runs_by_status_newest_first does the same within one status (the old runs_by_status
--    lacked run_id, the order's tie-breaker, so a page of one status was sorted, not read);
--  * objective, copied from the plan in the run's run.created event, is searched with the run
--    id and the plan name (`GET /v1/runs?q=`). Rows written before this migration get it from
--    that event here (data is JSON kept as text; json, unlike jsonb, accepts all of it).

DROP INDEX runs_by_status;
CREATE INDEX runs_by_status_newest_first ON runs (status, created_at DESC, run_id DESC);

ALTER TABLE runs ADD COLUMN objective text;
UPDATE runs SET objective = e.data::json -> 'plan' ->> 'objective'
FROM events e WHERE e.run_id = runs.run_id AND e.type = 'run.created';
