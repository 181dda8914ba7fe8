-- fedgate SQLite schema, version 3: proxy trust (package proxytrust).
-- Enrollment tokens are stored only as their SHA-256; the tokens
-- themselves are consumed through use_once (kind 'proxytrust_enroll').

CREATE TABLE proxy_enrollments (
    token_hash TEXT NOT NULL PRIMARY KEY,  -- 64 lower-case hex digits
    proxy_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX proxy_enrollments_expires_at ON proxy_enrollments (expires_at);

-- Every client certificate the proxy-trust CA issued, kept after expiry
-- as the farm's issuance history (a few rows per proxy per month).
CREATE TABLE proxy_certificates (
    serial     TEXT NOT NULL PRIMARY KEY,
    proxy_name TEXT NOT NULL,
    not_before TEXT NOT NULL,
    not_after  TEXT NOT NULL,
    issued_at  TEXT NOT NULL,
    renewal    INTEGER NOT NULL CHECK (renewal IN (0, 1))
) STRICT, WITHOUT ROWID;

CREATE INDEX proxy_certificates_issued ON proxy_certificates (issued_at, serial);

-- Revoked serials. A revocation is never deleted while the certificate
-- could still be presented.
CREATE TABLE proxy_revocations (
    serial     TEXT NOT NULL PRIMARY KEY,
    revoked_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
