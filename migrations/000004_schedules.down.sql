DROP TABLE IF EXISTS schedule_executions;
DROP TABLE IF EXISTS schedules;
