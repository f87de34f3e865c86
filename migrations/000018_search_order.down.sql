DROP INDEX archived_workflows_create_time;
CREATE INDEX archived_workflows_create_time ON archived_workflows (create_time DESC);
DROP INDEX archived_workflows_name_status;
CREATE INDEX archived_workflows_name_status ON archived_workflows (workflow_name, status, create_time DESC);
DROP INDEX workflows_create_time;
CREATE INDEX workflows_create_time ON workflows (create_time DESC);
DROP INDEX workflows_name_status;
CREATE INDEX workflows_name_status ON workflows (workflow_name, status, create_time DESC);

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
