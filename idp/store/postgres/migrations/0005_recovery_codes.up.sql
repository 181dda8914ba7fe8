-- fedgate PostgreSQL schema, version 5: MFA recovery codes (package mfa).
-- Only keyed hashes (HMAC-SHA256) are stored; a used code's row is deleted.

CREATE TABLE mfa_recovery_codes (
    user_id    text COLLATE "C" NOT NULL,
    hash       bytea NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, hash)
);
