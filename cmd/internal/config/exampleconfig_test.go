package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/cmd/internal/config"
)

// examplePath is the shipped, fully commented example configuration.
const examplePath = "../../../deploy/fedgate.example.yaml"

func TestExampleConfig_ParsesValidatesAndResolves(t *testing.T) {
	cfg, err := config.Load(examplePath)
	if err != nil {
		t.Fatalf("Load(%s) = %v", examplePath, err)
	}
	// The example shows deployment paths; point its secret files at the
	// copies under testdata/secrets.
	files := []struct {
		name string
		ptr  *string
	}{
		{"bind-password", &cfg.Directory.BindPasswordFile},
		{"mfa.key", &cfg.MFA.SealKeyFile},
		{"session.key", &cfg.Session.KeyFile},
	}
	for _, f := range files {
		if *f.ptr != "/etc/fedgate/"+f.name {
			t.Fatalf("example sets %q, want /etc/fedgate/%s", *f.ptr, f.name)
		}
		*f.ptr = filepath.Join("testdata", "secrets", f.name)
	}
	if err := cfg.ResolveSecrets(); err != nil {
		t.Fatalf("ResolveSecrets() = %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate() after ResolveSecrets = %v", err)
	}
	if got := cfg.Directory.BindPassword.Reveal(); got != "Example-Bind-Passw0rd!" {
		t.Errorf("bind password = %q", got)
	}
	for _, k := range []config.Secret{cfg.MFA.SealKey, cfg.Session.Key} {
		if _, err := k.Key32(); err != nil {
			t.Errorf("example key: %v", err)
		}
	}
}

// TestExampleConfig_ShowsEveryKeyWithItsDefault keeps the example in step
// with the schema: every key appears, and every key whose default is a
// concrete value shows exactly that value.
func TestExampleConfig_ShowsEveryKeyWithItsDefault(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	defaults := config.Default()
	var defDoc map[string]any
	out, err := yaml.Marshal(defaults)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(out, &defDoc); err != nil {
		t.Fatal(err)
	}
	// Keys whose example value deliberately differs from the default (the
	// default is empty or derived, or the example shows a second value).
	differs := map[string]bool{
		"federation.name": true, "federation.display_name": true,
		"listen.tls_cert_file": true, "listen.tls_key_file": true,
		"token_signing.cert_file": true, "token_signing.key_file": true,
		"directory.urls": true, "directory.ca_file": true, "directory.bind_dn": true,
		"directory.bind_password_file": true, "directory.base_dn": true,
		"mfa.issuer": true, "mfa.seal_key_file": true, "session.key_file": true,
	}
	var walk func(prefix string, want, got map[string]any)
	walk = func(prefix string, want, got map[string]any) {
		for k, wv := range want {
			path := strings.TrimPrefix(prefix+"."+k, ".")
			gv, ok := got[k]
			if !ok {
				t.Errorf("example lacks %s", path)
				continue
			}
			if wm, ok := wv.(map[string]any); ok {
				gm, _ := gv.(map[string]any)
				walk(path, wm, gm)
				continue
			}
			if differs[path] {
				continue
			}
			if !reflect.DeepEqual(normalize(t, wv), normalize(t, gv)) {
				t.Errorf("example %s = %v, default is %v", path, gv, wv)
			}
		}
	}
	walk("", defDoc, doc)
}

// normalize compares durations by value ("2m" in the example, "2m" or
// "120s" elsewhere).
func normalize(t *testing.T, v any) any {
	t.Helper()
	if s, ok := v.(string); ok {
		if d, err := config.ParseDuration(s); err == nil && s != "0" {
			return d
		}
	}
	return v
}
