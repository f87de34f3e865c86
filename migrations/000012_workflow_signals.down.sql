DROP TABLE IF EXISTS workflow_signals;
