package mfa

import "errors"

// Errors returned by Service. Compare with errors.Is; the returned errors may
// wrap them with more context.
var (
	// ErrInvalidCode means the code was malformed or did not match.
	ErrInvalidCode = errors.New("mfa: invalid code")
	// ErrReplayed means the code matched a time step that was already used.
	ErrReplayed = errors.New("mfa: code already used")
	// ErrLocked means too many failed attempts; MFA is locked for the user
	// until the lockout expires, and even a right code is refused.
	ErrLocked = errors.New("mfa: too many failed attempts, locked")
	// ErrNotEnrolled means the user has no TOTP enrollment.
	ErrNotEnrolled = errors.New("mfa: user is not enrolled")
	// ErrAlreadyEnrolled means the user already has a TOTP enrollment;
	// Reset it first to enroll again.
	ErrAlreadyEnrolled = errors.New("mfa: user is already enrolled")
	// ErrInvalidSecret means a secret passed to Confirm is not an unpadded,
	// upper-case base32 seed of 16 to 64 bytes.
	ErrInvalidSecret = errors.New("mfa: invalid secret")
	// ErrInvalidInput means a user ID or account name is empty, too long
	// or contains characters that are not allowed.
	ErrInvalidInput = errors.New("mfa: invalid input")
	// ErrUnseal means a stored seed could not be opened: it was sealed with
	// another key, belongs to another user, or was altered.
	ErrUnseal = errors.New("mfa: sealed secret cannot be opened")
	// ErrRecoveryUnavailable means no RecoveryStore is configured, so
	// recovery codes can be neither generated nor used.
	ErrRecoveryUnavailable = errors.New("mfa: recovery codes are not available")
)
