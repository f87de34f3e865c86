DROP INDEX IF EXISTS tasks_unsettled;
DROP INDEX IF EXISTS tasks_workflow_ref;
ALTER TABLE tasks DROP COLUMN retried;
ALTER TABLE tasks DROP COLUMN executed;
