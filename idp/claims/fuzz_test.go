package claims_test

import (
	"testing"
	"unicode/utf8"

	"github.com/fedgate/fedgate/idp/claims"
)

// FuzzRules feeds arbitrary rule fields and groups through validation,
// evaluation and the access decision. Properties: no panic; a rule set
// that validates evaluates without error on a well-formed subject whose
// values are plain text; every issued value is non-empty and every type
// passes CheckClaimType.
func FuzzRules(f *testing.F) {
	f.Add("mail", "", "", "", claims.ClaimEmail, financeDN)
	f.Add("", financeDN, "", "Finance", claims.ClaimRole, "cn=finance,ou=groups,dc=contoso,dc=com")
	f.Add("", "", "cn", "", "http://schemas.xmlsoap.org/claims/Group", `CN=R\,D,DC=x`)
	f.Add("", "", "dn", "", "urn:oid:1.2.3", "CN=a+OU=b,DC=x")
	f.Add("", "", "", "Contoso", "organization", "")
	f.Add("department", "CN=x", "cn", "v", "a b", "=,=")
	f.Fuzz(func(t *testing.T, attr, memberOf, groups, value, claim, group string) {
		rules := []claims.Rule{{Attribute: attr, MemberOf: memberOf, Groups: groups, Value: value, Claim: claim}}
		access := claims.Access{PermitGroups: []string{memberOf}, DenyGroups: []string{group}}
		s := &claims.Subject{UPN: "alice@contoso.com", Mail: "alice@contoso.com", Groups: []string{group, financeDN},
			Attributes: map[string][]string{"department": {"Finance"}}}
		_ = access.Validate()
		_ = access.Decide(s)
		_ = claims.NeedsDirectory(rules, access)
		valid := claims.ValidateRules(rules) == nil && claims.CheckAttributes(rules, []string{"department"}) == nil
		out, err := claims.Evaluate(rules, s)
		// A group DN is a directory value: only one XML can carry may be
		// expected to come out (others are refused, by design).
		if valid && err != nil && groups != claims.GroupsCN && xmlText(group) {
			t.Fatalf("valid rules %+v failed: %v", rules, err)
		}
		for _, c := range out {
			if valid {
				if err := claims.CheckClaimType(c.Type); err != nil {
					t.Fatalf("issued type %q: %v", c.Type, err)
				}
			}
			for _, v := range c.Values {
				if v == "" {
					t.Fatalf("empty value issued for %q", c.Type)
				}
			}
		}
	})
}

// xmlText reports whether s is made only of XML 1.0 characters (the Char
// production: tab, line breaks and U+0020 on, without U+FFFE and U+FFFF).
func xmlText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
			return false
		}
	}
	return true
}
