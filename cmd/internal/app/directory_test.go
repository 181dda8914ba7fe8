package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/cmd/internal/app"
	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

func TestOpenDirectory(t *testing.T) {
	d := ldaptest.NewT(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, d.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	dc := config.Default().Directory
	dc.URLs, dc.CAFile, dc.BindDN, dc.BaseDN = []string{d.URL()}, ca, d.BindDN(), d.BaseDN()
	dc.BindPassword = config.Secret(d.BindPassword())

	c, err := app.OpenDirectory(dc, nil)
	if err != nil {
		t.Fatalf("OpenDirectory: %v", err)
	}
	defer c.Close()
	u, err := c.Resolve(t.Context(), "alice@contoso.com")
	if err != nil || u.UPN != "alice@contoso.com" {
		t.Fatalf("Resolve = %+v, %v", u, err)
	}

	dc.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	if _, err := app.OpenDirectory(dc, nil); err == nil || !strings.Contains(err.Error(), "directory.ca_file") {
		t.Fatalf("missing CA file: err = %v", err)
	}
}
