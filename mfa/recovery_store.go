package mfa

import (
	"context"
	"time"
)

// RecoveryStore holds the hashed recovery codes of each user. It is owned
// by this package and implemented by idp/store/sqlite and
// idp/store/postgres (checked by idp/store/storetest). Only hashes are
// ever passed in or out; the codes themselves are never stored.
//
// All methods are safe for concurrent use, including from several
// processes sharing one database. Errors are infrastructure failures or
// invalid input only; absence is reported through the results.
type RecoveryStore interface {
	// ReplaceRecoveryCodes atomically replaces every recovery code hash of
	// userID with hashes (which may be empty, removing them all), stamped
	// createdAt. A concurrent reader sees the old set or the new one,
	// never a mix, and two concurrent replacements leave exactly one of
	// the two sets. Hashes must be distinct.
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, createdAt time.Time) error

	// RecoveryCodeHashes returns the unused recovery code hashes of
	// userID in no particular order; an empty slice when there are none.
	RecoveryCodeHashes(ctx context.Context, userID string) ([][]byte, error)

	// ConsumeRecoveryCode deletes the hash of userID in one atomic
	// statement and reports whether it was there. Of any number of
	// concurrent calls for the same hash exactly one sees used=true.
	ConsumeRecoveryCode(ctx context.Context, userID string, hash []byte) (used bool, err error)
}
