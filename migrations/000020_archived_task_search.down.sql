DROP INDEX archived_tasks_type;
ALTER TABLE archived_tasks
    DROP COLUMN task_type,
    DROP COLUMN ref_name,
    DROP COLUMN status,
    DROP COLUMN worker_id,
    DROP COLUMN start_time,
    DROP COLUMN update_time;
