// Package check validates and normalises values before the backends store
// them, so that SQLite and PostgreSQL accept and refuse exactly the same
// inputs (PostgreSQL text cannot hold NUL bytes or invalid UTF-8; SQLite
// would store them).
package check

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/mfa"
)

// Key validates a non-empty key of at most max bytes of UTF-8 without NUL.
func Key(field, v string, max int) error {
	switch {
	case v == "":
		return fmt.Errorf("%w: %s is empty", store.ErrInvalid, field)
	case len(v) > max:
		return fmt.Errorf("%w: %s is %d bytes, at most %d allowed", store.ErrInvalid, field, len(v), max)
	case !utf8.ValidString(v):
		return fmt.Errorf("%w: %s is not valid UTF-8", store.ErrInvalid, field)
	case strings.IndexByte(v, 0) >= 0:
		return fmt.Errorf("%w: %s contains a NUL byte", store.ErrInvalid, field)
	}
	return nil
}

// KindKey validates a (kind, key) pair of UseOnce or the failure counters.
func KindKey(kind, key string) error {
	if err := Key("kind", kind, store.MaxKindLen); err != nil {
		return err
	}
	return Key("key", key, store.MaxKeyLen)
}

// Time validates that t fits the storage formats: years 1 to 9999.
func Time(field string, t time.Time) error {
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("%w: %s year %d is outside 1..9999", store.ErrInvalid, field, y)
	}
	return nil
}

// Window validates a failure-counting window.
func Window(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%w: window %s must be positive", store.ErrInvalid, d)
	}
	return nil
}

// TOTP validates a record for CreateTOTP.
func TOTP(rec mfa.TOTPRecord) error {
	if err := Key("user ID", rec.UserID, store.MaxKeyLen); err != nil {
		return err
	}
	if err := Key("account name", rec.AccountName, store.MaxKeyLen); err != nil {
		return err
	}
	if len(rec.SealedSecret) == 0 || len(rec.SealedSecret) > store.MaxSealedLen {
		return fmt.Errorf("%w: sealed secret is %d bytes, want 1 to %d", store.ErrInvalid, len(rec.SealedSecret), store.MaxSealedLen)
	}
	return Time("created at", rec.CreatedAt)
}

// Audit validates e.Time and returns e with every string made storable:
// invalid UTF-8 and NUL become U+FFFD and each field is cut to
// store.MaxAuditLen bytes on a rune boundary.
func Audit(e store.AuditEvent) (store.AuditEvent, error) {
	if e.Time.IsZero() {
		return e, fmt.Errorf("%w: audit event time is zero", store.ErrInvalid)
	}
	if err := Time("audit event time", e.Time); err != nil {
		return e, err
	}
	for _, f := range []*string{&e.User, &e.ClientIP, &e.RelyingParty, &e.Protocol, &e.Result, &e.Reason, &e.ActivityID} {
		*f = clean(*f, store.MaxAuditLen)
	}
	return e, nil
}

// ListLimit validates the limit argument of ListAudit.
func ListLimit(limit int) error {
	if limit < 1 || limit > store.MaxAuditList {
		return fmt.Errorf("%w: limit %d must be between 1 and %d", store.ErrInvalid, limit, store.MaxAuditList)
	}
	return nil
}

func clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
