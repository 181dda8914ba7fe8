-- fedgate PostgreSQL schema, version 1.
-- Key columns use COLLATE "C" so ordering and equality are bytewise, as in
-- the SQLite backend, whatever the database's default collation.

CREATE TABLE mfa_totp (
    user_id      text COLLATE "C" NOT NULL PRIMARY KEY,
    account_name text NOT NULL,
    secret       bytea NOT NULL,  -- AES-GCM sealed, AAD 'mfa_totp|secret|' || user_id
    created_at   timestamptz NOT NULL
);

CREATE TABLE use_once (
    kind       text COLLATE "C" NOT NULL,
    id         text COLLATE "C" NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (kind, id)
);

CREATE INDEX use_once_expires_at ON use_once (expires_at);

CREATE TABLE failures (
    kind       text COLLATE "C" NOT NULL,
    key        text COLLATE "C" NOT NULL,
    count      integer NOT NULL,
    window_end timestamptz NOT NULL,
    PRIMARY KEY (kind, key)
);

CREATE INDEX failures_window_end ON failures (window_end);

CREATE TABLE audit_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time          timestamptz NOT NULL,
    user_name     text NOT NULL,
    client_ip     text NOT NULL,
    relying_party text NOT NULL,
    protocol      text NOT NULL,
    result        text NOT NULL,
    reason        text NOT NULL,
    activity_id   text NOT NULL
);

CREATE INDEX audit_events_time ON audit_events (time, id);
