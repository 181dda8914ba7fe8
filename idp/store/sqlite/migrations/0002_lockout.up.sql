-- fedgate SQLite schema, version 2: extranet lockout state (idp/lockout),
-- one row per directory account that has a counted failure or a familiar IP.

CREATE TABLE lockout (
    user_key         TEXT NOT NULL PRIMARY KEY,  -- account objectGUID, base64
    familiar_count   INTEGER NOT NULL CHECK (familiar_count >= 0),
    familiar_last    TEXT,                       -- NULL when familiar_count is 0
    unfamiliar_count INTEGER NOT NULL CHECK (unfamiliar_count >= 0),
    unfamiliar_last  TEXT,                       -- NULL when unfamiliar_count is 0
    familiar_ips     TEXT NOT NULL               -- canonical IPs, space-separated, least recent first
) STRICT, WITHOUT ROWID;
