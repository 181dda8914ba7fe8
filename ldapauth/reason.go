package ldapauth

import "log/slog"

// Reason classifies why an authentication or lookup failed. The zero value is
// ReasonUnknown. Reasons are internal: show users one generic message and use
// the Reason for audit and lockout decisions.
type Reason int

// Reasons. The comments name the Active Directory "data" sub-code of an
// LDAP result 49 (invalidCredentials) that maps to each one.
const (
	ReasonUnknown            Reason = iota
	ReasonBadPassword               // 52e
	ReasonNoSuchUser                // 525 (and: search found nobody)
	ReasonLogonHours                // 530
	ReasonWorkstation               // 531
	ReasonPasswordExpired           // 532
	ReasonDisabled                  // 533
	ReasonAccountExpired            // 701
	ReasonMustChangePassword        // 773
	ReasonLockedOut                 // 775
	ReasonEmptyPassword             // refused before any I/O
	ReasonAmbiguousUser             // search matched more than one entry
	ReasonUnavailable               // network/TLS/timeout: never a credential failure
)

var reasonNames = [...]string{
	ReasonUnknown:            "unknown",
	ReasonBadPassword:        "bad_password",
	ReasonNoSuchUser:         "no_such_user",
	ReasonLogonHours:         "logon_hours",
	ReasonWorkstation:        "workstation",
	ReasonPasswordExpired:    "password_expired",
	ReasonDisabled:           "disabled",
	ReasonAccountExpired:     "account_expired",
	ReasonMustChangePassword: "must_change_password",
	ReasonLockedOut:          "locked_out",
	ReasonEmptyPassword:      "empty_password",
	ReasonAmbiguousUser:      "ambiguous_user",
	ReasonUnavailable:        "unavailable",
}

// String returns a stable snake_case name suitable for logs and audit
// records ("bad_password", "locked_out", ...). Values outside the defined
// set return "unknown".
func (r Reason) String() string {
	if r < 0 || int(r) >= len(reasonNames) {
		return reasonNames[ReasonUnknown]
	}
	return reasonNames[r]
}

// IsCredentialFailure reports whether the failure is attributable to the
// user (wrong password, disabled account, ...). It is false for
// ReasonUnavailable and ReasonUnknown, which must not count towards lockout.
func (r Reason) IsCredentialFailure() bool {
	switch r {
	case ReasonBadPassword, ReasonNoSuchUser, ReasonLogonHours, ReasonWorkstation,
		ReasonPasswordExpired, ReasonDisabled, ReasonAccountExpired,
		ReasonMustChangePassword, ReasonLockedOut, ReasonEmptyPassword,
		ReasonAmbiguousUser:
		return true
	default:
		return false
	}
}

// LogValue makes a Reason log as its String form.
func (r Reason) LogValue() slog.Value { return slog.StringValue(r.String()) }
