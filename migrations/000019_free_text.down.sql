-- The extension stays: other objects of the database may use it.
DROP INDEX archived_workflows_correlation_trgm;
DROP INDEX workflows_correlation_trgm;
