package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/cmd/internal/demo"
)

func TestRun_UsageAndVersion(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"no command", nil, 2, "Usage:"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"version", []string{"version"}, 0, "fedgate "},
		{"help", []string{"help"}, 0, "fedgate demo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(t.Context(), tt.args, &out, &errOut); code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, errOut.String())
			}
			if !strings.Contains(out.String()+errOut.String(), tt.out) {
				t.Fatalf("output lacks %q: %s%s", tt.out, out.String(), errOut.String())
			}
		})
	}
}

func TestCheckConfig_ReportsEveryProblemWithItsPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fedgate.yaml")
	if err := os.WriteFile(path, []byte("federation:\n  name: sts.contoso.com\ndirectory:\n  urls: [ldap://dc1:389]\nldap: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"check-config", "--config", path}, &out, &errOut); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut.String(), "ldap") {
		t.Fatalf("unknown key not named: %s", errOut.String())
	}
}

// TestCheckConfig_AcceptsTheDemoConfig runs check-config, which goes through
// the same construction path as serve, on the config the demo generates.
func TestCheckConfig_AcceptsTheDemoConfig(t *testing.T) {
	d, err := demo.Start(t.Context(), demo.Options{Listen: "127.0.0.1:0", MSOnlineListen: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"check-config", "--config", d.ConfigPath}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "configuration OK") {
		t.Fatalf("stdout: %s", out.String())
	}
	// A missing key file fails check-config as it would fail serve.
	if err := os.Remove(filepath.Join(d.DataDir, "signing.key")); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := run(t.Context(), []string{"check-config", "--config", d.ConfigPath}, &out, &errOut); code != 2 {
		t.Fatalf("exit %d with a missing key file", code)
	}
	if !strings.Contains(errOut.String(), "token_signing.key_file") {
		t.Fatalf("error does not name the key: %s", errOut.String())
	}
}

// TestCheckConfig_MissingProxyTrustCAFails: with proxy_trust set, the CA
// is read at build time, so check-config catches a missing key.
func TestCheckConfig_MissingProxyTrustCAFails(t *testing.T) {
	d, err := demo.Start(t.Context(), demo.Options{Listen: "127.0.0.1:0", MSOnlineListen: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := os.Remove(filepath.Join(d.DataDir, "proxy-trust-ca.key")); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"check-config", "--config", d.ConfigPath}, &out, &errOut); code != 2 {
		t.Fatalf("exit %d with a missing proxy-trust CA key", code)
	}
	if !strings.Contains(errOut.String(), "proxy_trust.ca_cert_file / ca_key_file") || !strings.Contains(errOut.String(), "init-ca") {
		t.Fatalf("error does not name the setting: %s", errOut.String())
	}
}
