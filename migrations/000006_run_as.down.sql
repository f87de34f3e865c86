ALTER TABLE workflows DROP COLUMN run_as;
