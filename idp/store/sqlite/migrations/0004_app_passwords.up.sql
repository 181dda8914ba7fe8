-- fedgate SQLite schema, version 4: app passwords (package apppass).
-- Only argon2id hashes (PHC strings with salt and parameters) are stored.

CREATE TABLE app_passwords (
    id           TEXT NOT NULL PRIMARY KEY,  -- 32 lower-case hex digits
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
) STRICT, WITHOUT ROWID;

CREATE INDEX app_passwords_user ON app_passwords (user_id, created_at, id);
