-- Event handlers (/api/event) and the durable conductor event queue (EVENT tasks, §1.5).

-- A handler reacts to the messages of its event. run_as is the principal who registered or
-- last updated it (NULL: authentication was off): its actions run with that principal's rights.
CREATE TABLE event_handlers (
    name        text PRIMARY KEY,
    event       text NOT NULL,
    active      boolean NOT NULL,
    doc         jsonb NOT NULL,
    run_as      text,
    create_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL
);
CREATE INDEX event_handlers_event ON event_handlers (event) WHERE active;

-- The messages EVENT tasks publish, inserted in the publishing decision's transaction. The
-- payload is the task's output as stored: masked, never a secret in plaintext. An event
-- processor claims pending messages (SKIP LOCKED), holding them until visible_at, and marks them
-- processed once every matching handler has had them.
CREATE TABLE event_messages (
    message_id   uuid PRIMARY KEY,
    queue        text NOT NULL,
    payload      jsonb NOT NULL,
    workflow_id  uuid,
    task_id      uuid,
    created_at   timestamptz NOT NULL,
    visible_at   timestamptz NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    processed_at timestamptz
);
CREATE INDEX event_messages_pending ON event_messages (visible_at) WHERE processed_at IS NULL;

-- What each handler's action did with each message. The key makes a delivery happen once per
-- (message, handler, action) however many processes deliver: the row is written in the same
-- transaction as the action's effect. A condition that does not hold records SKIPPED under
-- action 0, as Conductor does.
CREATE TABLE event_executions (
    message_id   uuid NOT NULL,
    handler_name text NOT NULL,
    action_index integer NOT NULL,
    event        text NOT NULL,
    action       text,
    status       text NOT NULL,
    output       jsonb NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (message_id, handler_name, action_index)
);
CREATE INDEX event_executions_event ON event_executions (event, created_at DESC);
CREATE INDEX event_executions_name ON event_executions (handler_name, created_at DESC);
