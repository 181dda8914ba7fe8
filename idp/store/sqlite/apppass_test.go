package sqlite_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/fedgate/fedgate/apppass"
	"github.com/fedgate/fedgate/idp/store/sqlite"
)

func TestOpen_MigratesVersion3DatabaseToAppPasswordSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fedgate.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Turn it back into a version-3 database, as shipped before app passwords.
	rawExec(t, path, append(dropAppPasswords, "DELETE FROM schema_version WHERE version > 3")...)
	s = open(t, path)
	rec := apppass.Record{ID: "0123456789abcdef0123456789abcdef", UserID: "u", Name: "n", Hash: "h",
		CreatedAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	if ok, err := s.CreateAppPassword(t.Context(), rec, 10); err != nil || !ok {
		t.Fatalf("CreateAppPassword after migrating from version 3 = %v, %v", ok, err)
	}
}
