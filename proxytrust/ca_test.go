package proxytrust_test

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
)

func TestParseCA(t *testing.T) {
	now := time.Now()
	certA, keyA, err := proxytrust.GenerateCA("", now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, keyB, err := proxytrust.GenerateCA("", now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, nil)
	leaf := proxytrustEnrollPEM(t, f)
	tests := []struct {
		name      string
		cert, key []byte
		wantErr   string
	}{
		{"matching pair", certA, keyA, ""},
		{"key of another CA", certA, keyB, "does not match"},
		{"leaf instead of CA", leaf, keyA, "not a CA"},
		{"two certificates", append(append([]byte(nil), certA...), certA...), keyA, "exactly"},
		{"no key", certA, nil, "no PEM private key"},
		{"no certificate", nil, keyA, "no PEM CERTIFICATE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca, err := proxytrust.ParseCA(tt.cert, tt.key)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				c := ca.Certificate()
				if !c.IsCA || !c.MaxPathLenZero || c.NotAfter.Sub(c.NotBefore) < proxytrust.DefaultCALifetime {
					t.Fatalf("CA certificate shape: IsCA=%v MaxPathLenZero=%v validity=%s", c.IsCA, c.MaxPathLenZero, c.NotAfter.Sub(c.NotBefore))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func proxytrustEnrollPEM(t *testing.T, f *fixture) []byte {
	t.Helper()
	_, _, csr := newCSR(t)
	cert, err := f.a.Enroll(t.Context(), f.issueToken(t, "wap1.contoso.com"), csr)
	if err != nil {
		t.Fatal(err)
	}
	return proxytrust.CertificatePEM(cert)
}

func TestLoadCA_NamesTheMissingFile(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM, err := proxytrust.GenerateCA("", time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := proxytrust.LoadCA(certFile, keyFile); err == nil || !strings.Contains(err.Error(), "ca.key") {
		t.Fatalf("err = %v, want it to name ca.key", err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := proxytrust.LoadCA(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
}
