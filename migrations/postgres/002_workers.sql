-- Worker processes (`baton worker`) claim work from any run and report what came of it.
--  * kind and skill let a worker claim only what it can do: a command's definition travels in
--    the plan, so any worker runs commands; a function runs only where it is registered.
--  * revision is the plan revision the attempt was dispatched under, whose capability
--    definitions the worker reads.
--  * outcome holds a worker's report (an attempt.succeeded / attempt.failed event as JSON)
--    until the run's conductor records it in the ledger and deletes the row, in one transaction.
--  * abandoned marks an attempt the conductor gave up on because its lease expired. The row
--    stays, still claimed by the lost worker, so that a late outcome is still recorded (as
--    stale, never accepted) rather than silently dropped.
ALTER TABLE work ADD COLUMN kind text NOT NULL DEFAULT 'command';
ALTER TABLE work ADD COLUMN skill text;
ALTER TABLE work ADD COLUMN revision integer NOT NULL DEFAULT 1;
ALTER TABLE work ADD COLUMN outcome text;
ALTER TABLE work ADD COLUMN abandoned boolean NOT NULL DEFAULT false;
CREATE INDEX work_reported ON work (run_id) WHERE outcome IS NOT NULL;
