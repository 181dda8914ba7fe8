package mfa

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultIssuer          = "fedgate"
	DefaultSkew            = 1
	DefaultMaxFailures     = 5
	DefaultLockoutDuration = 5 * time.Minute

	maxIssuerLen  = 64
	maxUserIDLen  = 256
	maxAccountLen = 256
)

// Config configures a Service. Zero values mean the stated default.
type Config struct {
	// Store holds enrollments, used steps and failure counters. Required.
	Store Store
	// RecoveryStore holds hashed recovery codes. Default: Store, when it
	// also implements RecoveryStore (both fedgate backends do); otherwise
	// recovery codes are off and their methods return
	// ErrRecoveryUnavailable.
	RecoveryStore RecoveryStore
	// Key is the 32-byte AES-256-GCM key that seals seeds at rest. Required.
	// Anyone holding both Key and the database can mint codes for every
	// user; keep it out of the database and out of backups of it. Changing
	// it makes every existing enrollment unusable (ErrUnseal).
	Key []byte
	// Issuer is the name shown in the authenticator app. Default "fedgate".
	// Must not contain ':' (it separates issuer and account in the label).
	Issuer string
	// Skew is how many 30-second steps either side of now a code may come
	// from, absorbing phone clock drift. Default 1 (a 90 s window); 0 means
	// the default; at most MaxSkew. Each extra step widens the guessing
	// window by two codes.
	Skew uint
	// MaxFailures is how many failed attempts (wrong, malformed or replayed
	// codes) within LockoutDuration lock MFA for the user. Default 5.
	MaxFailures int
	// LockoutDuration is both the window in which failures are counted and
	// how long MFA stays locked after MaxFailures; while locked even a right
	// code is refused. Default 5m.
	LockoutDuration time.Duration
	// Now is the clock. Default time.Now. The Store's clock must agree.
	Now func() time.Time
	// Rand is the source of seeds and nonces. Default crypto/rand.Reader.
	// Anything else is for tests only: predictable seeds are forgeable codes.
	Rand io.Reader
	// Logger receives operational events; never secrets, user IDs only at
	// Debug. Default: discard.
	Logger *slog.Logger
}

// LogValue keeps Key out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("key", "[redacted]"),
		slog.String("issuer", c.Issuer),
		slog.Uint64("skew", uint64(c.Skew)),
		slog.Int("max_failures", c.MaxFailures),
		slog.Duration("lockout_duration", c.LockoutDuration),
	)
}

// Format keeps Key out of fmt output whatever the verb.
func (c Config) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "mfa.Config{Key:[redacted] Issuer:%q Skew:%d MaxFailures:%d LockoutDuration:%s}",
		c.Issuer, c.Skew, c.MaxFailures, c.LockoutDuration)
}

// withDefaults returns c with defaults applied and all problems joined.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("mfa: Store is required"))
	}
	if len(c.Key) != KeySize {
		errs = append(errs, fmt.Errorf("mfa: Key must be %d bytes (AES-256), got %d", KeySize, len(c.Key)))
	}
	if rs, ok := c.Store.(RecoveryStore); ok && c.RecoveryStore == nil {
		c.RecoveryStore = rs
	}
	if c.Issuer == "" {
		c.Issuer = DefaultIssuer
	}
	if err := checkLabel("Issuer", c.Issuer, maxIssuerLen); err != nil {
		errs = append(errs, err)
	}
	if c.Skew == 0 {
		c.Skew = DefaultSkew
	}
	if c.Skew > MaxSkew {
		errs = append(errs, fmt.Errorf("mfa: Skew %d is too large; use 1 to %d steps", c.Skew, MaxSkew))
	}
	switch {
	case c.MaxFailures == 0:
		c.MaxFailures = DefaultMaxFailures
	case c.MaxFailures < 0:
		errs = append(errs, fmt.Errorf("mfa: MaxFailures %d must be positive", c.MaxFailures))
	}
	switch {
	case c.LockoutDuration == 0:
		c.LockoutDuration = DefaultLockoutDuration
	case c.LockoutDuration < 0:
		errs = append(errs, fmt.Errorf("mfa: LockoutDuration %s must be positive", c.LockoutDuration))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, errors.Join(errs...)
}

// checkLabel validates a string that ends up in the otpauth:// label.
func checkLabel(field, v string, maxLen int) error {
	if err := checkText(field, v, maxLen); err != nil {
		return err
	}
	if strings.Contains(v, ":") {
		return fmt.Errorf("%w: %s must not contain ':'", ErrInvalidInput, field)
	}
	return nil
}

// checkText validates a non-empty, bounded, printable UTF-8 string.
func checkText(field, v string, maxLen int) error {
	if v == "" {
		return fmt.Errorf("%w: %s is empty", ErrInvalidInput, field)
	}
	if len(v) > maxLen {
		return fmt.Errorf("%w: %s is %d bytes, at most %d allowed", ErrInvalidInput, field, len(v), maxLen)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalidInput, field)
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return fmt.Errorf("%w: %s contains control characters", ErrInvalidInput, field)
	}
	return nil
}
