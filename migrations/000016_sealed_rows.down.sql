-- Dropping the parent indexes drops the partitions' too.
DROP INDEX IF EXISTS tasks_sealed;
DROP INDEX IF EXISTS workflows_sealed;
