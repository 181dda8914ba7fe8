package store

import (
	"context"
	"time"
)

// RelyingPartyRecord is one relying-party trust added at run time (`fedgate
// rp add`), as opposed to one written in fedgate.yaml. The store treats the
// definition as opaque bytes; package idp/rp parses it.
type RelyingPartyRecord struct {
	// Name is the trust's unique display name and the record's key;
	// compared byte for byte (case-sensitive). Required, at most
	// MaxRelyingPartyNameLen bytes of UTF-8 without NUL.
	Name string
	// Protocol is the token protocol, such as "wsfed" or "saml2".
	// Required, at most MaxKindLen bytes.
	Protocol string
	// Identifiers are the realms or SAML entity IDs the party is known
	// by, in the party's order. 1 to MaxRelyingPartyIdentifiers distinct
	// values of at most MaxRelyingPartyIdentifierLen bytes each. No two
	// records may share an identifier: that is what stops a stored trust
	// from capturing tokens meant for another party.
	Identifiers []string
	// Definition is the rp.Definition marshalled as YAML, SAML metadata
	// inlined. 1 to MaxRelyingPartyDefinition bytes.
	Definition []byte
	// UpdatedAt is when the record was last written; required, set by the
	// caller. Stored in UTC at microsecond precision.
	UpdatedAt time.Time
}

// RelyingParties stores relying-party trusts. Every change bumps a version
// counter so that each node of a farm can poll RelyingPartiesVersion
// cheaply and reload the list only when it changed.
type RelyingParties interface {
	// PutRelyingParty inserts rec, or replaces the record with the same
	// Name, and bumps the version, in one transaction. It returns
	// ErrConflict (naming the identifier and the other record) when one of
	// rec.Identifiers belongs to a record with another name, and
	// ErrInvalid when rec breaks a limit or the store already holds
	// MaxRelyingParties records; nothing is written then. The identifier
	// check is atomic: two concurrent puts of different names with a
	// shared identifier cannot both succeed, on one node or several.
	PutRelyingParty(ctx context.Context, rec RelyingPartyRecord) error
	// GetRelyingParty returns the record named name, or ErrNotFound.
	GetRelyingParty(ctx context.Context, name string) (RelyingPartyRecord, error)
	// ListRelyingParties returns every record ordered by Name (byte
	// order). It returns an empty, non-nil slice when there is none.
	ListRelyingParties(ctx context.Context) ([]RelyingPartyRecord, error)
	// DeleteRelyingParty deletes the record named name and its
	// identifiers and bumps the version, or returns ErrNotFound (and
	// bumps nothing).
	DeleteRelyingParty(ctx context.Context, name string) error
	// RelyingPartiesVersion returns a counter that grows by at least one
	// with every successful PutRelyingParty or DeleteRelyingParty on any
	// node sharing the database. It starts at 0 and never goes back.
	RelyingPartiesVersion(ctx context.Context) (int64, error)
}

// Limits on relying-party records, enforced identically by every backend.
const (
	// MaxRelyingPartyNameLen bounds RelyingPartyRecord.Name in bytes, as
	// rp.MaxNameBytes bounds a definition's name.
	MaxRelyingPartyNameLen = 128
	// MaxRelyingPartyIdentifiers bounds the identifiers of one record.
	MaxRelyingPartyIdentifiers = 64
	// MaxRelyingPartyIdentifierLen bounds each identifier in bytes (SAML
	// metadata caps entityID at 1024 characters, saml-metadata §2.3.2).
	MaxRelyingPartyIdentifierLen = 1024
	// MaxRelyingPartyDefinition bounds RelyingPartyRecord.Definition. It
	// equals rp.MaxDefinitionBytes, what a node agrees to parse: up to
	// 256 KiB of inlined SP metadata (samlp.MaxMetadataBytes) plus 64 KiB
	// for YAML quoting, settings and claim rules.
	MaxRelyingPartyDefinition = 320 << 10
	// MaxRelyingParties bounds the number of stored records, which every
	// node holds in memory.
	MaxRelyingParties = 1000
)
