-- Definition snapshots executions run, shared by every execution of the same snapshot and
-- keyed by the SHA-256 of their JSON, so a workflow row carries 32 bytes instead of the document.
CREATE TABLE workflow_snapshots (
    hash       bytea PRIMARY KEY,
    definition jsonb NOT NULL
);

-- Workflow executions. Hot fields are columns (for locking, sweeping and search); the rest of
-- the Conductor Workflow document lives in doc (json: written and read whole, never queried).
CREATE TABLE workflows (
    workflow_id      uuid        PRIMARY KEY,
    workflow_name    text        NOT NULL,
    workflow_version integer     NOT NULL,
    status           text        NOT NULL,
    correlation_id   text,
    idempotency_key  text,
    parent_workflow_id uuid,
    priority         integer     NOT NULL DEFAULT 0,
    create_time      timestamptz NOT NULL,
    update_time      timestamptz NOT NULL,
    end_time         timestamptz,
    -- next_check_at: when the sweeper must re-decide (timeouts, timers); NULL = nothing pending.
    next_check_at    timestamptz,
    snapshot         bytea       NOT NULL,
    doc              json        NOT NULL
);
CREATE INDEX workflows_name_status ON workflows (workflow_name, status, create_time DESC);
CREATE INDEX workflows_correlation ON workflows (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX workflows_create_time ON workflows (create_time DESC);
CREATE INDEX workflows_next_check ON workflows (next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX workflows_parent ON workflows (parent_workflow_id) WHERE parent_workflow_id IS NOT NULL;
CREATE UNIQUE INDEX workflows_idempotency ON workflows (workflow_name, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- Task attempts. The table is the queue: a pollable task is a row with status SCHEDULED, a
-- queue_name and visible_at <= now. Claimed tasks carry lease_until (response/run timeout).
-- What a claim changes (status, worker, poll count, times) lives in columns, which win over the
-- same fields in doc (json: written and read whole, never queried), so a claim is a plain update.
CREATE TABLE tasks (
    task_id          uuid        PRIMARY KEY,
    workflow_id      uuid        NOT NULL REFERENCES workflows (workflow_id) ON DELETE CASCADE,
    seq              integer     NOT NULL,
    ref_name         text        NOT NULL,
    task_type        text        NOT NULL,
    status           text        NOT NULL,
    queue_name       text,
    priority         integer     NOT NULL DEFAULT 0,
    visible_at       timestamptz,
    lease_until      timestamptz,
    started_at       timestamptz,
    start_time       timestamptz,
    worker_id        text,
    poll_count       integer     NOT NULL DEFAULT 0,
    callback_after_seconds bigint NOT NULL DEFAULT 0,
    response_timeout_seconds bigint NOT NULL DEFAULT 0,
    timeout_seconds  bigint      NOT NULL DEFAULT 0,
    update_time      timestamptz NOT NULL,
    doc              json        NOT NULL,
    UNIQUE (workflow_id, seq)
);
CREATE INDEX tasks_pollable ON tasks (queue_name, priority DESC, visible_at)
    WHERE status = 'SCHEDULED' AND queue_name IS NOT NULL;
CREATE INDEX tasks_lease ON tasks (lease_until) WHERE status = 'IN_PROGRESS' AND lease_until IS NOT NULL;
CREATE INDEX tasks_in_progress_type ON tasks (task_type) WHERE status = 'IN_PROGRESS';
CREATE INDEX tasks_started ON tasks (task_type, started_at) WHERE started_at IS NOT NULL;

-- Execution log lines workers attach to tasks.
CREATE TABLE task_logs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id      uuid        NOT NULL,
    log          text        NOT NULL,
    created_time timestamptz NOT NULL
);
CREATE INDEX task_logs_task ON task_logs (task_id, id);

-- Last poll per queue and worker, for /api/tasks/queue/polldata.
CREATE TABLE poll_data (
    queue_name     text        NOT NULL,
    worker_id      text        NOT NULL,
    domain         text        NOT NULL DEFAULT '',
    last_poll_time timestamptz NOT NULL,
    PRIMARY KEY (queue_name, worker_id)
);
