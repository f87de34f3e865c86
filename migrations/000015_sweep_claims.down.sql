DROP TABLE IF EXISTS sweep_claims;
