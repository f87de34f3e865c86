-- Back to unpartitioned tables; the rows of every partition are kept.
DROP INDEX IF EXISTS event_messages_processed;
DROP INDEX IF EXISTS event_executions_created;
DROP TABLE IF EXISTS retention_overrides;
DROP TABLE IF EXISTS history_partitions;
DROP TABLE IF EXISTS workflow_idempotency_keys;

ALTER TABLE workflows RENAME TO workflows_partitioned;
ALTER TABLE tasks RENAME TO tasks_partitioned;
ALTER TABLE task_logs RENAME TO task_logs_partitioned;

CREATE TABLE workflows (LIKE workflows_partitioned INCLUDING DEFAULTS);
INSERT INTO workflows SELECT * FROM workflows_partitioned;
CREATE TABLE tasks (LIKE tasks_partitioned INCLUDING DEFAULTS);
INSERT INTO tasks SELECT * FROM tasks_partitioned;
CREATE TABLE task_logs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id      uuid        NOT NULL,
    log          text        NOT NULL,
    created_time timestamptz NOT NULL
);
INSERT INTO task_logs (id, task_id, log, created_time) OVERRIDING SYSTEM VALUE
    SELECT id, task_id, log, created_time FROM task_logs_partitioned;
SELECT setval(pg_get_serial_sequence('task_logs', 'id'), max(id)) FROM task_logs HAVING max(id) IS NOT NULL;

DROP TABLE task_logs_partitioned;
DROP TABLE tasks_partitioned;
DROP TABLE workflows_partitioned;

ALTER TABLE workflows ADD PRIMARY KEY (workflow_id);
CREATE INDEX workflows_name_status ON workflows (workflow_name, status, create_time DESC);
CREATE INDEX workflows_correlation ON workflows (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX workflows_create_time ON workflows (create_time DESC);
CREATE INDEX workflows_next_check ON workflows (next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX workflows_parent ON workflows (parent_workflow_id) WHERE parent_workflow_id IS NOT NULL;
CREATE UNIQUE INDEX workflows_idempotency ON workflows (workflow_name, idempotency_key) WHERE idempotency_key IS NOT NULL;

ALTER TABLE tasks ADD PRIMARY KEY (task_id);
ALTER TABLE tasks ADD UNIQUE (workflow_id, seq);
ALTER TABLE tasks ADD FOREIGN KEY (workflow_id) REFERENCES workflows (workflow_id) ON DELETE CASCADE;
CREATE INDEX tasks_pollable ON tasks (queue_name, priority DESC, visible_at)
    WHERE status = 'SCHEDULED' AND queue_name IS NOT NULL;
CREATE INDEX tasks_lease ON tasks (lease_until) WHERE status = 'IN_PROGRESS' AND lease_until IS NOT NULL;
CREATE INDEX tasks_in_progress_type ON tasks (task_type) WHERE status = 'IN_PROGRESS';
CREATE INDEX tasks_started ON tasks (task_type, started_at) WHERE started_at IS NOT NULL;
CREATE INDEX tasks_workflow_ref ON tasks (workflow_id, ref_name, seq);
CREATE INDEX tasks_unsettled ON tasks (workflow_id, seq) WHERE NOT executed OR status = 'SKIPPED';
CREATE INDEX task_logs_task ON task_logs (task_id, id);
