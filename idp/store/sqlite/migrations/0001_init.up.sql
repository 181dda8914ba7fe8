-- fedgate SQLite schema, version 1.
-- Times are TEXT in UTC, fixed width 'YYYY-MM-DDTHH:MM:SS.ffffffZ', so that
-- string comparison is chronological.

CREATE TABLE mfa_totp (
    user_id      TEXT NOT NULL PRIMARY KEY,
    account_name TEXT NOT NULL,
    secret       BLOB NOT NULL,  -- AES-GCM sealed, AAD 'mfa_totp|secret|' || user_id
    created_at   TEXT NOT NULL
) STRICT;

CREATE TABLE use_once (
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) STRICT, WITHOUT ROWID;

CREATE INDEX use_once_expires_at ON use_once (expires_at);

CREATE TABLE failures (
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    count      INTEGER NOT NULL,
    window_end TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) STRICT, WITHOUT ROWID;

CREATE INDEX failures_window_end ON failures (window_end);

CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    time          TEXT NOT NULL,
    user_name     TEXT NOT NULL,
    client_ip     TEXT NOT NULL,
    relying_party TEXT NOT NULL,
    protocol      TEXT NOT NULL,
    result        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    activity_id   TEXT NOT NULL
) STRICT;

CREATE INDEX audit_events_time ON audit_events (time, id);
