package proxytrust_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/proxytrust/proxytrusttest"
)

// commandEnv is a Commands wired to files in a temp dir and one in-memory
// store shared by every invocation, as fedgate's database would be.
type commandEnv struct {
	cmds  *proxytrust.Commands
	store *proxytrusttest.Store
	dir   string
}

func newCommandEnv(t *testing.T) *commandEnv {
	t.Helper()
	dir := t.TempDir()
	clock := proxytrusttest.NewClock(time.Now())
	st := proxytrusttest.NewStore(clock.Now)
	return &commandEnv{dir: dir, store: st, cmds: &proxytrust.Commands{
		Settings: func(path string) (proxytrust.Settings, error) {
			if path != "fedgate.yaml" {
				t.Errorf("config path %q", path)
			}
			return proxytrust.Settings{CACertFile: filepath.Join(dir, "ca.crt"), CAKeyFile: filepath.Join(dir, "ca.key")}, nil
		},
		OpenStore: func(context.Context, string) (proxytrust.Store, func() error, error) {
			return st, func() error { return nil }, nil
		},
		DefaultConfig: "fedgate.yaml",
		Now:           clock.Now,
	}}
}

func (e *commandEnv) run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = e.cmds.Run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCommands_Lifecycle(t *testing.T) {
	e := newCommandEnv(t)
	if code, _, stderr := e.run(t, "issue", "--name", "wap1.contoso.com"); code != 2 || !strings.Contains(stderr, "init-ca") {
		t.Fatalf("issue before init-ca: %d %q", code, stderr)
	}
	if code, _, stderr := e.run(t, "init-ca"); code != 0 {
		t.Fatalf("init-ca: %d %s", code, stderr)
	}
	st, err := os.Stat(filepath.Join(e.dir, "ca.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("CA key file: %v mode %v, want 0600", err, st.Mode().Perm())
	}
	if code, _, _ := e.run(t, "init-ca"); code != 1 {
		t.Fatalf("second init-ca overwrote the CA (exit %d)", code)
	}

	code, stdout, stderr := e.run(t, "issue", "--name", "wap1.contoso.com", "--ttl", "30m")
	if code != 0 {
		t.Fatalf("issue: %d %s", code, stderr)
	}
	tok, err := proxytrust.ParseToken(stdout)
	if err != nil {
		t.Fatalf("stdout %q is not just the token: %v", stdout, err)
	}
	if strings.Contains(stderr, tok.Reveal()) || !strings.Contains(stderr, "wap1.contoso.com") {
		t.Fatalf("stderr repeats the token or lacks the name: %q", stderr)
	}

	ca, err := proxytrust.LoadCA(filepath.Join(e.dir, "ca.crt"), filepath.Join(e.dir, "ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := proxytrust.New(proxytrust.Config{CA: ca, Store: e.store})
	if err != nil {
		t.Fatal(err)
	}
	_, _, csr := newCSR(t)
	cert, err := a.Enroll(t.Context(), tok, csr)
	if err != nil {
		t.Fatalf("enroll with the printed token: %v", err)
	}
	serial := proxytrust.SerialString(cert.SerialNumber)

	if code, stdout, _ := e.run(t, "list"); code != 0 || !strings.Contains(stdout, serial) || !strings.Contains(stdout, "valid") {
		t.Fatalf("list: %d\n%s", code, stdout)
	}
	if code, stdout, stderr := e.run(t, "revoke", "--serial", strings.ToUpper(serial)); code != 0 || !strings.Contains(stdout, serial) {
		t.Fatalf("revoke: %d %s %s", code, stdout, stderr)
	}
	if code, stdout, _ := e.run(t, "list"); code != 0 || !strings.Contains(stdout, "revoked") {
		t.Fatalf("list after revoke: %d\n%s", code, stdout)
	}
	if code, _, _ := e.run(t, "revoke", "--name", "wap1.contoso.com"); code != 0 {
		t.Fatalf("revoke by name (already revoked) exit %d", code)
	}
}

func TestCommands_UsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no subcommand", nil},
		{"unknown subcommand", []string{"frobnicate"}},
		{"issue without name", []string{"issue"}},
		{"issue with a bad name", []string{"issue", "--name", "not a name"}},
		{"revoke with both selectors", []string{"revoke", "--serial", "ab", "--name", "wap1"}},
		{"revoke with neither", []string{"revoke"}},
		{"stray argument", []string{"list", "extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newCommandEnv(t)
			if code, _, _ := e.run(t, tt.args...); code != 2 {
				t.Fatalf("exit %d, want 2", code)
			}
		})
	}
}

func TestCommands_RevokeUnknownSerial(t *testing.T) {
	e := newCommandEnv(t)
	if code, _, stderr := e.run(t, "init-ca"); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := e.run(t, "revoke", "--serial", "abcdef"); code != 2 || !strings.Contains(stderr, "no certificate") {
		t.Fatalf("exit %d %q", code, stderr)
	}
}
