-- A settled attempt is one the decider is done with (executed: its successors were scheduled or
-- its failure handled; retried: superseded by a new attempt). A decision locks and decodes only
-- the unsettled attempts; the settled ones are read from these compact columns and their
-- documents only when an expression needs them, so a step's cost does not grow with the number
-- of steps before it.
ALTER TABLE tasks ADD COLUMN executed boolean NOT NULL DEFAULT false;
ALTER TABLE tasks ADD COLUMN retried boolean NOT NULL DEFAULT false;
UPDATE tasks SET executed = coalesce((doc::jsonb ->> 'executed')::boolean, false),
                 retried = coalesce((doc::jsonb ->> 'retried')::boolean, false)
 WHERE (doc::jsonb ->> 'executed')::boolean OR (doc::jsonb ->> 'retried')::boolean;
-- Settled attempts are looked up by reference name (the latest attempt of a task, the one an
-- expression reads) rather than read all at once.
CREATE INDEX tasks_workflow_ref ON tasks (workflow_id, ref_name, seq);
-- The attempts a decision locks and reads: found without visiting the settled ones.
CREATE INDEX tasks_unsettled ON tasks (workflow_id, seq) WHERE NOT executed;
