-- Free text finds executions by part of their correlation id (a business key such as an order
-- number), in any case, through a trigram index (pg_trgm, a trusted extension: the owner of the
-- database may create it). Only rows with a correlation id are indexed. The archive, whose rows
-- are never updated, has the same index.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX workflows_correlation_trgm ON workflows USING gin (correlation_id gin_trgm_ops)
    WHERE correlation_id IS NOT NULL;
CREATE INDEX archived_workflows_correlation_trgm ON archived_workflows USING gin (correlation_id gin_trgm_ops)
    WHERE correlation_id IS NOT NULL;

-- The partitions' indexes are named after the parent's, as the others are
-- (workflows_correlation_trgm_default, workflows_correlation_trgm_p20261201t000000).
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname AS child, p.relname AS parent, t.relname AS partition, pt.relname AS parent_table
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        JOIN pg_index x ON x.indexrelid = c.oid JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_index px ON px.indexrelid = p.oid JOIN pg_class pt ON pt.oid = px.indrelid
        WHERE p.relname = 'workflows_correlation_trgm'
    LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', r.child,
            r.parent || '_' || substr(r.partition, length(r.parent_table) + 2));
    END LOOP;
END $$;
