ALTER TABLE workflows DROP COLUMN IF EXISTS sweep_claimed_until;
