package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/cmd/internal/config"
)

// minimalYAML sets every required key and nothing else.
const minimalYAML = `federation:
  name: sts.contoso.com
listen:
  tls_cert_file: /etc/fedgate/tls.crt
  tls_key_file: /etc/fedgate/tls.key
token_signing:
  cert_file: /etc/fedgate/signing.crt
  key_file: /etc/fedgate/signing.key
directory:
  urls: [ldaps://dc1.corp.contoso.com:636, ldaps://dc2.corp.contoso.com]
  bind_dn: CN=svc-fedgate,OU=Service Accounts,DC=corp,DC=contoso,DC=com
  bind_password: bind-password
  base_dn: DC=corp,DC=contoso,DC=com
mfa:
  seal_key: ` + testSealKey + `
session:
  key: ` + testSessionKey + `
`

func TestParse_MinimalEqualsValid(t *testing.T) {
	got, err := config.Parse([]byte(minimalYAML))
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	if want := valid(t); !reflect.DeepEqual(got, *want) {
		t.Fatalf("Parse(minimal) =\n%+v\nwant\n%+v", got, *want)
	}
}

func TestParse_OverridesDefaultsAndKeepsTheRest(t *testing.T) {
	got, err := config.Parse([]byte(strings.Replace(minimalYAML, "session:\n", "session:\n  lifetime: 1d12h\n", 1) + "log:\n  level: debug\n"))
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	if got.Session.Lifetime.Std() != 36*time.Hour {
		t.Errorf("session.lifetime = %v, want 36h", got.Session.Lifetime)
	}
	if got.Log.Level != "debug" || got.Log.Format != "json" {
		t.Errorf("log = %+v, want level debug and the default format json", got.Log)
	}
	if got.Session.CookieName != "fedgate_session" {
		t.Errorf("session.cookie_name = %q, want the default", got.Session.CookieName)
	}
}

func TestParse_DecodeErrorsNameKeyPathAndLine(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // substrings, one per expected problem, in order
	}{
		{
			name: "unknown key with suggestion",
			yaml: strings.Replace(minimalYAML, "  bind_password:", "  bind_pasword:", 1),
			want: []string{"directory.bind_pasword: unknown key (line 12); did you mean bind_password? allowed keys here: acquire_timeout, alternate_login_id, base_dn, bind_dn,"},
		},
		{
			name: "unknown top-level key",
			yaml: minimalYAML + "frobnicate: true\n",
			want: []string{"frobnicate: unknown key (line 18); allowed keys here: directory, extranet_lockout, federation, listen, log, mfa, proxy_trust, relying_parties, session, store, token_signing"},
		},
		{
			name: "removed ldap section",
			yaml: minimalYAML + "ldap:\n  url: ldaps://dc\n",
			want: []string{"ldap: is no longer supported (line 18); renamed to directory:"},
		},
		{
			name: "removed signing section",
			yaml: minimalYAML + "signing: {}\n",
			want: []string{"signing: is no longer supported (line 18); renamed to token_signing:"},
		},
		{
			name: "removed nested key",
			yaml: strings.Replace(minimalYAML, "  urls:", "  url: ldaps://x\n  urls:", 1),
			want: []string{"directory.url: is no longer supported (line 10); replaced by directory.urls"},
		},
		{
			name: "repeated key",
			yaml: strings.Replace(minimalYAML, "  name: sts.contoso.com\n", "  name: sts.contoso.com\n  name: sts2.contoso.com\n", 1),
			want: []string{"federation.name: is repeated (line 3); it is first set at line 2; keep one"},
		},
		{
			name: "wrong types",
			yaml: minimalYAML + "store:\n  driver: [sqlite]\nlisten2: 1\n",
			want: []string{
				"store.driver: cannot use a list (line 19); expected a single string value",
				"listen2: unknown key (line 20); did you mean listen?",
			},
		},
		{
			name: "bool and the removed require_mfa",
			yaml: minimalYAML + "relying_parties:\n  office365:\n    enabled: maybe\n    require_mfa: true\nlog: {level: info}\n",
			want: []string{
				`relying_parties.office365.enabled: cannot use "maybe" (line 20); expected true or false`,
				`relying_parties.office365.require_mfa: is no longer supported (line 21); replaced by relying_parties.office365.mfa: always, extranet_only or never (require_mfa: true is mfa: always; false is mfa: never)`,
			},
		},
		{
			name: "proxy_trust duration and file",
			yaml: minimalYAML + "proxy_trust:\n  cert_lifetime: 30\n  ca_cert_file: [a]\n",
			want: []string{
				`proxy_trust.cert_lifetime: "30" has no unit (line 19); use a number with a unit, such as 90s, 5m, 8h or 1d`,
				`proxy_trust.ca_cert_file: cannot use a list (line 20); expected a single string value`,
			},
		},
		{
			name: "bad duration and size",
			yaml: minimalYAML + "store: {driver: sqlite}\nrelying_parties: {}\nlog: {}\ntoken_signing2: x\n",
			want: []string{"token_signing2: unknown key"},
		},
		{
			name: "negative duration",
			yaml: strings.Replace(minimalYAML, "session:\n", "session:\n  lifetime: -8h\n", 1),
			want: []string{`session.lifetime: "-8h" is negative (durations cannot be negative) (line 17); use a number with a unit, such as 90s, 5m, 8h or 1d`},
		},
		{
			name: "section given as a value",
			yaml: minimalYAML + "log: debug\n",
			want: []string{"log: is a single value, not a section (line 18); write its keys indented below log:"},
		},
		{
			name: "secret of wrong type is not echoed",
			yaml: strings.Replace(minimalYAML, "  bind_password: bind-password", "  bind_password: {nested: hunter2}", 1),
			want: []string{"directory.bind_password: cannot use a mapping (line 12); expected a single string value"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tt.yaml))
			if err == nil {
				t.Fatal("Parse() = nil error, want a decode error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "config: ") {
				t.Errorf("message %q lacks the config: prefix", msg)
			}
			probs := config.Problems(err)
			if len(probs) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(probs), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.Contains(probs[i].Error(), w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, probs[i].Error(), w)
				}
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("message %q repeats a secret value", msg)
			}
		})
	}
}

