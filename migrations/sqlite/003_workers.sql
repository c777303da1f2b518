-- Worker processes claim work from any run and report what came of it; mirrors
-- migrations/postgres/002_workers.sql, which explains each column.
ALTER TABLE work ADD COLUMN kind TEXT NOT NULL DEFAULT 'command';
ALTER TABLE work ADD COLUMN skill TEXT;
ALTER TABLE work ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE work ADD COLUMN outcome TEXT;
ALTER TABLE work ADD COLUMN abandoned INTEGER NOT NULL DEFAULT 0;
CREATE INDEX work_reported ON work (run_id) WHERE outcome IS NOT NULL;
