package ldapauth

import (
	"errors"
	"strings"
	"testing"
)

func TestReason_StringIsStable(t *testing.T) {
	tests := []struct {
		r          Reason
		want       string
		credential bool
	}{
		{ReasonUnknown, "unknown", false},
		{ReasonBadPassword, "bad_password", true},
		{ReasonNoSuchUser, "no_such_user", true},
		{ReasonLogonHours, "logon_hours", true},
		{ReasonWorkstation, "workstation", true},
		{ReasonPasswordExpired, "password_expired", true},
		{ReasonDisabled, "disabled", true},
		{ReasonAccountExpired, "account_expired", true},
		{ReasonMustChangePassword, "must_change_password", true},
		{ReasonLockedOut, "locked_out", true},
		{ReasonEmptyPassword, "empty_password", true},
		{ReasonAmbiguousUser, "ambiguous_user", true},
		{ReasonUnavailable, "unavailable", false},
		{Reason(-1), "unknown", false},
		{Reason(99), "unknown", false},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.r.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if got := tt.r.IsCredentialFailure(); got != tt.credential {
				t.Errorf("IsCredentialFailure() = %v, want %v", got, tt.credential)
			}
			if got := tt.r.LogValue().String(); got != tt.want {
				t.Errorf("LogValue() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestError_WrapsExactlyOneSentinel(t *testing.T) {
	cause := errors.New("dial tcp 127.0.0.1:1: connection refused")
	tests := []struct {
		name            string
		err             *Error
		wantCredentials bool
		wantText        []string
	}{
		{"credential", credentialError(ReasonBadPassword, "ldaps://dc1", "data 52e", ""), true,
			[]string{"ldapauth: bad_password", "dc ldaps://dc1", "data 52e", "invalid credentials"}},
		{"credential with detail", credentialError(ReasonNoSuchUser, "", "", "username is empty"), true,
			[]string{"no_such_user", "username is empty"}},
		{"unavailable", unavailableError("ldaps://dc1", "", cause), false,
			[]string{"ldapauth: unavailable", "directory unavailable", "connection refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, ErrInvalidCredentials); got != tt.wantCredentials {
				t.Errorf("errors.Is(ErrInvalidCredentials) = %v", got)
			}
			if got := errors.Is(tt.err, ErrUnavailable); got == tt.wantCredentials {
				t.Errorf("errors.Is(ErrUnavailable) = %v", got)
			}
			if got := tt.err.Reason.IsCredentialFailure(); got != tt.wantCredentials {
				t.Errorf("Reason.IsCredentialFailure() = %v", got)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(tt.err.Error(), s) {
					t.Errorf("Error() = %q, missing %q", tt.err.Error(), s)
				}
			}
		})
	}
	if !errors.Is(unavailableError("", "", cause), cause) {
		t.Error("unavailable error does not wrap its cause")
	}
}
