package sqlite_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/sqlite"
)

// dropRelyingParties undoes migration 0006.
var dropRelyingParties = []string{
	"DROP TABLE relying_party_identifiers", "DROP TABLE relying_parties", "DROP TABLE relying_parties_version",
}

func TestOpen_MigratesVersion5DatabaseToRelyingPartySchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fedgate.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Turn it back into a version-5 database, as shipped before stored
	// relying parties.
	rawExec(t, path, append(dropRelyingParties, "DELETE FROM schema_version WHERE version > 5")...)
	s = open(t, path)
	if v, err := s.RelyingPartiesVersion(t.Context()); err != nil || v != 0 {
		t.Fatalf("RelyingPartiesVersion after migrating from version 5 = %d, %v; want 0", v, err)
	}
	rec := store.RelyingPartyRecord{Name: "app", Protocol: "saml2", Identifiers: []string{"urn:app"},
		Definition: []byte("name: app\n"), UpdatedAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := s.PutRelyingParty(t.Context(), rec); err != nil {
		t.Fatalf("PutRelyingParty after migrating from version 5: %v", err)
	}
	if v, err := s.RelyingPartiesVersion(t.Context()); err != nil || v != 1 {
		t.Fatalf("RelyingPartiesVersion = %d, %v; want 1", v, err)
	}
}
