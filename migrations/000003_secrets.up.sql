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
