-- fedgate PostgreSQL schema, version 3: proxy trust (package proxytrust).
-- Enrollment tokens are stored only as their SHA-256; the tokens
-- themselves are consumed through use_once (kind 'proxytrust_enroll').

CREATE TABLE proxy_enrollments (
    token_hash text COLLATE "C" NOT NULL PRIMARY KEY,  -- 64 lower-case hex digits
    proxy_name text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX proxy_enrollments_expires_at ON proxy_enrollments (expires_at);

-- Every client certificate the proxy-trust CA issued, kept after expiry
-- as the farm's issuance history (a few rows per proxy per month).
CREATE TABLE proxy_certificates (
    serial     text COLLATE "C" NOT NULL PRIMARY KEY,
    proxy_name text COLLATE "C" NOT NULL,
    not_before timestamptz NOT NULL,
    not_after  timestamptz NOT NULL,
    issued_at  timestamptz NOT NULL,
    renewal    boolean NOT NULL
);

CREATE INDEX proxy_certificates_issued ON proxy_certificates (issued_at, serial);

-- Revoked serials. A revocation is never deleted while the certificate
-- could still be presented.
CREATE TABLE proxy_revocations (
    serial     text COLLATE "C" NOT NULL PRIMARY KEY,
    revoked_at timestamptz NOT NULL
);
