package logging_test

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/cmd/internal/logging"
)

const secret = "s3cr3t-VALUE-9931"

// redactLogger returns a JSON logger behind NewRedactHandler and its
// output buffer.
func redactLogger(t *testing.T, extra ...string) (*slog.Logger, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	return slog.New(logging.NewRedactHandler(slog.NewJSONHandler(&buf, nil), extra...)), &buf
}

func TestRedactHandler_KeyMatching(t *testing.T) {
	tests := []struct {
		key    string
		redact bool
	}{
		{"password", true},
		{"Password", true},
		{"bind_password", true},
		{"bindPassword", true},
		{"user-pass", true},
		{"secret", true},
		{"client.secret", true},
		{"totp_seed", true},
		{"seal_key", true},
		{"apiKey", true},
		{"access_token", true},
		{"wresult", true},
		{"SAMLResponse", true},
		{"saml_response", true},
		{"Authorization", true},
		{"HTTPAuthorization", true},
		{"Set-Cookie", true},
		{"cookie", true},
		{"postgres_dsn", true},
		{"token_lifetime", false},
		{"key_id", false},
		{"cookie_name", false},
		{"passkey", false},
		{"bypass", false},
		{"monkey", false},
		{"user_upn", false},
		{"rp", false},
		{"activity_id", false},
		{"", false},
		{strings.Repeat("very_long_", 20) + "password", true},
		{"ÜberPassword", true},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			log, buf := redactLogger(t)
			log.Info("m", tt.key, secret)
			leaked := strings.Contains(buf.String(), secret)
			if leaked == tt.redact {
				t.Fatalf("key %q: redacted = %v, want %v\n%s", tt.key, !leaked, tt.redact, buf.String())
			}
		})
	}
}

// credentials is a LogValuer that expands into a group holding a secret.
type credentials struct{ user, pass string }

func (c credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user", c.user), slog.String("password", c.pass))
}

func TestRedactHandler_NestedGroups(t *testing.T) {
	tests := []struct {
		name string
		log  func(l *slog.Logger)
		want []string // path=value pairs that must be present
	}{
		{
			name: "record group two levels deep",
			log: func(l *slog.Logger) {
				l.Info("m", slog.Group("req", slog.String("path", "/adfs/ls/"),
					slog.Group("headers", slog.String("Authorization", "Bearer "+secret), slog.String("accept", "text/html"))))
			},
			want: []string{"req.path=/adfs/ls/", "req.headers.Authorization=[redacted]", "req.headers.accept=text/html"},
		},
		{
			name: "logger groups",
			log: func(l *slog.Logger) {
				l.WithGroup("ldap").WithGroup("bind").Info("m", "dn", "CN=alice", "password", secret)
			},
			want: []string{"ldap.bind.dn=CN=alice", "ldap.bind.password=[redacted]"},
		},
		{
			name: "logger attrs",
			log: func(l *slog.Logger) {
				l.With("session_key", secret).WithGroup("g").With(slog.Group("h", "cookie", secret)).Info("m", "ok", "yes")
			},
			want: []string{"session_key=[redacted]", "g.h.cookie=[redacted]", "g.ok=yes"},
		},
		{
			name: "group named like a secret",
			log: func(l *slog.Logger) {
				l.Info("m", slog.Group("secret", slog.String("a", secret)), slog.String("b", "visible"))
			},
			want: []string{"secret=[redacted]", "b=visible"},
		},
		{
			name: "logger group named like a secret",
			log: func(l *slog.Logger) {
				l.WithGroup("credentials").With("x", secret).Info("m", slog.Group("y", "z", secret))
			},
			want: []string{"credentials.x=[redacted]", "credentials.y=[redacted]"},
		},
		{
			name: "log valuer expanding to a group",
			log: func(l *slog.Logger) {
				l.Info("m", slog.Any("creds", credentials{user: "alice", pass: secret}))
			},
			want: []string{"creds.user=alice", "creds.password=[redacted]"},
		},
		{
			name: "inline group",
			log: func(l *slog.Logger) {
				l.Info("m", slog.Group("", slog.String("wresult", secret)))
			},
			want: []string{"wresult=[redacted]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, buf := redactLogger(t)
			tt.log(log)
			if strings.Contains(buf.String(), secret) {
				t.Fatalf("secret leaked:\n%s", buf.String())
			}
			recs := decodeLines(t, buf)
			if len(recs) != 1 {
				t.Fatalf("got %d records", len(recs))
			}
			for _, w := range tt.want {
				path, value, _ := strings.Cut(w, "=")
				if got, ok := lookup(t, recs[0], path); !ok || got != value {
					t.Errorf("%s = %v, want %q\n%s", path, got, value, buf.String())
				}
			}
		})
	}
}