func TestParse_DocumentShapeErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"empty", "", "the configuration is empty"},
		{"only comments", "# nothing\n", "the configuration is empty"},
		{"null document", "~\n", "the configuration is empty"},
		{"list at top level", "- a\n- b\n", "line 1: the top level must be a mapping"},
		{"two documents", minimalYAML + "---\nlog: {level: debug}\n", "more than one YAML document (second at line 18)"},
		{"trailing separator", minimalYAML + "---\n", "more than one YAML document"},
		{"syntax error", "federation:\n  name: [a\n", "YAML syntax"},
		{"tab indentation", "federation:\n\tname: x\n", "YAML syntax"},
		{"too large", strings.Repeat("#", config.MaxFileSize+1), "the limit is 1048576"},
		{"alias bomb", aliasBomb(), "relying_parties.office365.reply_urls: cannot use a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tt.data))
			if err == nil {
				t.Fatal("Parse() = nil error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse() = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// aliasBomb is a "billion laughs" document inside a valid key: each
// anchor doubles the expansion of the one before.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString(minimalYAML)
	b.WriteString("relying_parties:\n  office365:\n    reply_urls:\n      - &a0 [x, x]\n")
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&b, "      - &a%d [*a%d, *a%d]\n", i, i-1, i-1)
	}
	return b.String()
}

func TestParse_AnchorsAndMergeKeys(t *testing.T) {
	doc := `x-timeouts: &timeouts
  read_timeout: 45s
  write_timeout: 45s
` + minimalYAML + `listen2: {}
`
	if _, err := config.Parse([]byte(doc)); err == nil {
		t.Fatal("unknown top-level keys used as anchors must be rejected")
	}
	doc = strings.Replace(minimalYAML, "listen:\n", "listen:\n  <<: {read_timeout: 45s, write_timeout: 45s, bogus: 1}\n  write_timeout: 50s\n", 1)
	_, err := config.Parse([]byte(doc))
	if probs := config.Problems(err); len(probs) != 1 || probs[0].Path != "listen.bogus" {
		t.Fatalf("Parse() with a merged unknown key = %v, want exactly listen.bogus", err)
	}
	doc = strings.Replace(minimalYAML, "listen:\n", "listen:\n  <<: {read_timeout: 45s, write_timeout: 45s}\n  write_timeout: 50s\n", 1)
	cfg, err := config.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse() with merge key = %v", err)
	}
	if cfg.Listen.ReadTimeout.Std() != 45*time.Second || cfg.Listen.WriteTimeout.Std() != 50*time.Second {
		t.Errorf("listen = %+v, want read 45s (merged) and write 50s (explicit wins)", cfg.Listen)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "fedgate.yaml")
	if err := os.WriteFile(good, []byte(minimalYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(good); err != nil {
		t.Fatalf("Load(good) = %v", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(minimalYAML, "sts.contoso.com", "", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, config.MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope.yaml"), "no such file"},
		{"directory", dir, "is not a regular file"},
		{"too large", big, "is larger than 1048576 bytes"},
		{"invalid", bad, "config: " + bad + ": 1 invalid value:\nfederation.name: is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load() = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
