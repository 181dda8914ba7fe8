package mfa

import (
	"context"
	"time"
)

// Store is the state the TOTP service needs. It is implemented by
// idp/store/sqlite and idp/store/postgres, and every implementation must pass
// idp/store/storetest.
//
// All methods are safe for concurrent use, including from several processes
// sharing one database. Errors are infrastructure failures only: absence and
// duplicates are reported through the boolean results, never as errors.
//
// Expiry (UseOnce records) is judged against the store's own clock, which
// must agree with the clock given to Service (both default to time.Now). A
// record whose until is not after the store's now is expired: it never
// blocks a later UseOnce for the same (kind, id), and may be replaced by it.
type Store interface {
	// GetTOTP returns the sealed seed stored for userID; ok=false (and a
	// zero record, nil error) when the user has none.
	GetTOTP(ctx context.Context, userID string) (rec TOTPRecord, ok bool, err error)

	// CreateTOTP inserts rec. It returns inserted=false and a nil error when
	// rec.UserID already has a record; the existing record is left untouched.
	// The check and the insert are one atomic statement, never a lookup
	// followed by an insert, so of two concurrent enrollments exactly one
	// wins. CreatedAt is stored in UTC.
	CreateTOTP(ctx context.Context, rec TOTPRecord) (inserted bool, err error)

	// ReplaceTOTP overwrites the AccountName, SealedSecret and CreatedAt of
	// the existing record of rec.UserID in one atomic statement, so a
	// reader sees either the old seed or the new one, never none. It
	// returns replaced=false and a nil error when the user has no record;
	// nothing is inserted then.
	ReplaceTOTP(ctx context.Context, rec TOTPRecord) (replaced bool, err error)

	// DeleteTOTP removes the record of userID; deleted=false when there was
	// none.
	DeleteTOTP(ctx context.Context, userID string) (deleted bool, err error)

	// ListTOTP returns every record ordered by UserID.
	ListTOTP(ctx context.Context) ([]TOTPRecord, error)

	// UseOnce atomically records (kind, id) until the instant until. It
	// returns first=true when no unexpired record for (kind, id) existed, in
	// which case the new record replaces any expired one; first=false when an
	// unexpired record exists, which is left unchanged. Exactly one of any
	// number of concurrent calls for the same unexpired (kind, id) sees
	// first=true. Calling it with until at or before now records nothing
	// that blocks and therefore acts as an atomic "is (kind, id) recorded?"
	// probe.
	UseOnce(ctx context.Context, kind, id string, until time.Time) (first bool, err error)

	// AddFailure counts one failure for (kind, key) at now and returns the
	// number of failures in the current window, this one included. A window
	// opens at the first failure and lasts window; a failure at or after its
	// end opens a new window with count 1. The increment is atomic.
	AddFailure(ctx context.Context, kind, key string, now time.Time, window time.Duration) (count int, err error)

	// ResetFailures forgets the failures of (kind, key); resetting a key that
	// has none is not an error.
	ResetFailures(ctx context.Context, kind, key string) error
}

// TOTPRecord is one user's enrollment as stored.
type TOTPRecord struct {
	// UserID is the stable user key (for example the objectGUID or UPN
	// chosen by the caller); primary key.
	UserID string
	// AccountName is the label shown in the authenticator app.
	AccountName string
	// SealedSecret is the AES-GCM sealed base32 seed; it opens only with the
	// service key and only for this UserID.
	SealedSecret []byte
	// CreatedAt is when the enrollment was confirmed, in UTC.
	CreatedAt time.Time
}
