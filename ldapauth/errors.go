package ldapauth

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. An *Error with a credential-failure Reason wraps
// ErrInvalidCredentials and one with ReasonUnavailable wraps ErrUnavailable,
// so callers can branch with errors.Is. ReasonUnknown (a directory entry
// fedgate cannot use, such as one without a 16-byte objectGUID) wraps
// neither.
var (
	// ErrInvalidCredentials is matched by every credential failure
	// (Reason.IsCredentialFailure() == true).
	ErrInvalidCredentials = errors.New("invalid credentials")
	// ErrUnavailable is matched when the directory could not be asked:
	// dial, TLS, timeout, cancelled context, service-account or server-side
	// failures. It is never a statement about the user's password.
	ErrUnavailable = errors.New("directory unavailable")
)

// Error is the error type returned by Client.Authenticate and Client.Lookup.
// Use errors.As to read the Reason for audit and lockout policy; never show
// Diagnostic or Error() to the end user.
type Error struct {
	// Reason classifies the failure.
	Reason Reason
	// DC is the URL of the domain controller that answered, if any.
	DC string
	// Diagnostic is the server's diagnostic message (for example AD's
	// "80090308: LdapErr: ... data 52e, v3839"), if any.
	Diagnostic string
	// UserDN is the DN the username resolved to, once the search found
	// the account (bind and group failures); empty before that. Lockout
	// policy should count bad passwords against the account, not the typed
	// name: directories match names case-insensitively and ignore
	// surrounding spaces, so many typed names reach one account.
	UserDN string
	// Err wraps ErrInvalidCredentials or ErrUnavailable, plus the cause.
	Err error
}

// Error formats the failure for operators. It never contains the password
// or the username.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("ldapauth: ")
	b.WriteString(e.Reason.String())
	if e.DC != "" {
		b.WriteString(" (dc ")
		b.WriteString(e.DC)
		b.WriteString(")")
	}
	if e.Diagnostic != "" {
		b.WriteString(": ")
		b.WriteString(e.Diagnostic)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the wrapped error chain (a sentinel and its cause).
func (e *Error) Unwrap() error { return e.Err }

// credentialError builds a credential failure. detail, if non-empty, is
// appended after the sentinel and must not contain secrets or the username.
func credentialError(r Reason, dc, diag, detail string) *Error {
	err := ErrInvalidCredentials
	if detail != "" {
		err = fmt.Errorf("%w: %s", ErrInvalidCredentials, detail)
	}
	return &Error{Reason: r, DC: dc, Diagnostic: diag, Err: err}
}

// unavailableError builds a ReasonUnavailable failure; errors.Is matches
// both ErrUnavailable and cause.
func unavailableError(dc, diag string, cause error) *Error {
	err := ErrUnavailable
	if cause != nil {
		err = fmt.Errorf("%w: %w", ErrUnavailable, cause)
	}
	return &Error{Reason: ReasonUnavailable, DC: dc, Diagnostic: diag, Err: err}
}
