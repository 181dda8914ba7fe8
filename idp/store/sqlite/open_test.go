package sqlite_test

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/sqlite"
)

func TestOpen_CreatesPrivateFileAndReopens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir with space?#%", "fedgate.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	s := open(t, path)
	if _, err := s.UseOnce(t.Context(), "k", "id", time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("database not created at the literal path: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("mode = %v, want 0600", perm)
	}
	// A second Open of a migrated file applies nothing and sees the data.
	again := open(t, path)
	if first, err := again.UseOnce(t.Context(), "k", "id", time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || first {
		t.Fatalf("UseOnce after reopen = %v, %v; want false, nil", first, err)
	}
}

func TestOpen_Errors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
	}{
		{"empty path", ""},
		{"missing directory", filepath.Join(dir, "no", "such", "dir", "x.db")},
		{"directory", dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := sqlite.Open(t.Context(), tt.path); err == nil {
				s.Close()
				t.Fatal("Open succeeded, want error")
			}
		})
	}
}

func TestOpen_RefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fedgate.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', 'x')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err = sqlite.Open(t.Context(), path)
	if err == nil {
		s.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("err = %v, want ErrConflict", err)
	}
}

func TestUseOnce_ExpiryUsesInjectedClock(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "fedgate.db"), store.WithNow(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	until := now.Add(time.Minute)
	steps := []struct {
		name    string
		advance time.Duration
		want    bool
	}{
		{"first", 0, true},
		{"before expiry", 59 * time.Second, false},
		{"at expiry", time.Second, true},
	}
	for _, st := range steps {
		now = now.Add(st.advance)
		if got, err := s.UseOnce(t.Context(), "k", "id", until); err != nil || got != st.want {
			t.Fatalf("%s: UseOnce = %v, %v; want %v", st.name, got, err, st.want)
		}
	}
}

func TestTimesStoredAsUTCText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fedgate.db")
	s := open(t, path)
	at := time.Date(2031, 7, 8, 9, 10, 11, 123456789, time.FixedZone("x", -7*3600))
	if err := s.RecordAudit(t.Context(), store.AuditEvent{Time: at, User: "alice"}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var raw string
	if err := db.QueryRow("SELECT time FROM audit_events").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if want := "2031-07-08T16:10:11.123456Z"; raw != want {
		t.Errorf("stored time = %q, want %q", raw, want)
	}
}
