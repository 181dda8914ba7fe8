package adlab

import (
	"bytes"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

// labEnv is an env file as deploy/samba-ad-lab.sh writes it, with caFile
// spliced in.
func labEnv(caFile string) string {
	return `# Samba AD lab written by deploy/samba-ad-lab.sh
FEDGATE_AD_LDAPS_URL='ldaps://127.0.0.1:636'
FEDGATE_AD_STARTTLS_URL='ldap://127.0.0.1:389'
FEDGATE_AD_CA_FILE='` + caFile + `'
FEDGATE_AD_BASE_DN='DC=corp,DC=contoso,DC=test'
FEDGATE_AD_REALM='CORP.CONTOSO.TEST'
FEDGATE_AD_DOMAIN='CORP'
FEDGATE_AD_UPN_SUFFIX='contoso.test'
FEDGATE_AD_BIND_DN='CN=svc fedgate,CN=Users,DC=corp,DC=contoso,DC=test'
FEDGATE_AD_BIND_PASSWORD='Svc-Lab-Passw0rd!'
FEDGATE_AD_ADMIN_DN='CN=Administrator,CN=Users,DC=corp,DC=contoso,DC=test'
FEDGATE_AD_ADMIN_PASSWORD='Adm1n-Lab-Passw0rd!'
FEDGATE_AD_LOCKOUT_THRESHOLD='5'
FEDGATE_AD_PASSWORD_ALICE='Al1ce-Lab-Passw0rd!'
FEDGATE_AD_PID='12345'
`
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatalf("write %s: %v", p, err)
	}
	return p
}

