DROP INDEX IF EXISTS archived_workflows_parent;
DROP INDEX IF EXISTS archived_workflows_create_time;
DROP INDEX IF EXISTS archived_workflows_correlation;
DROP INDEX IF EXISTS archived_workflows_name_status;
ALTER TABLE archived_workflows
    DROP COLUMN workflow_version, DROP COLUMN correlation_id, DROP COLUMN idempotency_key,
    DROP COLUMN parent_workflow_id, DROP COLUMN priority, DROP COLUMN create_time,
    DROP COLUMN update_time, DROP COLUMN end_time;
