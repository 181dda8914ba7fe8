-- fedgate PostgreSQL schema, version 2: extranet lockout state
-- (idp/lockout), one row per directory account that has a counted failure
-- or a familiar IP. Updates are serialised per key with a
-- transaction-scoped advisory lock (see lockout.go).

CREATE TABLE lockout (
    user_key         text COLLATE "C" NOT NULL PRIMARY KEY,  -- account objectGUID, base64
    familiar_count   integer NOT NULL CHECK (familiar_count >= 0),
    familiar_last    timestamptz,                            -- NULL when familiar_count is 0
    unfamiliar_count integer NOT NULL CHECK (unfamiliar_count >= 0),
    unfamiliar_last  timestamptz,                            -- NULL when unfamiliar_count is 0
    familiar_ips     text NOT NULL                           -- canonical IPs, space-separated, least recent first
);
