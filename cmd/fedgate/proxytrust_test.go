package main

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/idp/store/sqlite"
	"github.com/fedgate/fedgate/proxytrust"
)

// proxyTrustConfig writes a valid configuration with proxy_trust pointing
// into a temporary directory (the CA is not created) and returns its path
// and the directory.
func proxyTrustConfig(t *testing.T) (path, dir string) {
	t.Helper()
	path = auditConfig(t)
	dir = filepath.Dir(path)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("proxy_trust:\n  ca_cert_file: " + filepath.Join(dir, "pt-ca.crt") +
		"\n  ca_key_file: " + filepath.Join(dir, "pt-ca.key") + "\n"); err != nil {
		t.Fatal(err)
	}
	return path, dir
}

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestProxyTrust_InitIssueEnrollListRevoke walks the administrator's
// commands; the enrollment in the middle is what fedgate-proxy does over
// HTTPS, done here directly against the same CA and store.
func TestProxyTrust_InitIssueEnrollListRevoke(t *testing.T) {
	path, dir := proxyTrustConfig(t)

	code, out, errOut := runCmd(t, "proxy-trust", "init-ca", "--config", path)
	if code != 0 || !strings.Contains(out, "proxy-trust CA created") {
		t.Fatalf("init-ca: exit %d\n%s%s", code, out, errOut)
	}
	info, err := os.Stat(filepath.Join(dir, "pt-ca.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("CA key: %v, mode %v; want 0600", err, info.Mode().Perm())
	}
	if code, _, errOut := runCmd(t, "proxy-trust", "init-ca", "--config", path); code != 1 || !strings.Contains(errOut, "never overwritten") {
		t.Fatalf("second init-ca: exit %d: %s", code, errOut)
	}

	code, out, errOut = runCmd(t, "proxy-trust", "issue", "--config", path, "--name", "wap1.contoso.com")
	if code != 0 || !strings.Contains(errOut, "single use") {
		t.Fatalf("issue: exit %d\n%s%s", code, out, errOut)
	}
	tok, err := proxytrust.ParseToken(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("issue printed %q, not a token: %v", out, err)
	}

	ca, err := proxytrust.LoadCA(filepath.Join(dir, "pt-ca.crt"), filepath.Join(dir, "pt-ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "fedgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	auth, err := proxytrust.New(proxytrust.Config{CA: ca, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	key, err := proxytrust.NewKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := proxytrust.NewCSR(key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := proxytrust.ParseCSR(der)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := auth.Enroll(t.Context(), tok, csr)
	if err != nil {
		t.Fatalf("enroll with the issued token: %v", err)
	}
	serial := proxytrust.SerialString(cert.SerialNumber)

	code, out, errOut = runCmd(t, "proxy-trust", "list", "--config", path)
	if code != 0 || !strings.Contains(out, serial) || !strings.Contains(out, "wap1.contoso.com") || !strings.Contains(out, " valid") {
		t.Fatalf("list: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "proxy-trust", "revoke", "--config", path, "--name", "wap1.contoso.com")
	if code != 0 || !strings.Contains(out, "revoked "+serial) {
		t.Fatalf("revoke: exit %d\n%s%s", code, out, errOut)
	}
	if revoked, err := st.IsRevoked(t.Context(), serial); err != nil || !revoked {
		t.Fatalf("store: IsRevoked = %v, %v", revoked, err)
	}
	if code, out, _ := runCmd(t, "proxy-trust", "list", "--config", path); code != 0 || !strings.Contains(out, "revoked 20") {
		t.Fatalf("list after revoke: exit %d\n%s", code, out)
	}
}

func TestProxyTrust_UsageAndConfigurationErrors(t *testing.T) {
	off := auditConfig(t) // valid, proxy_trust not configured
	on, _ := proxyTrustConfig(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no subcommand", []string{"proxy-trust"}, 2, "fedgate proxy-trust issue"},
		{"unknown subcommand", []string{"proxy-trust", "trust-everyone"}, 2, `unknown command "trust-everyone"`},
		{"proxy trust off", []string{"proxy-trust", "issue", "--config", off, "--name", "wap1.contoso.com"}, 2, "set proxy_trust.ca_cert_file"},
		{"init-ca with proxy trust off", []string{"proxy-trust", "init-ca", "--config", off}, 2, "set proxy_trust.ca_cert_file"},
		{"no CA yet", []string{"proxy-trust", "list", "--config", on}, 2, "init-ca"},
		{"issue without name", []string{"proxy-trust", "issue", "--config", on}, 2, "--name is required"},
		{"issue bad name", []string{"proxy-trust", "issue", "--config", on, "--name", "wap 1"}, 2, "proxy name"},
		{"revoke both", []string{"proxy-trust", "revoke", "--config", on, "--serial", "0a", "--name", "wap1.contoso.com"}, 2, "exactly one"},
		{"missing config", []string{"proxy-trust", "list", "--config", filepath.Join(t.TempDir(), "none.yaml")}, 2, "none.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Fatalf("stderr lacks %q: %s", tt.want, errOut)
			}
		})
	}
	if code, out, _ := runCmd(t, "help"); code != 0 || !strings.Contains(out, "fedgate proxy-trust") {
		t.Fatalf("usage does not list proxy-trust: %s", out)
	}
}
