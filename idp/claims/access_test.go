package claims_test

import (
	"slices"
	"testing"

	"github.com/fedgate/fedgate/idp/claims"
)

func TestAccess_Decide(t *testing.T) {
	member := func(groups ...string) *claims.Subject {
		return &claims.Subject{UPN: "alice@contoso.com", Groups: groups}
	}
	tests := []struct {
		name    string
		access  claims.Access
		subject *claims.Subject
		permit  bool
		reason  string
	}{
		{"empty permits everyone", claims.Access{}, member(), true, "no_access_rules"},
		{"permit group member", claims.Access{PermitGroups: []string{salesDN, financeDN}}, member(financeDN), true, "permit_group:" + financeDN},
		{"not a permit group member", claims.Access{PermitGroups: []string{financeDN}}, member(salesDN), false, "not_in_permit_groups"},
		{"no groups at all", claims.Access{PermitGroups: []string{financeDN}}, member(), false, "not_in_permit_groups"},
		{"deny wins over permit", claims.Access{PermitGroups: []string{financeDN}, DenyGroups: []string{salesDN}},
			member(financeDN, salesDN), false, "deny_group:" + salesDN},
		{"deny only, not a member", claims.Access{DenyGroups: []string{salesDN}}, member(financeDN), true, "no_deny_group"},
		{"DN compared case-insensitively", claims.Access{PermitGroups: []string{"cn=FINANCE,ou=groups,dc=CONTOSO,dc=com"}},
			member(financeDN), true, "permit_group:cn=FINANCE,ou=groups,dc=CONTOSO,dc=com"},
		{"DN spacing normalised", claims.Access{DenyGroups: []string{"CN=Sales, OU=Groups, DC=contoso, DC=com"}},
			member(salesDN), false, "deny_group:CN=Sales, OU=Groups, DC=contoso, DC=com"},
		{"DN escaping normalised", claims.Access{PermitGroups: []string{`CN=R\2CD,OU=Groups,DC=contoso,DC=com`}},
			member(`CN=R\,D,OU=Groups,DC=contoso,DC=com`), true, `permit_group:CN=R\2CD,OU=Groups,DC=contoso,DC=com`},
		{"a prefix of a DN is another group", claims.Access{PermitGroups: []string{"CN=Finance,OU=Groups,DC=contoso"}},
			member(financeDN), false, "not_in_permit_groups"},
		{"non-ASCII folded", claims.Access{PermitGroups: []string{"CN=ÉQUIPE,DC=contoso,DC=com"}},
			member("CN=équipe,DC=contoso,DC=com"), true, "permit_group:CN=ÉQUIPE,DC=contoso,DC=com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.access.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			d := tt.access.Decide(tt.subject)
			if d.Permit != tt.permit || d.Reason != tt.reason {
				t.Errorf("Decide = %+v, want permit=%v reason=%q", d, tt.permit, tt.reason)
			}
		})
	}
}

func TestAccess_Validate(t *testing.T) {
	tests := []struct {
		name   string
		access claims.Access
		want   []string
	}{
		{"empty", claims.Access{}, nil},
		{"bad DNs", claims.Access{PermitGroups: []string{financeDN, "Finance"}, DenyGroups: []string{""}},
			[]string{"access.permit_groups[1]", "access.deny_groups[0]"}},
		{"repeated ignoring case", claims.Access{DenyGroups: []string{financeDN, "cn=finance,ou=groups,dc=contoso,dc=com"}},
			[]string{"access.deny_groups[1]"}},
		{"control character", claims.Access{PermitGroups: []string{"CN=a\nb,DC=x"}}, []string{"access.permit_groups[0]"}},
		{"too many", claims.Access{PermitGroups: slices.Repeat([]string{financeDN}, claims.MaxAccessGroups+1)}, []string{"access.permit_groups"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fields(t, tt.access.Validate()); !slices.Equal(got, tt.want) {
				t.Errorf("problems %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNeedsDirectory(t *testing.T) {
	tests := []struct {
		name   string
		rules  []claims.Rule
		access claims.Access
		want   bool
	}{
		{"session attributes only", []claims.Rule{{Attribute: "UPN", Claim: "a"}, {Attribute: "immutableid", Claim: "b"},
			{Attribute: "displayName", Claim: "c"}, {Value: "k", Claim: "d"}}, claims.Access{}, false},
		{"mail", []claims.Rule{{Attribute: "mail", Claim: "a"}}, claims.Access{}, true},
		{"defaults read mail", claims.DefaultRules(), claims.Access{}, true},
		{"groups", []claims.Rule{{Groups: "cn", Claim: "a"}}, claims.Access{}, true},
		{"member_of", []claims.Rule{{MemberOf: financeDN, Value: "x", Claim: "a"}}, claims.Access{}, true},
		{"access", nil, claims.Access{DenyGroups: []string{salesDN}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := claims.NeedsDirectory(tt.rules, tt.access); got != tt.want {
				t.Errorf("NeedsDirectory = %v, want %v", got, tt.want)
			}
		})
	}
}
