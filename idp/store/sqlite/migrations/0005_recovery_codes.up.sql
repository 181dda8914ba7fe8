-- fedgate SQLite schema, version 5: MFA recovery codes (package mfa).
-- Only keyed hashes (HMAC-SHA256) are stored; a used code's row is deleted.

CREATE TABLE mfa_recovery_codes (
    user_id    TEXT NOT NULL,
    hash       BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, hash)
) STRICT, WITHOUT ROWID;
