-- Tasks join objectives and insights in the workspace context (`baton context task`): a task is
-- open until completed, like an objective, and may be linked to a run. Mirrors
-- migrations/sqlite/011_context_tasks.sql; here the kind's CHECK constraint is replaced in place.
ALTER TABLE context_entries DROP CONSTRAINT context_entries_kind_check;
ALTER TABLE context_entries ADD CONSTRAINT context_entries_kind_check
  CHECK (kind IN ('objective', 'insight', 'task'));
