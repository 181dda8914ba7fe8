package logging

import (
	"context"
	"log/slog"
)

// Redacted replaces the value of a redacted attribute.
const Redacted = "[redacted]"

// DefaultDenyKeys returns the key words whose attributes RedactHandler
// redacts by default: credentials (password, pass, passwd, secret, seed,
// key, token, otp, totp, dsn, credential, credentials), protocol messages
// that carry tokens (wresult, samlresponse) and HTTP headers that carry
// credentials (authorization, cookie). A new slice is returned on each
// call.
func DefaultDenyKeys() []string {
	return []string{
		"password", "pass", "passwd", "secret", "seed", "key", "token",
		"otp", "totp", "dsn", "credential", "credentials",
		"wresult", "samlresponse", "authorization", "cookie",
	}
}

// RedactHandler replaces the value of every attribute whose key matches a
// deny word with "[redacted]", at any group depth, and redacts everything
// inside a group (from WithGroup or slog.Group) whose name matches.
//
// Keys are split into words at '_', '-', '.', spaces and camelCase
// boundaries; a key matches when its last word, or its last words joined,
// equal a deny word, ignoring case. So with the default list
// "bind_password", "bindPassword", "SAMLResponse", "saml_response",
// "access_token" and "Set-Cookie" are redacted, while "token_lifetime",
// "key_id", "cookie_name" and "passkey" are not.
//
// It sees attribute keys only: a struct logged with slog.Any is encoded
// by the next handler as a whole, so credential types must implement
// slog.LogValuer themselves. The message text is never changed.
type RedactHandler struct {
	next slog.Handler
	f    *filter
	// all is set when a group opened with WithGroup matches, so that
	// every attribute below it is affected.
	all bool
}

var _ slog.Handler = (*RedactHandler)(nil)

// NewRedactHandler wraps next with the DefaultDenyKeys plus extra words.
func NewRedactHandler(next slog.Handler, extra ...string) *RedactHandler {
	return &RedactHandler{next: next, f: newFilter(append(DefaultDenyKeys(), extra...), false)}
}

// NewExcludeHandler wraps next with a handler that drops attributes
// matching keys (same matching rules as RedactHandler) instead of
// redacting them: for personal data an operator does not want logged,
// such as "user_upn". Groups whose name matches are dropped whole.
func NewExcludeHandler(next slog.Handler, keys ...string) *RedactHandler {
	return &RedactHandler{next: next, f: newFilter(keys, true)}
}

// Enabled reports whether the next handler handles level.
func (h *RedactHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle passes r on, rebuilt without the matching values when it holds
// any.
func (h *RedactHandler) Handle(ctx context.Context, r slog.Record) error {
	touched := false
	r.Attrs(func(a slog.Attr) bool {
		touched = h.all || h.f.touches(a)
		return !touched
	})
	if !touched {
		return h.next.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if a, keep := h.f.apply(a, h.all); keep {
			out.AddAttrs(a)
		}
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs filters attrs and passes them to the next handler.
func (h *RedactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	kept := make([]slog.Attr, 0, len(attrs))
	for _, a := range attrs {
		if a, keep := h.f.apply(a, h.all); keep {
			kept = append(kept, a)
		}
	}
	return &RedactHandler{next: h.next.WithAttrs(kept), f: h.f, all: h.all}
}

// WithGroup opens a group; when its name matches, everything logged in
// it is redacted (or dropped).
func (h *RedactHandler) WithGroup(name string) slog.Handler {
	return &RedactHandler{next: h.next.WithGroup(name), f: h.f, all: h.all || h.f.matches(name)}
}

// filter holds the normalized deny words; it is immutable once built and
// shared by every handler derived from the same constructor call.
type filter struct {
	words map[string]struct{}
	drop  bool
}

func newFilter(keys []string, drop bool) *filter {
	f := &filter{words: make(map[string]struct{}, len(keys)), drop: drop}
	for _, k := range keys {
		var b []byte
		for i := 0; i < len(k); i++ {
			switch c := k[i]; {
			case c >= 'A' && c <= 'Z':
				b = append(b, c+'a'-'A')
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c >= 0x80:
				b = append(b, c)
			}
		}
		if len(b) > 0 {
			f.words[string(b)] = struct{}{}
		}
	}
	return f
}

// maxWords bounds the word boundaries remembered per key; only the last
// ones matter for suffix matching.
const maxWords = 16

// matches reports whether key, split into words, ends with a deny word.
func (f *filter) matches(key string) bool {
	if key == "" || len(f.words) == 0 {
		return false
	}
	var buf [64]byte
	norm := buf[:0]
	var starts [maxWords]int
	n := 0
	const (
		sep = iota
		lower
		upper
	)
	prev := sep
	for i := 0; i < len(key); i++ {
		c := key[i]
		class := sep
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c >= 0x80:
			class = lower
		case c >= 'A' && c <= 'Z':
			class = upper
		}
		if class == sep {
			prev = sep
			continue
		}
		// A word starts after a separator, at a lower→upper change
		// ("bindPassword") and at the last capital of an acronym
		// followed by lower case ("SAMLResponse").
		boundary := prev == sep || (prev == lower && class == upper) ||
			(prev == upper && class == upper && i+1 < len(key) && key[i+1] >= 'a' && key[i+1] <= 'z')
		if boundary {
			if n == maxWords {
				copy(starts[:], starts[1:])
				n--
			}
			starts[n] = len(norm)
			n++
		}
		if class == upper {
			c += 'a' - 'A'
		}
		norm = append(norm, c)
		prev = class
	}
	for _, s := range starts[:n] {
		if _, ok := f.words[string(norm[s:])]; ok {
			return true
		}
	}
	return false
}

// touches reports whether apply would change a.
func (f *filter) touches(a slog.Attr) bool {
	if f.matches(a.Key) {
		return true
	}
	v := a.Value
	if v.Kind() == slog.KindLogValuer {
		v = v.Resolve()
	}
	if v.Kind() == slog.KindGroup {
		for _, g := range v.Group() {
			if f.touches(g) {
				return true
			}
		}
	}
	return false
}

// apply redacts or drops a when its key matches or force is set, and
// filters group members recursively. keep is false for dropped attrs.
func (f *filter) apply(a slog.Attr, force bool) (slog.Attr, bool) {
	if force || f.matches(a.Key) {
		if f.drop {
			return slog.Attr{}, false
		}
		return slog.String(a.Key, Redacted), true
	}
	v := a.Value
	if v.Kind() == slog.KindLogValuer {
		v = v.Resolve()
	}
	if v.Kind() != slog.KindGroup || !f.touches(slog.Attr{Value: v}) {
		return a, true
	}
	members := v.Group()
	kept := make([]slog.Attr, 0, len(members))
	for _, m := range members {
		if m, keep := f.apply(m, false); keep {
			kept = append(kept, m)
		}
	}
	return slog.Attr{Key: a.Key, Value: slog.GroupValue(kept...)}, true
}
