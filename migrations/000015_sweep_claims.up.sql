-- The sweeper's claims on the workflows it is about to decide (a due timer, an expired task
-- lease). The statement that finds due workflows (FOR UPDATE SKIP LOCKED) writes a claim here
-- for each: other replicas skip a claimed workflow until claimed_until, and pick it up after
-- that if its claimer died. Claims live in a table of their own so that claiming rewrites
-- neither the workflow row (a new version of a wide row, an entry in each of its indexes) nor
-- anything the decision reads (next_check_at, the tasks' lease_until). The sweeper's decision
-- deletes the claim, unless it left the workflow still due (a paused workflow's timer, say),
-- which is then decided again once the claim expires rather than in a tight loop. Expired
-- claims mean nothing and are deleted by the sweeper from time to time.
CREATE TABLE sweep_claims (
    workflow_id   uuid        PRIMARY KEY,
    claimed_until timestamptz NOT NULL
);
