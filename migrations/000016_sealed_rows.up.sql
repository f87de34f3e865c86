-- Key rotation walks the rows that hold sealed values in primary-key order, a batch at a time
-- from a cursor (store.ResealWalk). These partial indexes hold only those rows, so a walk
-- reads the sealed rows and nothing else: its cost is the number of sealed rows, whatever the
-- size of the history. Rows without sealed data (nearly all of them) never enter the indexes.
CREATE INDEX workflows_sealed ON workflows (workflow_id) WHERE sealed IS NOT NULL;
CREATE INDEX tasks_sealed ON tasks (task_id)
    WHERE sealed_input IS NOT NULL OR sealed_output IS NOT NULL;

-- The partitions' indexes are named after the parent's, as the others are
-- (tasks_sealed_default, tasks_sealed_p20261201t000000).
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname AS child, p.relname AS parent, t.relname AS partition, pt.relname AS parent_table
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        JOIN pg_index x ON x.indexrelid = c.oid JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_index px ON px.indexrelid = p.oid JOIN pg_class pt ON pt.oid = px.indrelid
        WHERE p.relname IN ('workflows_sealed', 'tasks_sealed')
    LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', r.child,
            r.parent || '_' || substr(r.partition, length(r.parent_table) + 2));
    END LOOP;
END $$;
