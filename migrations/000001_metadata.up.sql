-- Workflow definitions: one row per name and version. The definition document keeps every
-- member a client sent, including those Podium does not interpret.
CREATE TABLE workflow_defs (
    name        text        NOT NULL,
    version     integer     NOT NULL,
    definition  jsonb       NOT NULL,
    create_time timestamptz NOT NULL,
    update_time timestamptz,
    PRIMARY KEY (name, version)
);

-- Task definitions: execution policy per task name.
CREATE TABLE task_defs (
    name        text        PRIMARY KEY,
    definition  jsonb       NOT NULL,
    create_time timestamptz NOT NULL,
    update_time timestamptz
);
