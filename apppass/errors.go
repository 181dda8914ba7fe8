package apppass

import "errors"

// Sentinel errors. Compare with errors.Is.
var (
	// ErrLimit means the user already has MaxPerUser app passwords.
	ErrLimit = errors.New("apppass: too many app passwords; revoke one first")
	// ErrInvalid is returned, wrapped with details, for an empty or
	// over-long user ID, name or record ID.
	ErrInvalid = errors.New("apppass: invalid value")
	// ErrMalformedHash means a stored hash is not an argon2id PHC string
	// this package can read.
	ErrMalformedHash = errors.New("apppass: malformed hash")
)
