-- Schedules: cron entries that start a workflow. next_run_at is the next slot to claim; the
-- process that claims it (FOR UPDATE SKIP LOCKED) writes an execution record and advances it.
CREATE TABLE schedules (
    name          text PRIMARY KEY,
    workflow_name text NOT NULL,
    -- The schedule as saved, without the server-set fields kept in columns.
    doc           jsonb NOT NULL,
    paused        boolean NOT NULL DEFAULT false,
    paused_reason text,
    next_run_at   timestamptz,
    tags          jsonb NOT NULL DEFAULT '[]',
    create_time   timestamptz NOT NULL,
    updated_time  timestamptz NOT NULL,
    created_by    text,
    updated_by    text
);

CREATE INDEX schedules_due ON schedules (next_run_at) WHERE NOT paused AND next_run_at IS NOT NULL;
CREATE INDEX schedules_workflow ON schedules (workflow_name);

-- One record per slot of a schedule: claimed (POLLED), then EXECUTED, FAILED or SKIPPED.
-- The unique slot makes a fire happen once however many processes race for it. Records
-- outlive their schedule (execution history).
CREATE TABLE schedule_executions (
    execution_id    uuid PRIMARY KEY,
    schedule_name   text NOT NULL,
    scheduled_time  bigint NOT NULL,
    execution_time  bigint,
    workflow_name   text NOT NULL,
    workflow_id     text,
    state           text NOT NULL,
    reason          text,
    zone_id         text NOT NULL,
    start_request   jsonb NOT NULL,
    skip_if_running boolean NOT NULL DEFAULT false,
    claimed_at      timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    UNIQUE (schedule_name, scheduled_time)
);

CREATE INDEX schedule_executions_polled ON schedule_executions (claimed_at) WHERE state = 'POLLED';
CREATE INDEX schedule_executions_time ON schedule_executions (scheduled_time);
