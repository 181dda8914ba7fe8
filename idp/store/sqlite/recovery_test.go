package sqlite_test

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/store/sqlite"
)

// dropRecoveryCodes undoes migration 0005 (and 0006, which follows it).
var dropRecoveryCodes = append([]string{"DROP TABLE mfa_recovery_codes"}, dropRelyingParties...)

func TestOpen_MigratesVersion4DatabaseToRecoveryCodeSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fedgate.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Turn it back into a version-4 database, as shipped before recovery codes.
	rawExec(t, path, append(dropRecoveryCodes, "DELETE FROM schema_version WHERE version > 4")...)
	s = open(t, path)
	h := bytes.Repeat([]byte{7}, 32)
	if err := s.ReplaceRecoveryCodes(t.Context(), "u", [][]byte{h}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatalf("ReplaceRecoveryCodes after migrating from version 4: %v", err)
	}
	if ok, err := s.ConsumeRecoveryCode(t.Context(), "u", h); err != nil || !ok {
		t.Fatalf("ConsumeRecoveryCode = %v, %v", ok, err)
	}
}
