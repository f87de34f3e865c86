-- The archive is searchable like the live executions: the columns searches filter and sort on,
-- and the same indexes. Rows archived before this migration take them from their document.
ALTER TABLE archived_workflows
    ADD COLUMN workflow_version   integer NOT NULL DEFAULT 0,
    ADD COLUMN correlation_id     text,
    ADD COLUMN idempotency_key    text,
    ADD COLUMN parent_workflow_id uuid,
    ADD COLUMN priority           integer NOT NULL DEFAULT 0,
    ADD COLUMN create_time        timestamptz,
    ADD COLUMN update_time        timestamptz,
    ADD COLUMN end_time           timestamptz;
UPDATE archived_workflows SET
    workflow_version = coalesce((doc::jsonb ->> 'workflowVersion')::integer, 0),
    correlation_id = doc::jsonb ->> 'correlationId',
    idempotency_key = doc::jsonb ->> 'idempotencyKey',
    parent_workflow_id = nullif(doc::jsonb ->> 'parentWorkflowId', '')::uuid,
    priority = coalesce((doc::jsonb ->> 'priority')::integer, 0),
    create_time = to_timestamp(coalesce((doc::jsonb ->> 'createTime')::bigint, 0) / 1000.0),
    update_time = to_timestamp(coalesce((doc::jsonb ->> 'updateTime')::bigint, 0) / 1000.0),
    end_time = to_timestamp(nullif((doc::jsonb ->> 'endTime')::bigint, 0) / 1000.0);
UPDATE archived_workflows SET create_time = archived_at WHERE create_time IS NULL;
UPDATE archived_workflows SET update_time = create_time WHERE update_time IS NULL;
ALTER TABLE archived_workflows ALTER COLUMN create_time SET NOT NULL, ALTER COLUMN update_time SET NOT NULL;
CREATE INDEX archived_workflows_name_status ON archived_workflows (workflow_name, status, create_time DESC);
CREATE INDEX archived_workflows_correlation ON archived_workflows (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX archived_workflows_create_time ON archived_workflows (create_time DESC);
CREATE INDEX archived_workflows_parent ON archived_workflows (parent_workflow_id) WHERE parent_workflow_id IS NOT NULL;
