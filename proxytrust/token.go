package proxytrust

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
)

// Enrollment tokens look like "fgpt1.<43 base64url characters>": a version
// prefix (so a token pasted into the wrong place is recognisable, and so
// secret scanners can match it) and 32 random bytes.
const (
	tokenPrefix  = "fgpt1."
	tokenBytes   = 32
	tokenLen     = len(tokenPrefix) + 43 // RawURLEncoding of 32 bytes
	tokenHashTag = "fedgate proxy-trust enrollment token v1\x00"
)

// MaxTokenInput bounds the text ParseToken examines, in bytes (surrounding
// white space included).
const MaxTokenInput = 256

// Token is a one-time enrollment token. It is a bearer secret: whoever
// holds it until it is used or expires can obtain a proxy certificate.
// Every printed, logged or formatted form is "[redacted]"; only Reveal
// returns the value. The zero Token is invalid.
type Token struct{ s string }

var (
	_ fmt.Formatter  = Token{}
	_ slog.LogValuer = Token{}
)

// NewToken draws a token from rnd (use crypto/rand.Reader in production).
func NewToken(rnd io.Reader) (Token, error) {
	var b [tokenBytes]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return Token{}, fmt.Errorf("proxytrust: token randomness: %w", err)
	}
	return Token{s: tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])}, nil
}

// ParseToken checks the shape of a token typed or pasted by an operator.
// Leading and trailing white space (a newline from a token file) is
// ignored. The error never contains the input.
func ParseToken(s string) (Token, error) {
	if len(s) > MaxTokenInput {
		return Token{}, fmt.Errorf("%w: longer than %d bytes", ErrInvalidToken, MaxTokenInput)
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Token{}, fmt.Errorf("%w: empty", ErrInvalidToken)
	case !strings.HasPrefix(s, tokenPrefix):
		return Token{}, fmt.Errorf("%w: does not start with %q; copy the whole value printed by `fedgate proxy-trust issue`", ErrInvalidToken, tokenPrefix)
	case len(s) != tokenLen:
		return Token{}, fmt.Errorf("%w: %d characters, want %d", ErrInvalidToken, len(s), tokenLen)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s[len(tokenPrefix):])
	if err != nil || len(raw) != tokenBytes {
		return Token{}, fmt.Errorf("%w: not base64url", ErrInvalidToken)
	}
	return Token{s: s}, nil
}

// IsZero reports whether t is the zero Token.
func (t Token) IsZero() bool { return t.s == "" }

// Reveal returns the token text. Call it only to print the token once to
// the operator or to send it to fedgate.
func (t Token) Reveal() string { return t.s }

// Hash returns the lookup key under which the token's [Enrollment] is
// stored: hex SHA-256 over a domain-separation tag and the token. The
// token has 256 bits of entropy, so a fast hash is enough; the stored
// hash does not let anyone enroll.
func (t Token) Hash() string {
	h := sha256.New()
	h.Write([]byte(tokenHashTag))
	h.Write([]byte(t.s))
	return hex.EncodeToString(h.Sum(nil))
}

// shown is what every rendering prints.
func (t Token) shown() string {
	if t.s == "" {
		return ""
	}
	return "[redacted]"
}

// String returns "[redacted]" ("" for the zero Token).
func (t Token) String() string { return t.shown() }

// GoString returns the quoted redacted form.
func (t Token) GoString() string { return strconv.Quote(t.shown()) }

// LogValue returns "[redacted]".
func (t Token) LogValue() slog.Value { return slog.StringValue(t.shown()) }

// Format writes "[redacted]" for every verb.
func (t Token) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = io.WriteString(f, strconv.Quote(t.shown()))
		return
	}
	_, _ = io.WriteString(f, t.shown())
}

// MarshalText returns "[redacted]", so JSON or YAML encoders cannot leak
// the token either.
func (t Token) MarshalText() ([]byte, error) { return []byte(t.shown()), nil }

// tokenID is a short, non-secret reference to a token for log lines: the
// first 12 hex digits of its hash.
func tokenID(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}
