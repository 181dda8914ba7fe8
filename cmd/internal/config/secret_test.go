package config_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/cmd/internal/config"
)

// Distinctive secret values; none may appear in any rendering.
const (
	rawBindPassword = "Bind-Pa55-QwErTy-7781"
	rawSealKey      = "c2VhbGtleS1zZWFsa2V5LXNlYWxrZXktc2VhbGtleSE=" // 32 bytes
	rawSessionKey   = "c2Vzc2lvbi1zZXNzaW9uLXNlc3Npb24tc2Vzc2lvbiE=" // 32 bytes
	rawDSNPassword  = "Pg-Pa55-ZxCvB-4410"
)

// secretConfig returns a valid config with every secret kind set.
func secretConfig(t *testing.T) config.Config {
	t.Helper()
	c := valid(t)
	c.Directory.BindPassword = rawBindPassword
	c.MFA.SealKey = rawSealKey
	c.Session.Key = rawSessionKey
	c.Store.Driver = config.DriverPostgres
	c.Store.DSN = config.Secret("postgres://fedgate:" + rawDSNPassword + "@db.corp.contoso.com/fedgate")
	if err := c.Validate(); err != nil {
		t.Fatalf("secretConfig does not validate: %v", err)
	}
	return *c
}

// assertNoSecret fails if out contains any raw secret value, in plain or
// hex form.
func assertNoSecret(t *testing.T, what, out string) {
	t.Helper()
	for _, raw := range []string{rawBindPassword, rawSealKey, rawSessionKey, rawDSNPassword} {
		if strings.Contains(out, raw) || strings.Contains(out, hex.EncodeToString([]byte(raw))) {
			t.Errorf("%s leaks a secret:\n%s", what, out)
		}
	}
	if !strings.Contains(out, "[redacted]") && !strings.Contains(out, hex.EncodeToString([]byte("[redacted]"))) {
		t.Errorf("%s does not show [redacted]; the test is not looking at secrets:\n%s", what, out)
	}
}

func TestSecret_NeverLoggedPrintedOrEncoded(t *testing.T) {
	cfg := secretConfig(t)
	if cfg.Directory.BindPassword.Reveal() != rawBindPassword {
		t.Fatal("Reveal() does not return the value")
	}
	values := map[string]any{
		"config":          cfg,
		"config pointer":  &cfg,
		"directory":       cfg.Directory,
		"mfa":             cfg.MFA,
		"session":         cfg.Session,
		"store":           cfg.Store,
		"bind password":   cfg.Directory.BindPassword,
		"dsn":             cfg.Store.DSN,
		"secrets in list": []config.Secret{cfg.MFA.SealKey, cfg.Session.Key},
		"secrets in map":  map[string]config.Secret{"k": cfg.Session.Key},
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("loaded", slog.Any("config", v))
			assertNoSecret(t, "slog JSON", buf.String())

			buf.Reset()
			slog.New(slog.NewTextHandler(&buf, nil)).Info("loaded", slog.Any("config", v), "v", v)
			assertNoSecret(t, "slog text", buf.String())

			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"} {
				assertNoSecret(t, "fmt "+verb, fmt.Sprintf(verb, v))
			}
			y, err := yaml.Marshal(v)
			if err != nil {
				t.Fatalf("yaml.Marshal: %v", err)
			}
			assertNoSecret(t, "yaml.Marshal", string(y))
			j, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("json.Marshal: %v", err)
			}
			assertNoSecret(t, "json.Marshal", string(j))
		})
	}
}

func TestSecret_NotInValidationErrors(t *testing.T) {
	c := secretConfig(t)
	// A bind password set together with its file, keys that are valid
	// base64 of the wrong length, and a key reused across purposes.
	c.Directory.BindPasswordFile = "/etc/fedgate/bind-password"
	c.MFA.SealKey = config.Secret(rawBindPassword)
	c.Session.Key = c.MFA.SealKey
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate() = nil")
	}
	for _, raw := range []string{rawBindPassword, rawSealKey, rawSessionKey, rawDSNPassword} {
		if strings.Contains(err.Error(), raw) {
			t.Fatalf("Validate() error leaks a secret: %v", err)
		}
	}
}

func TestSecret_Key32(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"std padded", testSealKey, ""},
		{"std unpadded", strings.TrimRight(testSealKey, "="), ""},
		{"url unpadded", "-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s", ""},
		{"empty", "", "is empty"},
		{"short", "AQEBAQ==", "is 4 bytes after base64 decoding; want exactly 32"},
		{"long", testSealKey[:40] + "AQEBAQE=", "is 35 bytes"},
		{"not base64", "Not-Base64-At-All!!!", "is not valid base64"},
		{"hex", strings.Repeat("ab", 32), "is 64 characters long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := config.Secret(tt.in).Key32()
			if tt.wantErr == "" {
				if err != nil || len(key) != config.KeySize {
					t.Fatalf("Key32() = %d bytes, %v", len(key), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Key32() = %v, want error containing %q", err, tt.wantErr)
			}
			if tt.in != "" && strings.Contains(err.Error(), tt.in) {
				t.Errorf("Key32() error %q repeats the key", err)
			}
			if !strings.Contains(err.Error(), "openssl rand -base64 32") {
				t.Errorf("Key32() error %q does not say how to make a key", err)
			}
		})
	}
}

func TestSecret_EmptyShowsEmpty(t *testing.T) {
	var s config.Secret
	j, _ := json.Marshal(s)
	y, _ := yaml.Marshal(map[string]config.Secret{"k": s})
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "k", s)
	got := []string{s.String(), fmt.Sprintf("%v|%#v|%q", s, s, s), string(j), string(y), buf.String()}
	want := []string{"", `|""|""`, `""`, "k: \"\"\n", `"k":""`}
	for i := range got {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("rendering %d = %q, want it to contain %q", i, got[i], want[i])
		}
	}
	if s.IsSet() || !config.Secret("x").IsSet() {
		t.Error("IsSet is wrong")
	}
}
