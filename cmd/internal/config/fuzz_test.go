package config_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/cmd/internal/config"
)

// FuzzParse checks that Parse never panics, that whatever it accepts
// validates again, and that an accepted config survives
// marshal → Parse → marshal unchanged (with inline secrets, which marshal
// as "[redacted]", moved to files first).
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(examplePath)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(minimalYAML))
	f.Add([]byte(aliasBomb()))
	f.Add([]byte(strings.Replace(minimalYAML, "listen:\n", "listen:\n  <<: {read_timeout: 45s}\n", 1)))
	f.Add([]byte(minimalYAML + "ldap: {}\n"))
	f.Add([]byte(minimalYAML + "proxy_trust: {ca_cert_file: /a.crt, ca_key_file: /a.key, revocation_cache_ttl: 0}\nrelying_parties: {office365: {mfa: extranet_only}}\n"))
	f.Add([]byte(minimalYAML + "---\n{}\n"))
	f.Add([]byte("federation: {name: x}\nlisten: &l {address: ':1'}\nsession: *l\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(data)
		if err != nil {
			if cfg.Federation.Name != "" {
				t.Fatalf("Parse() returned a non-zero Config with error %v", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted config does not re-validate: %v", err)
		}
		moveSecretsToFiles(&cfg)
		out, err := yaml.Marshal(cfg)
		if err != nil {
			t.Fatalf("yaml.Marshal(accepted) = %v", err)
		}
		again, err := config.Parse(out)
		if err != nil {
			t.Fatalf("Parse(yaml.Marshal(accepted)) = %v\n%s", err, out)
		}
		out2, err := yaml.Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("marshal → parse → marshal changed the config:\n%s\n---\n%s", out, out2)
		}
	})
}

// moveSecretsToFiles replaces every inline secret with a file reference,
// which marshals losslessly and validates the same way.
func moveSecretsToFiles(c *config.Config) {
	pairs := []struct {
		value *config.Secret
		file  *string
	}{
		{&c.Directory.BindPassword, &c.Directory.BindPasswordFile},
		{&c.MFA.SealKey, &c.MFA.SealKeyFile},
		{&c.Session.Key, &c.Session.KeyFile},
		{&c.Store.DSN, &c.Store.DSNFile},
	}
	for _, p := range pairs {
		if p.value.IsSet() {
			*p.value, *p.file = "", "/run/secrets/x"
		}
	}
}
