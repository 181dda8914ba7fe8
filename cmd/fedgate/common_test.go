package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/fedgate/fedgate/idp/store/sqlite"
)

// testConfig is a temporary directory holding fedgate.yaml, a valid
// configuration whose store is the SQLite file fedgate.db next to it.
type testConfig struct {
	dir    string // the temporary directory
	config string // path of fedgate.yaml
	db     string // path of the SQLite store
}

// placeholderDirectory is the body of a directory section for commands
// that never dial the directory.
const placeholderDirectory = `  urls: [ldaps://dc1.corp.contoso.com]
  bind_dn: CN=svc,DC=corp,DC=contoso,DC=com
  bind_password: pw
  base_dn: DC=corp,DC=contoso,DC=com
`

// newTestConfig writes fedgate.yaml into a new temporary directory, with
// directory as the body of its directory section (placeholderDirectory,
// or the keys of a running ldaptest directory) and extra YAML appended.
func newTestConfig(t *testing.T, directory, extra string) testConfig {
	t.Helper()
	dir := t.TempDir()
	c := testConfig{dir: dir, config: filepath.Join(dir, "fedgate.yaml"), db: filepath.Join(dir, "fedgate.db")}
	cfg := fmt.Sprintf(`federation:
  name: sts.contoso.com
listen:
  tls_cert_file: /etc/fedgate/tls.crt
  tls_key_file: /etc/fedgate/tls.key
token_signing:
  cert_file: /etc/fedgate/signing.crt
  key_file: /etc/fedgate/signing.key
directory:
%smfa:
  seal_key: AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=
session:
  key: AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=
store:
  driver: sqlite
  path: %s
%s`, directory, c.db, extra)
	if err := os.WriteFile(c.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}

// file writes content under the configuration's directory and returns
// its path.
func (c testConfig) file(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// openStore opens the configuration's SQLite store, as another process
// would; it is closed when the test ends.
func (c testConfig) openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}
