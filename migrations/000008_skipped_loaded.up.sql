-- A task skipped ahead of time (POST /api/workflow/{id}/skiptask/{ref}) is settled but still
-- decides what happens when the workflow reaches it; loading it with the unsettled attempts
-- spares every scheduling a lookup of the settled history.
DROP INDEX IF EXISTS tasks_unsettled;
CREATE INDEX tasks_unsettled ON tasks (workflow_id, seq) WHERE NOT executed OR status = 'SKIPPED';
