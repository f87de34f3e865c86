-- What a decision asks of other workflows: end the child of each SUB_WORKFLOW task it canceled.
-- The request is written in the decision's transaction, carried out (and deleted, in the
-- child's own transaction) once it commits; the sweeper carries out any a crash left behind.
CREATE TABLE workflow_signals (
    workflow_id uuid NOT NULL,
    reason      text NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX workflow_signals_workflow ON workflow_signals (workflow_id);
CREATE INDEX workflow_signals_created ON workflow_signals (created_at);
