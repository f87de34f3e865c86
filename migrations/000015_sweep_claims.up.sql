-- The sweeper claims the workflows it is about to decide (a due timer, an expired task lease)
-- in the statement that finds them, with FOR UPDATE SKIP LOCKED, and writes here until when the
-- claim holds: other replicas skip the workflow meanwhile, and pick it up once the claim
-- expires if its claimer died. A claim is its own column so that it never hides the timers the
-- decision reads (next_check_at, the tasks' lease_until). Writing the workflow clears it, unless
-- the sweeper's decision leaves it still due (a paused workflow's timer, say), which is then
-- decided again when the claim expires instead of in a tight loop. NULL: not claimed.
ALTER TABLE workflows ADD COLUMN sweep_claimed_until timestamptz;
