DROP TABLE IF EXISTS task_defs;
DROP TABLE IF EXISTS workflow_defs;
