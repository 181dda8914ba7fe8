-- fedgate SQLite schema, version 6: relying-party trusts added at run time
-- (`fedgate rp add`). The definition is opaque YAML (package idp/rp).
-- Identifiers live in their own table so that their uniqueness across
-- parties is a primary key, checked atomically by the database.

CREATE TABLE relying_parties (
    name       TEXT NOT NULL PRIMARY KEY,
    protocol   TEXT NOT NULL,
    definition BLOB NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE relying_party_identifiers (
    identifier TEXT NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL REFERENCES relying_parties (name) ON DELETE CASCADE,
    position   INTEGER NOT NULL
) STRICT;

CREATE INDEX relying_party_identifiers_name ON relying_party_identifiers (name, position);

-- One row: bumped in the same transaction as every change, polled by
-- every node to notice changes made elsewhere.
CREATE TABLE relying_parties_version (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;

INSERT INTO relying_parties_version (id, version) VALUES (1, 0);
