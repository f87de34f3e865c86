DROP TABLE IF EXISTS archived_tasks;
DROP TABLE IF EXISTS archived_workflows;
DROP TABLE IF EXISTS definition_tags;
