DROP INDEX IF EXISTS tasks_unsettled;
CREATE INDEX tasks_unsettled ON tasks (workflow_id, seq) WHERE NOT executed;