func TestParseEnv(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]string
		wantErr  string
	}{
		{"quoted and bare", "A='x y!#'\nB=plain\n", map[string]string{"A": "x y!#", "B": "plain"}, ""},
		{"comments, blanks, export", "# c\n\n  export A='1'  \n", map[string]string{"A": "1"}, ""},
		{"empty quoted value", "A=''", map[string]string{"A": ""}, ""},
		{"value with =", "A='k=v'", map[string]string{"A": "k=v"}, ""},
		{"no =", "A\n", nil, "line 1"},
		{"lower-case key", "a='1'", nil, "must match"},
		{"digit first", "1A='1'", nil, "must match"},
		{"unterminated", "A='1", nil, "unterminated"},
		{"trailing text", "A='1'x", nil, "after the closing quote"},
		{"bare with space", "A=a b", nil, "single-quote"},
		{"bare with $", "A=$HOME", nil, "single-quote"},
		{"duplicate", "A='1'\nA='2'", nil, "line 2: A is set twice"},
		{"line too long", "A='" + strings.Repeat("x", MaxLineLen) + "'", nil, "limited"},
		{"file too large", strings.Repeat("#\n", MaxEnvSize/2+1), nil, "more than"},
		{"too many keys", func() string {
			var b strings.Builder
			for i := range MaxKeys + 1 {
				fmt.Fprintf(&b, "K%d='v'\n", i)
			}
			return b.String()
		}(), nil, "more than 256 keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEnv([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "adlab: ") {
					t.Fatalf("ParseEnv error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !maps.Equal(got, tt.want) {
				t.Fatalf("ParseEnv = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// formatEnv is ParseEnv's inverse for the fuzz property.
func formatEnv(m map[string]string) []byte {
	var b bytes.Buffer
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%s='%s'\n", k, m[k])
	}
	return b.Bytes()
}

// FuzzParseEnv: no panic, bounded output, and an accepted file formats
// back into one that parses to the same map.
func FuzzParseEnv(f *testing.F) {
	f.Add([]byte(labEnv("/tmp/fedgate-ad/pki/ca.pem")))
	f.Add([]byte("export A=b\n# x\nB='c d'"))
	f.Add([]byte("A='unterminated"))
	f.Add([]byte("A=1\nA=2"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseEnv(data)
		if err != nil {
			return
		}
		if len(m) > MaxKeys {
			t.Fatalf("%d keys accepted", len(m))
		}
		again, err := ParseEnv(formatEnv(m))
		if err != nil || !maps.Equal(again, m) {
			t.Fatalf("round trip: %v, %v; want %v", again, err, m)
		}
	})
}

func TestLoad(t *testing.T) {
	ca := writeFile(t, "ca.pem", string(ldaptest.NewT(t).CACertPEM()))
	t.Run("lab file", func(t *testing.T) {
		e, err := Load(writeFile(t, "env", labEnv(ca)))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if e.LDAPSURL != "ldaps://127.0.0.1:636" || e.BindDN != "CN=svc fedgate,CN=Users,DC=corp,DC=contoso,DC=test" ||
			e.LockoutThreshold != 5 || e.Password("ALICE") != "Al1ce-Lab-Passw0rd!" || e.RootCAs == nil {
			t.Errorf("Load = %+v", e)
		}
		cfg := e.Config()
		if cfg.URLs[0] != e.LDAPSURL || cfg.BaseDN != e.BaseDN || cfg.Validate() != nil {
			t.Errorf("Config() = %+v, Validate: %v", cfg, cfg.Validate())
		}
		if e.TLSConfig().ServerName != "127.0.0.1" {
			t.Errorf("TLSConfig().ServerName = %q", e.TLSConfig().ServerName)
		}
		var out bytes.Buffer
		slog.New(slog.NewJSONHandler(&out, nil)).Info("lab", "env", e)
		if strings.Contains(out.String(), "Passw0rd") {
			t.Errorf("LogValue leaks a password: %s", out.String())
		}
	})
	bad := []struct {
		name, content string
		want          []string
	}{
		{"missing keys all reported", "FEDGATE_AD_CA_FILE='" + ca + "'\n", []string{"LDAPS_URL is missing", "BIND_PASSWORD is missing", "LOCKOUT_THRESHOLD is missing"}},
		{"bad URL", strings.Replace(labEnv(ca), "ldaps://127.0.0.1:636", "ldap://127.0.0.1:636", 1), []string{"not an ldaps:// URL"}},
		{"bad threshold", strings.Replace(labEnv(ca), "THRESHOLD='5'", "THRESHOLD='x'", 1), []string{"LOCKOUT_THRESHOLD"}},
		{"CA missing", strings.Replace(labEnv(ca), ca, ca+".gone", 1), []string{"CA file"}},
		{"CA not PEM", strings.Replace(labEnv(ca), ca, writeFile(t, "junk.pem", "junk"), 1), []string{"no PEM certificate"}},
		{"syntax", "A=b c", []string{"env line 1", "(file "}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeFile(t, "env", tt.content))
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Load error = %v, want it to mention %q", err, w)
				}
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}

func TestDecide_SkipsOnlyWhenNotRequired(t *testing.T) {
	tests := []struct {
		name                         string
		env                          map[string]string
		wantPath, wantSkip, wantFail bool
	}{
		{"env file set", map[string]string{EnvVar: "/tmp/x/env"}, true, false, false},
		{"env file set and required", map[string]string{EnvVar: "/tmp/x/env", RequiredVar: "1"}, true, false, false},
		{"unset: skip", nil, false, true, false},
		{"unset under CI: skip", map[string]string{"CI": "true"}, false, true, false},
		{"unset but required: fail", map[string]string{"CI": "true", RequiredVar: "1"}, false, false, true},
		{"required=0: skip", map[string]string{RequiredVar: "0"}, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := decide(func(k string) string { return tt.env[k] })
			if (v.path != "") != tt.wantPath || (v.skip != "") != tt.wantSkip || (v.fail != "") != tt.wantFail {
				t.Errorf("decide = %+v", v)
			}
			if msg := v.skip + v.fail; msg != "" && !strings.Contains(msg, "samba-ad-lab.sh start") {
				t.Errorf("message %q does not say how to run the suite", msg)
			}
		})
	}
}
