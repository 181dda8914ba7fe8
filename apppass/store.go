package apppass

import (
	"context"
	"time"
)

// Store keeps app-password records. It is implemented by
// idp/store/sqlite and idp/store/postgres, and every implementation must
// pass idp/store/storetest. Methods are safe for concurrent use, including
// from several processes sharing one database. Errors are infrastructure
// failures only; absence and limits are reported through boolean results.
type Store interface {
	// CreateAppPassword inserts rec unless rec.UserID already has max or
	// more records, in which case it returns created=false and a nil error.
	// The count check and the insert are atomic with respect to concurrent
	// creations for the same user, so a user never holds more than max.
	// A duplicate rec.ID is an error.
	CreateAppPassword(ctx context.Context, rec Record, max int) (created bool, err error)

	// ListAppPasswords returns the records of userID ordered by CreatedAt,
	// then ID; an empty list when there are none.
	ListAppPasswords(ctx context.Context, userID string) ([]Record, error)

	// DeleteAppPassword removes record id of userID; deleted=false when
	// there is no such record for that user (a record of another user is
	// never touched).
	DeleteAppPassword(ctx context.Context, userID, id string) (deleted bool, err error)

	// TouchAppPassword sets LastUsedAt of record id of userID to at;
	// updated=false when the record no longer exists.
	TouchAppPassword(ctx context.Context, userID, id string, at time.Time) (updated bool, err error)
}

// Record is one app password as stored.
type Record struct {
	// ID is a random identifier (32 lower-case hex digits), unique
	// across users; the handle for revocation. Not secret.
	ID string
	// UserID is the stable user key (the ImmutableID).
	UserID string
	// Name is the user's label for the device, for example "Outlook on
	// my laptop".
	Name string
	// Hash is the argon2id hash in PHC string format
	// ($argon2id$v=19$m=…,t=…,p=…$salt$hash), parameters included.
	Hash string
	// CreatedAt is when the password was created, in UTC.
	CreatedAt time.Time
	// LastUsedAt is when the password was last accepted, in UTC; zero
	// when never.
	LastUsedAt time.Time
}
