package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/store/sqlite"
)

// rawExec runs statements on the file behind fedgate's back.
func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestOpen_MigratesVersion1DatabaseToLockoutSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fedgate.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Turn it back into a version-1 database, as shipped before lockout.
	rawExec(t, path, append(append(dropAppPasswords, dropProxyTrust...), "DROP TABLE lockout", "DELETE FROM schema_version WHERE version > 1")...)
	s = open(t, path)
	st := lockout.State{Unfamiliar: lockout.Counter{Count: 1, Last: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}}
	if _, err := s.UpdateLockout(t.Context(), "key", func(lockout.State) (lockout.State, error) { return st, nil }); err != nil {
		t.Fatalf("UpdateLockout after migrating from version 1: %v", err)
	}
}

// dropAppPasswords undoes migration 0004 (and 0005, which follows it).
var dropAppPasswords = append([]string{"DROP TABLE app_passwords"}, dropRecoveryCodes...)

// dropProxyTrust undoes migration 0003.
var dropProxyTrust = []string{"DROP TABLE proxy_enrollments", "DROP TABLE proxy_certificates", "DROP TABLE proxy_revocations"}

func TestOpen_MigratesVersion2DatabaseToProxyTrustSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fedgate.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Turn it back into a version-2 database, as shipped before proxy trust.
	rawExec(t, path, append(append(dropAppPasswords, dropProxyTrust...), "DELETE FROM schema_version WHERE version > 2")...)
	s = open(t, path)
	if err := s.Revoke(t.Context(), "0a", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatalf("Revoke after migrating from version 2: %v", err)
	}
	if r, err := s.IsRevoked(t.Context(), "0a"); err != nil || !r {
		t.Fatalf("IsRevoked = %v, %v", r, err)
	}
}

func TestGetLockout_TamperedRowIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fedgate.db")
	s := open(t, path)
	if _, err := s.UpdateLockout(t.Context(), "key", func(lockout.State) (lockout.State, error) {
		return lockout.State{FamiliarIPs: []string{"10.0.0.5"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	rawExec(t, path, "UPDATE lockout SET familiar_ips = '10.0.0.5 0.0.0.0/0'")
	if _, _, err := s.GetLockout(t.Context(), "key"); err == nil {
		t.Fatal("GetLockout accepted a familiar IP list that is not a list of IPs")
	}
	called := false
	if _, err := s.UpdateLockout(t.Context(), "key", func(c lockout.State) (lockout.State, error) { called = true; return c, nil }); err == nil || called {
		t.Fatalf("UpdateLockout on a tampered row: err %v, fn called %v; want an error before fn", err, called)
	}
}
