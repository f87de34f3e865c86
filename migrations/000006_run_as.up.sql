-- The principal a workflow runs as (its starter, a schedule's creator): whose grants decide
-- which secrets it may use or write. NULL: started with authentication off (no restriction).
ALTER TABLE workflows ADD COLUMN run_as text;
