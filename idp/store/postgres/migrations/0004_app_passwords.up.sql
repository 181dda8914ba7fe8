-- fedgate PostgreSQL schema, version 4: app passwords (package apppass).
-- Only argon2id hashes (PHC strings with salt and parameters) are stored.

CREATE TABLE app_passwords (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,  -- 32 lower-case hex digits
    user_id      text COLLATE "C" NOT NULL,
    name         text NOT NULL,
    hash         text COLLATE "C" NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz
);

CREATE INDEX app_passwords_user ON app_passwords (user_id, created_at, id);
