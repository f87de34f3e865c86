-- Searches list newest first with the id breaking ties (ORDER BY create_time DESC,
-- workflow_id), and a cursor seeks from a (create_time, workflow_id) pair: with the id in the
-- index, the index gives that order itself, so a page reads its own rows and no more (without
-- it, every row of a tied start time is read and sorted). Same for the archive.
DROP INDEX workflows_name_status;
CREATE INDEX workflows_name_status ON workflows (workflow_name, status, create_time DESC, workflow_id);
DROP INDEX workflows_create_time;
CREATE INDEX workflows_create_time ON workflows (create_time DESC, workflow_id);
DROP INDEX archived_workflows_name_status;
CREATE INDEX archived_workflows_name_status ON archived_workflows (workflow_name, status, create_time DESC, workflow_id);
DROP INDEX archived_workflows_create_time;
CREATE INDEX archived_workflows_create_time ON archived_workflows (create_time DESC, workflow_id);

-- The partitions' indexes are named after the parent's, as the others are
-- (workflows_create_time_default, workflows_create_time_p20261201t000000).
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname AS child, p.relname AS parent, t.relname AS partition, pt.relname AS parent_table
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        JOIN pg_index x ON x.indexrelid = c.oid JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_index px ON px.indexrelid = p.oid JOIN pg_class pt ON pt.oid = px.indrelid
        WHERE p.relname IN ('workflows_name_status', 'workflows_create_time')
    LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', r.child,
            r.parent || '_' || substr(r.partition, length(r.parent_table) + 2));
    END LOOP;
END $$;
