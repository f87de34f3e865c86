DROP TABLE IF EXISTS event_executions;
DROP TABLE IF EXISTS event_messages;
DROP TABLE IF EXISTS event_handlers;
