-- Task searches (and workflow searches by tasks) read archived attempts too: the columns they
-- filter and sort on, as the live tasks have them, taken here from each attempt's document
-- (which holds its claim columns since it was archived).
ALTER TABLE archived_tasks
    ADD COLUMN task_type   text,
    ADD COLUMN ref_name    text,
    ADD COLUMN status      text,
    ADD COLUMN worker_id   text,
    ADD COLUMN start_time  timestamptz,
    ADD COLUMN update_time timestamptz;
UPDATE archived_tasks SET
    task_type = coalesce(doc ->> 'taskType', ''),
    ref_name = coalesce(doc ->> 'referenceTaskName', ''),
    status = coalesce(doc ->> 'status', ''),
    worker_id = doc ->> 'workerId',
    start_time = to_timestamp(nullif((doc ->> 'startTime')::bigint, 0) / 1000.0),
    update_time = to_timestamp(coalesce((doc ->> 'updateTime')::bigint, 0) / 1000.0);
ALTER TABLE archived_tasks
    ALTER COLUMN task_type SET NOT NULL,
    ALTER COLUMN ref_name SET NOT NULL,
    ALTER COLUMN status SET NOT NULL,
    ALTER COLUMN update_time SET NOT NULL;
CREATE INDEX archived_tasks_type ON archived_tasks (task_type);
