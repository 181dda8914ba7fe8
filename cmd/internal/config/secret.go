package config

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"strconv"
)

// redacted is what every printed, logged or encoded form of a Secret shows.
const redacted = "[redacted]"

// KeySize is the length in bytes of the AES-256 keys decoded by
// [Secret.Key32] (mfa.seal_key, session.key).
const KeySize = 32

// Secret holds a credential: a password, key or connection string. Every
// printed, logged or encoded form of a non-empty Secret is "[redacted]":
// fmt (all verbs, through Format), slog (LogValue), YAML, JSON and text
// marshalling. An empty Secret shows as "" so that "not set" stays visible
// and a marshalled Config parses back. Only [Secret.Reveal] returns the
// value, so a Config can be logged or dumped whole. Secrets decode from
// YAML as plain strings.
type Secret string

var (
	_ fmt.Formatter  = Secret("")
	_ fmt.Stringer   = Secret("")
	_ fmt.GoStringer = Secret("")
	_ slog.LogValuer = Secret("")
)

// shown is the form every rendering uses.
func (s Secret) shown() string {
	if s == "" {
		return ""
	}
	return redacted
}

// Reveal returns the secret value. Call it only where the value is used,
// never to build a log line or error message.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret is non-empty.
func (s Secret) IsSet() bool { return s != "" }

// String returns "[redacted]" ("" when empty).
func (s Secret) String() string { return s.shown() }

// GoString returns "[redacted]" ("" when empty), so %#v does not show the
// value.
func (s Secret) GoString() string { return strconv.Quote(s.shown()) }

// Format writes "[redacted]" for every fmt verb. Without it a bad verb
// such as %d would print the underlying string.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		_, _ = f.Write([]byte(strconv.Quote(s.shown())))
	case 'v':
		if f.Flag('#') {
			_, _ = f.Write([]byte(s.GoString()))
			return
		}
		_, _ = f.Write([]byte(s.shown()))
	default:
		_, _ = f.Write([]byte(s.shown()))
	}
}

// LogValue returns "[redacted]" ("" when empty) for log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.shown()) }

// MarshalYAML returns "[redacted]" ("" when empty); a marshalled Config
// never holds secrets.
func (s Secret) MarshalYAML() (any, error) { return s.shown(), nil }

// MarshalJSON returns the JSON string "[redacted]" ("" when empty).
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.shown())), nil }

// MarshalText returns "[redacted]" ("" when empty); slog's text handler
// and encoding/xml use it.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.shown()), nil }

// keyHint says how to produce a valid key.
const keyHint = "use 32 random bytes in base64, such as the output of: openssl rand -base64 32"

// keyError describes a malformed key without repeating any part of it.
type keyError struct{ problem string }

func (e *keyError) Error() string { return e.problem + "; " + keyHint }

// Key32 decodes the secret as a KeySize-byte key written in base64:
// standard alphabet with or without padding, or URL alphabet. Errors never
// contain the secret.
func (s Secret) Key32() ([]byte, error) {
	key, err := decodeKey32(string(s))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return key, nil
}

func decodeKey32(s string) ([]byte, *keyError) {
	if s == "" {
		return nil, &keyError{"is empty"}
	}
	if len(s) > base64.StdEncoding.EncodedLen(KeySize)+4 {
		return nil, &keyError{fmt.Sprintf("is %d characters long; a 32-byte key is 43 or 44 base64 characters", len(s))}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		key, err := enc.Strict().DecodeString(s)
		if err != nil {
			continue
		}
		if len(key) != KeySize {
			return nil, &keyError{fmt.Sprintf("is %d bytes after base64 decoding; want exactly %d", len(key), KeySize)}
		}
		return key, nil
	}
	return nil, &keyError{"is not valid base64"}
}
