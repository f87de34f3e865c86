-- Tags of workflow and task definitions (Orkes' /api/metadata/{workflow,task}/{name}/tags).
-- They belong to the definition's name, all versions alike: kind says which namespace the name
-- is in. The row goes when the last version of the name (the task definition) is deleted.
CREATE TABLE definition_tags (
    kind text  NOT NULL CHECK (kind IN ('WORKFLOW_DEF', 'TASK_DEF')),
    name text  NOT NULL,
    tags jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (kind, name)
);

-- Executions removed with archiveWorkflow=true: out of the live tables (so no decision, sweep
-- or claim ever visits them) but readable by id. doc holds the workflow as it was stored (already
-- masked); the sealed columns of the live tables are not carried over.
CREATE TABLE archived_workflows (
    workflow_id   uuid        PRIMARY KEY,
    workflow_name text        NOT NULL,
    status        text        NOT NULL,
    archived_at   timestamptz NOT NULL,
    snapshot      bytea       NOT NULL,
    doc           json        NOT NULL
);
CREATE INDEX archived_workflows_archived_at ON archived_workflows (archived_at);

-- The attempts of archived executions, each with its claim columns folded into doc.
CREATE TABLE archived_tasks (
    task_id     uuid    PRIMARY KEY,
    workflow_id uuid    NOT NULL REFERENCES archived_workflows (workflow_id) ON DELETE CASCADE,
    seq         integer NOT NULL,
    doc         json    NOT NULL,
    UNIQUE (workflow_id, seq)
);
