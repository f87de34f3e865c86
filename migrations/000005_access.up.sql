-- Applications own access keys; a key's secret is stored only as an argon2id hash.
CREATE TABLE applications (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    roles       text[] NOT NULL DEFAULT '{}',
    tags        jsonb NOT NULL DEFAULT '[]',
    create_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL,
    created_by  text,
    updated_by  text
);

CREATE TABLE access_keys (
    id             text PRIMARY KEY,
    application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    secret_hash    text NOT NULL,
    status         text NOT NULL,
    created_at     timestamptz NOT NULL
);
CREATE INDEX access_keys_application ON access_keys (application_id);

-- Explicit grants beyond roles: today READ on a secret's value (target SECRET_NAME).
CREATE TABLE grants (
    subject_type text NOT NULL,
    subject_id   text NOT NULL,
    target_type  text NOT NULL,
    target_id    text NOT NULL,
    access       text[] NOT NULL,
    PRIMARY KEY (subject_type, subject_id, target_type, target_id)
);
