package mfa_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/mfa"
)

func TestSecretsNeverReachLogsOrFmt(t *testing.T) {
	var buf bytes.Buffer
	key := make([]byte, mfa.KeySize)
	for i := range key {
		key[i] = byte(0xA0 + i)
	}
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFixture(t, func(c *mfa.Config) { c.Key = key; c.Logger = log; c.MaxFailures = 2 })
	ctx := t.Context()

	e, err := f.svc.NewEnrollment(ctx, "alice", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	secret := e.Secret
	if err := f.svc.Confirm(ctx, "alice", "alice@example.com", secret, f.code(t, secret)); err != nil {
		t.Fatal(err)
	}
	wrong := f.wrongCode(t, secret)
	for range 3 { // wrong, lock, locked
		_ = f.svc.Verify(ctx, "alice", wrong)
	}
	rec, _, _ := f.store.GetTOTP(ctx, "alice")
	rec.UserID = "mallory"
	f.store.put(rec)
	_ = f.svc.Verify(ctx, "mallory", f.code(t, secret)) // unseal failure is logged

	log.InfoContext(ctx, "config", slog.Any("cfg", f.cfg), slog.Any("enrollment", e), slog.Any("enrollment_value", *e))
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d", "%q"} {
		fmt.Fprintf(&buf, verb+"\n", f.cfg)
		fmt.Fprintf(&buf, verb+"\n", e)
		fmt.Fprintf(&buf, verb+"\n", *e)
	}

	out := buf.String()
	for name, needle := range map[string]string{
		"secret":      secret,
		"uri":         e.URI,
		"key raw":     string(key),
		"key hex":     hex.EncodeToString(key),
		"key base64":  base64.StdEncoding.EncodeToString(key),
		"key decimal": fmt.Sprint(key),
	} {
		if strings.Contains(out, needle) {
			t.Errorf("%s leaked into logs/fmt output", name)
		}
	}
	for _, want := range []string{"mfa locked after too many failed attempts", "mfa seed cannot be opened", "[redacted]"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q; the test is not exercising the logging paths", want)
		}
	}
}
