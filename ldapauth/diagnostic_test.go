package ldapauth

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func TestParseDiagnostic(t *testing.T) {
	tests := []struct {
		name, msg  string
		wantCode   string
		wantReason Reason
		wantOK     bool
	}{
		{"Samba 52e", "80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 52e, v1db1", "52e", ReasonBadPassword, true},
		{"Windows 775", "80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 775, v3839", "775", ReasonLockedOut, true},
		{"525", "80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 525, v3839", "525", ReasonNoSuchUser, true},
		{"530", "80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 530, v3839", "530", ReasonLogonHours, true},
		{"531", "80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 531, v3839", "531", ReasonWorkstation, true},
		{"532 (captured format, not reproducible on Samba)", "80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 532, v1db1", "532", ReasonPasswordExpired, true},
		{"533", "80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 533, v1db1", "533", ReasonDisabled, true},
		{"701", "80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 701, v1db1", "701", ReasonAccountExpired, true},
		{"773", "80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 773, v1db1", "773", ReasonMustChangePassword, true},
		{"upper-case hex", "80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 52E, v1db1", "52e", ReasonBadPassword, true},
		{"leading zeros", "..., data 0000052e, v1db1", "52e", ReasonBadPassword, true},
		{"at end of message", "AcceptSecurityContext error, data 533", "533", ReasonDisabled, true},
		{"unknown code", "00002028: LdapErr: DSID-0C090259, comment: ..., data 0, v3839", "0", ReasonUnknown, true},
		{"OpenLDAP has no code", "", "", ReasonUnknown, false},
		{"no code", "invalid credentials", "", ReasonUnknown, false},
		{"not a word", "metadata 52e, v1", "", ReasonUnknown, false},
		{"not hex", "data xyz, v1", "", ReasonUnknown, false},
		{"too many digits", "data 123456789, v1", "", ReasonUnknown, false},
		{"glued suffix", "data 52eg, v1", "", ReasonUnknown, false},
		{"second token wins when first is bad", "data zz, data 775, v1", "775", ReasonLockedOut, true},
		{"too long", strings.Repeat("x", maxDiagnosticLen) + ", data 52e", "", ReasonUnknown, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, reason, ok := ParseDiagnostic(tt.msg)
			if code != tt.wantCode || reason != tt.wantReason || ok != tt.wantOK {
				t.Errorf("ParseDiagnostic(%q) = %q, %v, %v; want %q, %v, %v",
					tt.msg, code, reason, ok, tt.wantCode, tt.wantReason, tt.wantOK)
			}
		})
	}
}

// FuzzParseDiagnostic: arbitrary input never panics and yields a
// normalised code; a generated AD message always round-trips its code.
func FuzzParseDiagnostic(f *testing.F) {
	f.Add("80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 52e, v1db1", uint32(0x52e))
	f.Add("80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 775, v3839", uint32(0x775))
	f.Add("data 0", uint32(0))
	f.Add("metadata 52e", uint32(0xffffffff))
	f.Fuzz(func(t *testing.T, msg string, n uint32) {
		code, reason, ok := ParseDiagnostic(msg)
		if !ok && (code != "" || reason != ReasonUnknown) {
			t.Fatalf("ParseDiagnostic(%q) = %q, %v, false: want empty results when !ok", msg, code, reason)
		}
		if ok {
			v, err := strconv.ParseUint(code, 16, 32)
			if err != nil || strconv.FormatUint(v, 16) != code {
				t.Fatalf("ParseDiagnostic(%q) code %q is not normalised hex", msg, code)
			}
		}

		gen := fmt.Sprintf("80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data %x, v3839", n)
		code, reason, ok = ParseDiagnostic(gen)
		if want := fmt.Sprintf("%x", n); !ok || code != want {
			t.Fatalf("ParseDiagnostic(%q) = %q, %v; want %q, true", gen, code, ok, want)
		}
		if want, known := adDataCodes[code]; known && reason != want || !known && reason != ReasonUnknown {
			t.Fatalf("ParseDiagnostic(%q) reason = %v", gen, reason)
		}
	})
}
