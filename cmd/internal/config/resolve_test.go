package config_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/cmd/internal/config"
)

// writeFile writes content to name under dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// fileSecrets returns valid() with every secret moved into a file.
func fileSecrets(t *testing.T, dir string) *config.Config {
	t.Helper()
	c := valid(t)
	c.Directory.BindPassword, c.Directory.BindPasswordFile = "", writeFile(t, dir, "bind", "S3cret-Bind\r\n")
	c.MFA.SealKey, c.MFA.SealKeyFile = "", writeFile(t, dir, "seal", testSealKey+"\n")
	c.Session.Key, c.Session.KeyFile = "", writeFile(t, dir, "session", testSessionKey)
	c.Store.Driver = config.DriverPostgres
	c.Store.DSNFile = writeFile(t, dir, "dsn", "postgres://fedgate:S3cret-DSN@db/fedgate\n\n")
	return c
}

func TestResolveSecrets_ReadsFilesAndTrimsNewlines(t *testing.T) {
	c := fileSecrets(t, t.TempDir())
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() before ResolveSecrets = %v", err)
	}
	if err := c.ResolveSecrets(); err != nil {
		t.Fatalf("ResolveSecrets() = %v", err)
	}
	checks := []struct{ name, got, want string }{
		{"bind password", c.Directory.BindPassword.Reveal(), "S3cret-Bind"},
		{"seal key", c.MFA.SealKey.Reveal(), testSealKey},
		{"session key", c.Session.Key.Reveal(), testSessionKey},
		{"dsn", c.Store.DSN.Reveal(), "postgres://fedgate:S3cret-DSN@db/fedgate"},
		{"bind file cleared", c.Directory.BindPasswordFile, ""},
		{"seal file cleared", c.MFA.SealKeyFile, ""},
		{"session file cleared", c.Session.KeyFile, ""},
		{"dsn file cleared", c.Store.DSNFile, ""},
	}
	for _, ck := range checks {
		t.Run(ck.name, func(t *testing.T) {
			if ck.got != ck.want {
				t.Errorf("got %q, want %q", ck.got, ck.want)
			}
		})
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() after ResolveSecrets = %v", err)
	}
	if key, err := c.MFA.SealKey.Key32(); err != nil || len(key) != config.KeySize {
		t.Fatalf("SealKey.Key32() = %d bytes, %v", len(key), err)
	}
}

func TestResolveSecrets_ErrorsNameThePathNeverTheContent(t *testing.T) {
	const leak = "Do-Not-Print-Me-1234567890abcdefghijkl"
	dir := t.TempDir()
	tests := []struct {
		name   string
		mutate func(c *config.Config)
		path   string
		want   string
	}{
		{"missing file", func(c *config.Config) { c.Directory.BindPasswordFile = filepath.Join(dir, "nope") }, "directory.bind_password_file", "cannot be read: open " + filepath.Join(dir, "nope")},
		{"directory", func(c *config.Config) { c.Directory.BindPasswordFile = dir }, "directory.bind_password_file", "is not a regular file"},
		{"empty file", func(c *config.Config) { c.Directory.BindPasswordFile = writeFile(t, dir, "empty", "\n") }, "directory.bind_password_file", "is empty"},
		{"too large", func(c *config.Config) {
			c.Directory.BindPasswordFile = writeFile(t, dir, "big", strings.Repeat(leak, config.MaxSecretFileSize/len(leak)+1))
		}, "directory.bind_password_file", "is larger than 65536 bytes"},
		{"seal key not base64", func(c *config.Config) { c.MFA.SealKeyFile = writeFile(t, dir, "badseal", leak+"\n") }, "mfa.seal_key_file", "does not hold a valid key: the content is not valid base64"},
		{"session key short", func(c *config.Config) { c.Session.KeyFile = writeFile(t, dir, "short", "QUJD\n") }, "session.key_file", "is 3 bytes after base64 decoding"},
		{"value and file", func(c *config.Config) { c.Directory.BindPassword = leak }, "directory.bind_password", "set exactly one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fileSecrets(t, t.TempDir())
			tt.mutate(c)
			err := c.ResolveSecrets()
			probs := config.Problems(err)
			if len(probs) != 1 {
				t.Fatalf("ResolveSecrets() reported %d problems, want 1: %v", len(probs), err)
			}
			if probs[0].Path != tt.path {
				t.Errorf("path = %q, want %q", probs[0].Path, tt.path)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), leak) || strings.Contains(err.Error(), "S3cret") {
				t.Errorf("error %q repeats secret content", err)
			}
		})
	}
}

func TestResolveSecrets_ReportsEveryFile(t *testing.T) {
	dir := t.TempDir()
	c := valid(t)
	c.Directory.BindPassword, c.Directory.BindPasswordFile = "", filepath.Join(dir, "a")
	c.MFA.SealKey, c.MFA.SealKeyFile = "", filepath.Join(dir, "b")
	c.Session.Key, c.Session.KeyFile = "", filepath.Join(dir, "c")
	got := problemPaths(t, c.ResolveSecrets())
	want := []string{"directory.bind_password_file", "mfa.seal_key_file", "session.key_file"}
	if !slices.Equal(got, want) {
		t.Fatalf("paths = %q, want %q", got, want)
	}
}

func TestResolveSecrets_NothingToDo(t *testing.T) {
	c := valid(t)
	before := *c
	if err := c.ResolveSecrets(); err != nil {
		t.Fatalf("ResolveSecrets() = %v", err)
	}
	if c.Directory.BindPassword != before.Directory.BindPassword || c.Session.Key != before.Session.Key {
		t.Fatal("ResolveSecrets() changed inline secrets")
	}
}
