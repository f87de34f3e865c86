-- Executions are history as much as they are work: the tables that hold them are partitioned by
-- time so that retention drops whole partitions instead of deleting rows, and so that the
-- indexes the running work uses stay the size of the recent past. New workflow ids are UUIDv7,
-- whose leading 48 bits are the start time in milliseconds, so a range of ids is a range of
-- start times: workflows, their task attempts and their log lines are partitioned by RANGE
-- (workflow_id) on the same bounds, and a lookup by workflow id reads one partition. The server
-- creates the time partitions ahead of need (store.EnsurePartitions, recorded in
-- history_partitions); rows whose id falls in no time partition (ids of executions started
-- before this migration, random UUIDv4) live in the DEFAULT partitions, which retention cleans
-- row by row.
ALTER TABLE workflows RENAME TO workflows_unpartitioned;
ALTER TABLE tasks RENAME TO tasks_unpartitioned;
ALTER TABLE task_logs RENAME TO task_logs_unpartitioned;

CREATE TABLE workflows (LIKE workflows_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (workflow_id);
CREATE TABLE workflows_default PARTITION OF workflows DEFAULT;
INSERT INTO workflows SELECT * FROM workflows_unpartitioned;

-- No foreign key to workflows: the partitions of both are dropped together, and every delete
-- of an execution names its tasks. Claims rewrite task rows in place: free room on each page
-- lets the new version stay on it.
CREATE TABLE tasks (LIKE tasks_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (workflow_id);
CREATE TABLE tasks_default PARTITION OF tasks DEFAULT WITH (fillfactor = 80);
INSERT INTO tasks SELECT * FROM tasks_unpartitioned;

-- Log lines carry their workflow's id, the partition key.
CREATE SEQUENCE task_logs_id AS bigint;
SELECT setval('task_logs_id', max(id)) FROM task_logs_unpartitioned HAVING max(id) IS NOT NULL;
CREATE TABLE task_logs (
    id           bigint      NOT NULL DEFAULT nextval('task_logs_id'),
    workflow_id  uuid        NOT NULL,
    task_id      uuid        NOT NULL,
    log          text        NOT NULL,
    created_time timestamptz NOT NULL
) PARTITION BY RANGE (workflow_id);
ALTER SEQUENCE task_logs_id OWNED BY task_logs.id;
CREATE TABLE task_logs_default PARTITION OF task_logs DEFAULT;
INSERT INTO task_logs (id, workflow_id, task_id, log, created_time)
    SELECT l.id, t.workflow_id, l.task_id, l.log, l.created_time
    FROM task_logs_unpartitioned l JOIN tasks_unpartitioned t USING (task_id);

DROP TABLE task_logs_unpartitioned;
DROP TABLE tasks_unpartitioned;
DROP TABLE workflows_unpartitioned;

ALTER TABLE workflows ADD PRIMARY KEY (workflow_id);
CREATE INDEX workflows_name_status ON workflows (workflow_name, status, create_time DESC);
CREATE INDEX workflows_correlation ON workflows (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX workflows_create_time ON workflows (create_time DESC);
CREATE INDEX workflows_next_check ON workflows (next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX workflows_parent ON workflows (parent_workflow_id) WHERE parent_workflow_id IS NOT NULL;
-- Retention: the ended top-level executions of a name, oldest end first; and, per partition,
-- whether anything is still running or ended too recently to go.
CREATE INDEX workflows_ended ON workflows (workflow_name, end_time) WHERE parent_workflow_id IS NULL;
CREATE INDEX workflows_end_time ON workflows (end_time);

ALTER TABLE tasks ADD PRIMARY KEY (task_id, workflow_id);
ALTER TABLE tasks ADD UNIQUE (workflow_id, seq);
CREATE INDEX tasks_pollable ON tasks (queue_name, priority DESC, visible_at)
    WHERE status = 'SCHEDULED' AND queue_name IS NOT NULL;
CREATE INDEX tasks_lease ON tasks (lease_until) WHERE status = 'IN_PROGRESS' AND lease_until IS NOT NULL;
CREATE INDEX tasks_in_progress_type ON tasks (task_type) WHERE status = 'IN_PROGRESS';
CREATE INDEX tasks_started ON tasks (task_type, started_at) WHERE started_at IS NOT NULL;
CREATE INDEX tasks_workflow_ref ON tasks (workflow_id, ref_name, seq);
CREATE INDEX tasks_unsettled ON tasks (workflow_id, seq) WHERE NOT executed OR status = 'SKIPPED';

ALTER TABLE task_logs ADD PRIMARY KEY (id, workflow_id);
CREATE INDEX task_logs_task ON task_logs (task_id, id);

-- A partition's indexes are named after the parent's (tasks_unsettled_default,
-- tasks_unsettled_p20261201t000000), so a plan says which index it uses.
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname AS child, p.relname AS parent
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        JOIN pg_index x ON x.indexrelid = c.oid
        WHERE x.indrelid IN ('workflows_default'::regclass, 'tasks_default'::regclass, 'task_logs_default'::regclass)
    LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', r.child, r.parent || '_default');
    END LOOP;
END $$;

-- A unique index of a partitioned table must hold its partition key, so the idempotency key of
-- a workflow name is claimed in a table of its own, in the transaction that starts the
-- execution.
CREATE TABLE workflow_idempotency_keys (
    workflow_name   text NOT NULL,
    idempotency_key text NOT NULL,
    workflow_id     uuid NOT NULL,
    PRIMARY KEY (workflow_name, idempotency_key)
);
CREATE INDEX workflow_idempotency_keys_workflow ON workflow_idempotency_keys (workflow_id);
INSERT INTO workflow_idempotency_keys (workflow_name, idempotency_key, workflow_id)
    SELECT workflow_name, idempotency_key, workflow_id FROM workflows WHERE idempotency_key IS NOT NULL;

-- The time partitions the server created: [starts_at, ends_at) of start times, which are the
-- id bounds [lower, upper). suffix names the partition of each table (workflows_<suffix>, …).
CREATE TABLE history_partitions (
    suffix    text        PRIMARY KEY,
    starts_at timestamptz NOT NULL,
    ends_at   timestamptz NOT NULL,
    lower     uuid        NOT NULL,
    upper     uuid        NOT NULL,
    CHECK (starts_at < ends_at)
);

-- How long the ended executions of a workflow name are kept, overriding
-- PODIUM_EXECUTION_RETENTION; keep_seconds NULL keeps them forever.
CREATE TABLE retention_overrides (
    workflow_name text        PRIMARY KEY,
    keep_seconds  bigint      CHECK (keep_seconds > 0),
    update_time   timestamptz NOT NULL,
    updated_by    text
);

-- Retention of the other history: schedule slot records and event records by age.
CREATE INDEX event_executions_created ON event_executions (created_at);
CREATE INDEX event_messages_processed ON event_messages (processed_at) WHERE processed_at IS NOT NULL;
