-- Secrets: the value is sealed (AES-256-GCM, see internal/secret) under the key named key_id;
-- the name is the associated data. Plaintext never reaches this table.
CREATE TABLE secrets (
    name        text        PRIMARY KEY,
    sealed      bytea       NOT NULL,
    key_id      text        NOT NULL,
    tags        jsonb       NOT NULL DEFAULT '[]',
    create_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL,
    created_by  text,
    updated_by  text
);
CREATE INDEX secrets_key_id ON secrets (key_id);

-- Real (unmasked) execution data that must not be shown, sealed like secrets: a task's input
-- when secrets were resolved into it (handed to its worker), a task's output when it carries
-- secret material (read by later tasks), and per workflow its real input and the set of values
-- to mask. The plaintext columns hold the masked forms only.
ALTER TABLE tasks ADD COLUMN sealed_input bytea, ADD COLUMN sealed_output bytea;
ALTER TABLE workflows ADD COLUMN sealed bytea;
