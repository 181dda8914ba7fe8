package claims_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/idp/claims"
)

const (
	financeDN = "CN=Finance,OU=Groups,DC=contoso,DC=com"
	salesDN   = "CN=Sales,OU=Groups,DC=contoso,DC=com"
)

// fields lists the Field of every FieldError in err, in order.
func fields(t *testing.T, err error) []string {
	t.Helper()
	var out []string
	var walk func(error)
	walk = func(err error) {
		var fe *claims.FieldError
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		if errors.As(err, &fe) {
			out = append(out, fe.Field)
			return
		}
		t.Errorf("error %v is not a FieldError", err)
	}
	if err != nil {
		walk(err)
	}
	return out
}

func TestValidateRules(t *testing.T) {
	extra := []string{"department", "employeeID"}
	tests := []struct {
		name  string
		rules []claims.Rule
		want  []string // fields with problems; nil = valid
		text  string   // substring of the error
	}{
		{"defaults", claims.DefaultRules(), nil, ""},
		{"every template", []claims.Rule{
			{Attribute: "mail", Claim: claims.ClaimEmail},
			{Attribute: "userPrincipalName", Claim: claims.ClaimUPN},
			{Attribute: "Department", Claim: "http://schemas.contoso.com/claims/department"},
			{MemberOf: financeDN, Value: "Finance", Claim: claims.ClaimRole},
			{Groups: claims.GroupsCN, Claim: "http://schemas.xmlsoap.org/claims/Group"},
			{Groups: claims.GroupsDN, Claim: "urn:oid:1.3.6.1.4.1.5923.1.5.1.1"},
			{Value: "Contoso", Claim: "organization"},
		}, nil, ""},
		{"no source", []claims.Rule{{Claim: claims.ClaimRole}}, []string{"claims[0]"}, "has no source"},
		{"two sources", []claims.Rule{{Attribute: "mail", MemberOf: financeDN, Value: "x", Claim: claims.ClaimRole}},
			[]string{"claims[0].member_of", "claims[0].value"}, "a rule has one source"},
		{"unknown attribute", []claims.Rule{{Attribute: "givenName", Claim: claims.ClaimName}}, []string{"claims[0].attribute"},
			"directory.claim_attributes"},
		{"malformed attribute", []claims.Rule{{Attribute: "mail)(x", Claim: claims.ClaimName}}, []string{"claims[0].attribute"},
			"not an attribute name"},
		{"bad DN", []claims.Rule{{MemberOf: "Finance", Value: "x", Claim: claims.ClaimRole}}, []string{"claims[0].member_of"}, "not a distinguished name"},
		{"member_of without value", []claims.Rule{{MemberOf: financeDN, Claim: claims.ClaimRole}}, []string{"claims[0].value"}, "required with member_of"},
		{"value with attribute", []claims.Rule{{Attribute: "mail", Value: "x", Claim: claims.ClaimEmail}}, []string{"claims[0].value"}, "only used with"},
		{"bad group format", []claims.Rule{{Groups: "sid", Claim: claims.ClaimRole}}, []string{"claims[0].groups"}, `"cn"`},
		{"missing claim", []claims.Rule{{Attribute: "mail"}}, []string{"claims[0].claim"}, "required"},
		{"claim with space", []claims.Rule{{Attribute: "mail", Claim: "http://x/a b"}}, []string{"claims[0].claim"}, "spaces"},
		{"claim not a URI", []claims.Rule{{Attribute: "mail", Claim: "9lives"}}, []string{"claims[0].claim"}, "neither"},
		{"claim bad scheme", []claims.Rule{{Attribute: "mail", Claim: "1http://x"}}, []string{"claims[0].claim"}, "absolute URI"},
		{"claim too long", []claims.Rule{{Attribute: "mail", Claim: "http://x/" + strings.Repeat("a", 300)}}, []string{"claims[0].claim"}, "limit"},
		{"constant control character", []claims.Rule{{Value: "a\x01b", Claim: "x"}}, []string{"claims[0].value"}, "U+0001"},
		{"constant too long", []claims.Rule{{Value: strings.Repeat("a", claims.MaxConstantBytes+1), Claim: "x"}}, []string{"claims[0].value"}, "limit"},
		{"too many", slices.Repeat([]claims.Rule{{Value: "a", Claim: "x"}}, claims.MaxRules+1), []string{"claims"}, "limit is 64"},
		{"reports each rule", []claims.Rule{{Attribute: "nope", Claim: "x"}, {Value: "ok", Claim: "y"}, {Groups: "x", Claim: "z"}},
			[]string{"claims[2].groups", "claims[0].attribute"}, ""}, // syntax first, then attribute availability
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := errors.Join(claims.ValidateRules(tt.rules), claims.CheckAttributes(tt.rules, extra))
			if got := fields(t, err); !slices.Equal(got, tt.want) {
				t.Fatalf("problems %v, want %v (%v)", got, tt.want, err)
			}
			if tt.text != "" && (err == nil || !strings.Contains(err.Error(), tt.text)) {
				t.Errorf("error %v lacks %q", err, tt.text)
			}
		})
	}
}

func TestSplitType(t *testing.T) {
	tests := []struct {
		in, ns, name string
		ok           bool
	}{
		{claims.ClaimEmail, "http://schemas.xmlsoap.org/ws/2005/05/identity/claims", "emailaddress", true},
		{"http://schemas.xmlsoap.org/claims/Group", "http://schemas.xmlsoap.org/claims", "Group", true},
		{"email", "", "", false},
		{"urn:oid:2.5.4.42", "", "", false},
		{"http://x/", "", "", false},
		{"/x", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ns, name, ok := claims.SplitType(tt.in)
			if ns != tt.ns || name != tt.name || ok != tt.ok {
				t.Errorf("SplitType(%q) = %q, %q, %v", tt.in, ns, name, ok)
			}
		})
	}
}
