package wstrust

import (
	"fmt"
	"log/slog"
)

// redacted is what a Secret prints as, whatever the verb or sink.
const redacted = "[redacted]"

// Secret holds a password taken from a UsernameToken. It prints, logs and
// marshals as "[redacted]"; only Reveal returns the value, and the only
// callers are the directory bind and the app-password check.
type Secret struct{ v string }

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{v: s} }

// Reveal returns the secret value.
func (s Secret) Reveal() string { return s.v }

// Len is the length of the value in bytes.
func (s Secret) Len() int { return len(s.v) }

// String implements fmt.Stringer.
func (Secret) String() string { return redacted }

// GoString implements fmt.GoStringer.
func (Secret) GoString() string { return redacted }

// Format covers every fmt verb, including %+v and %#v.
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText keeps the value out of JSON and text encoders.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

var (
	_ fmt.Formatter  = Secret{}
	_ slog.LogValuer = Secret{}
)
