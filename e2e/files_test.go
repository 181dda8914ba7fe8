package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// writeFile writes data to name under dir, readable by the owner only, and
// returns its path: the metadata, certificates, keys and documents the
// independent verifiers read.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
