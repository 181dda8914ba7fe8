package wstrust

import (
	"testing"

	"github.com/fedgate/fedgate/idp/rp"
)

// TestDecide_Matrix lists every combination of enrollment, policy,
// location and credential type with its answer.
func TestDecide_Matrix(t *testing.T) {
	const (
		pw, app          = false, true
		inside, outside  = true, false
		enrolled, notEnr = true, false
	)
	tests := []struct {
		enrolled bool
		policy   LegacyPolicy
		inside   bool
		app      bool
		allow    bool
		reason   string
	}{
		// Not enrolled: the directory password always works; an app
		// password only where the policy accepts app passwords.
		{notEnr, DenyEnrolled, inside, pw, true, ""},
		{notEnr, DenyEnrolled, outside, pw, true, ""},
		{notEnr, DenyEnrolled, inside, app, false, denyAppPasswordRefused},
		{notEnr, DenyEnrolled, outside, app, false, denyAppPasswordRefused},
		{notEnr, InsideOnly, inside, pw, true, ""},
		{notEnr, InsideOnly, outside, pw, true, ""},
		{notEnr, InsideOnly, inside, app, false, denyAppPasswordRefused},
		{notEnr, InsideOnly, outside, app, false, denyAppPasswordRefused},
		{notEnr, AppPassword, inside, pw, true, ""},
		{notEnr, AppPassword, outside, pw, true, ""},
		{notEnr, AppPassword, inside, app, true, ""},
		{notEnr, AppPassword, outside, app, true, ""},
		// Enrolled.
		{enrolled, DenyEnrolled, inside, pw, false, denyEnrolledUser},
		{enrolled, DenyEnrolled, outside, pw, false, denyEnrolledUser},
		{enrolled, DenyEnrolled, inside, app, false, denyAppPasswordRefused},
		{enrolled, DenyEnrolled, outside, app, false, denyAppPasswordRefused},
		{enrolled, InsideOnly, inside, pw, true, ""},
		{enrolled, InsideOnly, outside, pw, false, denyOutside},
		{enrolled, InsideOnly, inside, app, false, denyAppPasswordRefused},
		{enrolled, InsideOnly, outside, app, false, denyAppPasswordRefused},
		{enrolled, AppPassword, inside, pw, false, denyAppPasswordRequired},
		{enrolled, AppPassword, outside, pw, false, denyAppPasswordRequired},
		{enrolled, AppPassword, inside, app, true, ""},
		{enrolled, AppPassword, outside, app, true, ""},
		// An unknown policy refuses everything.
		{notEnr, "", inside, pw, false, denyUnknownPolicy},
		{notEnr, "allow_all", outside, pw, false, denyUnknownPolicy},
		{enrolled, "Deny_Enrolled", inside, pw, false, denyUnknownPolicy},
		{enrolled, "allow_all", outside, app, false, denyUnknownPolicy},
	}
	name := func(b bool, yes, no string) string {
		if b {
			return yes
		}
		return no
	}
	for _, tt := range tests {
		n := name(tt.enrolled, "enrolled", "not_enrolled") + "/" + string(tt.policy) + "/" +
			name(tt.inside, "inside", "outside") + "/" + name(tt.app, "app_password", "password")
		t.Run(n, func(t *testing.T) {
			allow, reason := decide(tt.enrolled, tt.policy, tt.inside, tt.app)
			if allow != tt.allow || reason != tt.reason {
				t.Errorf("decide = %v %q, want %v %q", allow, reason, tt.allow, tt.reason)
			}
		})
	}
}

func TestParseLegacyPolicy(t *testing.T) {
	tests := []struct {
		in      string
		want    LegacyPolicy
		wantErr bool
	}{
		{"deny_enrolled", DenyEnrolled, false},
		{"inside_only", InsideOnly, false},
		{"app_password", AppPassword, false},
		{"", "", true},
		{"DENY_ENROLLED", "", true},
		{"allow", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLegacyPolicy(tt.in)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("ParseLegacyPolicy(%q) = %q, %v", tt.in, got, err)
			}
		})
	}
}

func TestPolicyByIdentifier(t *testing.T) {
	o365 := rp.Office365(rp.MFAAlways)
	other := rp.Party{Name: "other", Identifiers: []string{"urn:other"}}
	pick, err := PolicyByIdentifier(map[string]LegacyPolicy{"https://login.microsoftonline.com/extSTS.srf": AppPassword}, DenyEnrolled)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		party *rp.Party
		want  LegacyPolicy
	}{
		{"matched by a second identifier", &o365, AppPassword},
		{"fallback", &other, DenyEnrolled},
		{"nil party", nil, DenyEnrolled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pick(tt.party); got != tt.want {
				t.Errorf("policy = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := PolicyByIdentifier(map[string]LegacyPolicy{"urn:x": "nope"}, DenyEnrolled); err == nil {
		t.Error("an invalid policy value was accepted")
	}
	if _, err := PolicyByIdentifier(nil, "nope"); err == nil {
		t.Error("an invalid fallback was accepted")
	}
}
