-- fedgate PostgreSQL schema, version 6: relying-party trusts added at run
-- time (`fedgate rp add`). The definition is opaque YAML (package idp/rp).
-- Identifiers live in their own table so that their uniqueness across
-- parties is a primary key, checked atomically by the database. COLLATE "C"
-- keeps ordering and equality byte-wise, as in SQLite.

CREATE TABLE relying_parties (
    name       text COLLATE "C" NOT NULL PRIMARY KEY,
    protocol   text COLLATE "C" NOT NULL,
    definition bytea NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE relying_party_identifiers (
    identifier text COLLATE "C" NOT NULL PRIMARY KEY,
    name       text COLLATE "C" NOT NULL REFERENCES relying_parties (name) ON DELETE CASCADE,
    position   integer NOT NULL
);

CREATE INDEX relying_party_identifiers_name ON relying_party_identifiers (name, position);

-- One row: bumped first in every changing transaction, which also
-- serialises those transactions across the farm (row lock); polled by
-- every node to notice changes made elsewhere.
CREATE TABLE relying_parties_version (
    id      smallint NOT NULL PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);

INSERT INTO relying_parties_version (id, version) VALUES (1, 0);
