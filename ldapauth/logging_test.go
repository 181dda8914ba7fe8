package ldapauth_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

// syncBuffer is a bytes.Buffer safe for concurrent log writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestLogging_NeverContainsSecrets(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelDebug, slog.LevelInfo} {
		t.Run(level.String(), func(t *testing.T) {
			var out syncBuffer
			log := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: level}))
			d, err := ldaptest.Start(ldaptest.Config{Users: ldaptest.Contoso(), Logger: log})
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			t.Cleanup(func() { _ = d.Close() })

			good := newClient(t, d, func(c *ldapauth.Config) { c.Logger = log })
			badService := newClient(t, d, func(c *ldapauth.Config) {
				c.Logger = log
				c.BindPassword = "Wrong-Svc-Secret!"
			})
			_, _ = good.Authenticate(t.Context(), "alice@contoso.com", alicePassword)
			_, _ = good.Authenticate(t.Context(), "bob@contoso.com", "Typo-Secret-1!")
			_, _ = good.Authenticate(t.Context(), "carol@contoso.com", "Carol-Passw0rd!")
			_, _ = good.Authenticate(t.Context(), "alice@contoso.com", "")
			_, _ = badService.Authenticate(t.Context(), "alice@contoso.com", alicePassword)

			logs := out.String()
			for _, secret := range []string{alicePassword, "Typo-Secret-1!", "Carol-Passw0rd!", "Wrong-Svc-Secret!", d.BindPassword()} {
				if strings.Contains(logs, secret) {
					t.Errorf("log contains the secret %q:\n%s", secret, logs)
				}
			}
			if level == slog.LevelDebug && !strings.Contains(logs, `"reason":"bad_password"`) {
				t.Errorf("Debug log lacks the failure reason:\n%s", logs)
			}
			if level >= slog.LevelInfo {
				for _, s := range []string{"alice@contoso.com", "bob@contoso.com", "filter"} {
					if strings.Contains(logs, s) {
						t.Errorf("%s log contains %q (usernames and filters belong at Debug):\n%s", level, s, logs)
					}
				}
			}
		})
	}
}

func TestLogging_ConfigAndUserAreRedacted(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&out, nil))
	d := ldaptest.NewT(t)
	log.Info("config", "cfg", d.ClientConfig(), "users", d.Users()[0])
	for _, secret := range []string{d.BindPassword(), alicePassword} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("log contains %q: %s", secret, out.String())
		}
	}
	if !strings.Contains(out.String(), d.BindDN()) || !strings.Contains(out.String(), "[redacted]") {
		t.Errorf("log lacks the bind DN or the redaction marker: %s", out.String())
	}
}
