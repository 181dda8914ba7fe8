package lockout

import "context"

// MaxList is the largest limit Store.ListLockouts accepts.
const MaxList = 10000

// Entry is the stored state of one account, as Store.ListLockouts returns
// it.
type Entry struct {
	// Key is the account key the state is stored under (see Resolver).
	Key string
	// State is the stored state; never the zero State.
	State State
}

// Store keeps lockout state. idp/store/sqlite and idp/store/postgres
// implement it; every node of a farm must use the same database, or each
// node grants its own budget of bad passwords.
type Store interface {
	// GetLockout returns the state stored for key; ok=false (and the zero
	// State, nil error) when there is none.
	GetLockout(ctx context.Context, key string) (s State, ok bool, err error)

	// UpdateLockout atomically replaces the state of key with fn(current),
	// where current is the zero State when none is stored. Calls for the
	// same key are serialised across every process sharing the database,
	// so fn always sees the latest committed state. fn must be pure and
	// quick (it runs inside a database transaction) and may be called
	// again if the backend retries. When fn returns an error nothing is
	// written and UpdateLockout returns that error (errors.Is works). A
	// zero result deletes the stored state. Times are stored in UTC at
	// microsecond precision; the stored state is returned.
	UpdateLockout(ctx context.Context, key string, fn func(State) (State, error)) (State, error)

	// ListLockouts returns up to limit stored states for administrators
	// (`fedgate lockout list`): the accounts with the most recent counted
	// failure (State.LastFailure) first, ties and accounts without a
	// counted failure (familiar IPs only) after them in key order.
	// limit must be between 1 and MaxList, otherwise the error wraps the
	// store's invalid-value sentinel. Each entry is read consistently;
	// the list as a whole is not a snapshot across keys.
	ListLockouts(ctx context.Context, limit int) ([]Entry, error)
}

// Resolver maps the sign-in name a user typed to the stable key of the
// directory account it names: normally the account's objectGUID (base64),
// found with a service-account search, so that every spelling
// of the name ("alice", "CORP\alice", "ALICE@contoso.com") shares one
// budget and renames keep the state. found=false (nil error) means no
// single account matches: nothing is counted or stored for such names. An
// error means the directory could not answer; it is never treated as a bad
// password. cmd/internal/app adapts ldapauth.Client.Lookup.
type Resolver interface {
	ResolveUser(ctx context.Context, username string) (key string, found bool, err error)
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(ctx context.Context, username string) (key string, found bool, err error)

// ResolveUser calls f.
func (f ResolverFunc) ResolveUser(ctx context.Context, username string) (string, bool, error) {
	return f(ctx, username)
}