func TestRedactHandler_ExtraKeysAndUntouchedRecords(t *testing.T) {
	log, buf := redactLogger(t, "x-api-secret-header", "ImmutableID")
	log.Info("m", "immutable_id", secret, "x_api_secret_header", secret, "upn", "alice@contoso.com")
	if strings.Contains(buf.String(), secret) || !strings.Contains(buf.String(), "alice@contoso.com") {
		t.Fatalf("extra keys not applied:\n%s", buf.String())
	}
	buf.Reset()
	log.Info("plain", "user", "alice", "n", 3)
	recs := decodeLines(t, buf)
	if recs[0]["user"] != "alice" || recs[0]["n"] != float64(3) || recs[0]["msg"] != "plain" {
		t.Fatalf("untouched record changed: %v", recs[0])
	}
}

func TestExcludeHandler_DropsAttributes(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(logging.NewExcludeHandler(slog.NewJSONHandler(&buf, nil), "user_upn", "client_ip"))
	log.With("client_ip", "192.0.2.1").Info("m", "user_upn", "alice@contoso.com", slog.Group("g", "upn_user_upn", "x", "rp", "o365"), "reason", "bad_password")
	log.WithGroup("user_upn").Info("n", "a", "b")
	out := buf.String()
	for _, gone := range []string{"alice@contoso.com", "192.0.2.1", `"x"`, `"a"`} {
		if strings.Contains(out, gone) {
			t.Errorf("output still holds %s:\n%s", gone, out)
		}
	}
	recs := decodeLines(t, &buf)
	if got, _ := lookup(t, recs[0], "g.rp"); got != "o365" || recs[0]["reason"] != "bad_password" {
		t.Errorf("kept attributes missing: %v", recs[0])
	}
}

func TestRedactHandler_DelegatesEnabled(t *testing.T) {
	h := logging.NewRedactHandler(slog.NewJSONHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if h.Enabled(t.Context(), slog.LevelInfo) || !h.Enabled(t.Context(), slog.LevelError) {
		t.Fatal("Enabled does not follow the next handler")
	}
}

// BenchmarkRedactHandler_Untouched measures the common case (nothing to
// redact); compare with BenchmarkJSONHandler.
func BenchmarkRedactHandler_Untouched(b *testing.B) {
	log := slog.New(logging.NewRedactHandler(slog.NewJSONHandler(io.Discard, nil)))
	for b.Loop() {
		log.Info("sign-in", "user_upn", "alice@contoso.com", "rp", "urn:federation:MicrosoftOnline", "result", "ok")
	}
}

func BenchmarkJSONHandler(b *testing.B) {
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	for b.Loop() {
		log.Info("sign-in", "user_upn", "alice@contoso.com", "rp", "urn:federation:MicrosoftOnline", "result", "ok")
	}
}

// FuzzRedactHandler checks that key matching never panics and that any
// key ending in a deny word after a separator is redacted, however the
// front of the key looks.
func FuzzRedactHandler(f *testing.F) {
	for _, seed := range []string{"", "user", "SAMLResponse", "ÜberPassword", "a__b--c", "\xff\xfe", strings.Repeat("Ab", 40)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, prefix string) {
		log, buf := redactLogger(t)
		log.Info("m", prefix, "plain", prefix+"_password", secret, slog.Group(prefix, slog.String(prefix+".Token", secret)))
		if strings.Contains(buf.String(), secret) {
			t.Fatalf("prefix %q: secret leaked:\n%s", prefix, buf.String())
		}
	})
}
