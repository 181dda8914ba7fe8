package claims_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/ldapauth"
)

// alice is a directory user as ldapauth reads her.
func alice() *claims.Subject {
	return claims.NewSubject(&ldapauth.User{
		DN: "CN=Alice Anderson,CN=Users,DC=contoso,DC=com", UPN: "alice@contoso.com", SAMAccountName: "alice",
		DisplayName: "Alice Anderson", Mail: "alice.anderson@contoso.com", ImmutableID: "RW+aKiwLHUqeP11se4qfAQ==",
		ObjectGUID: []byte{0x45, 0x6f, 0x9a, 0x2a, 0x2c, 0x0b, 0x1d, 0x4a, 0x9e, 0x3f, 0x5d, 0x6c, 0x7b, 0x8a, 0x9f, 0x01},
		Groups:     []string{financeDN, "CN=Domain Users,CN=Users,DC=contoso,DC=com"},
		Attributes: map[string][]string{"department": {"Finance"}, "proxyaddresses": {"SMTP:alice@contoso.com", "smtp:a@contoso.com"}},
	})
}

func TestNewSubject_BuiltinsAndGUIDString(t *testing.T) {
	s := alice()
	tests := []struct {
		attr string
		want []string
	}{
		{"upn", []string{"alice@contoso.com"}},
		{"userPrincipalName", []string{"alice@contoso.com"}},
		{"sAMAccountName", []string{"alice"}},
		{"MAIL", []string{"alice.anderson@contoso.com"}},
		{"displayname", []string{"Alice Anderson"}},
		{"objectGUID", []string{"2a9a6f45-0b2c-4a1d-9e3f-5d6c7b8a9f01"}},
		{"immutableID", []string{"RW+aKiwLHUqeP11se4qfAQ=="}},
		{"Department", []string{"Finance"}},
		{"telephoneNumber", nil},
	}
	for _, tt := range tests {
		t.Run(tt.attr, func(t *testing.T) {
			if got := s.Values(tt.attr); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Values(%q) = %q, want %q", tt.attr, got, tt.want)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	const group = "http://schemas.xmlsoap.org/claims/Group"
	tests := []struct {
		name  string
		rules []claims.Rule
		want  []claims.Claim
	}{
		{"defaults", claims.DefaultRules(), []claims.Claim{
			{Type: claims.ClaimUPN, Values: []string{"alice@contoso.com"}},
			{Type: claims.ClaimName, Values: []string{"Alice Anderson"}},
			{Type: claims.ClaimEmail, Values: []string{"alice.anderson@contoso.com"}},
		}},
		{"group membership, nested DN case", []claims.Rule{
			{MemberOf: "cn=finance,ou=groups,dc=contoso,dc=com", Value: "Finance", Claim: claims.ClaimRole},
			{MemberOf: salesDN, Value: "Sales", Claim: claims.ClaimRole},
		}, []claims.Claim{{Type: claims.ClaimRole, Values: []string{"Finance"}}}},
		{"every group as cn and dn", []claims.Rule{{Groups: "cn", Claim: group}, {Groups: "dn", Claim: "groupdn"}}, []claims.Claim{
			{Type: group, Values: []string{"Finance", "Domain Users"}},
			{Type: "groupdn", Values: []string{financeDN, "CN=Domain Users,CN=Users,DC=contoso,DC=com"}},
		}},
		{"multi-valued attribute", []claims.Rule{{Attribute: "proxyAddresses", Claim: "proxy"}}, []claims.Claim{
			{Type: "proxy", Values: []string{"SMTP:alice@contoso.com", "smtp:a@contoso.com"}},
		}},
		{"same type merged, duplicates dropped, order kept", []claims.Rule{
			{Value: "Staff", Claim: claims.ClaimRole},
			{Attribute: "upn", Claim: claims.ClaimUPN},
			{MemberOf: financeDN, Value: "Finance", Claim: claims.ClaimRole},
			{Value: "Staff", Claim: claims.ClaimRole},
		}, []claims.Claim{
			{Type: claims.ClaimRole, Values: []string{"Staff", "Finance"}},
			{Type: claims.ClaimUPN, Values: []string{"alice@contoso.com"}},
		}},
		{"missing attribute issues nothing", []claims.Rule{{Attribute: "telephoneNumber", Claim: "tel"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := claims.Evaluate(tt.rules, alice())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Evaluate = %q\nwant      %q", got, tt.want)
			}
		})
	}
}

func TestEvaluate_UnsafeDirectoryValuesFailClosed(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  string
	}{
		{"control character", "Fin\x00ance", "U+0000"},
		{"invalid UTF-8", "Fin\xffance", "UTF-8"},
		{"too long", strings.Repeat("a", claims.MaxValueBytes+1), "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := alice()
			s.Attributes["department"] = []string{"ok", tt.value}
			_, err := claims.Evaluate([]claims.Rule{{Attribute: "department", Claim: "dept"}}, s)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "claims: claims[0] (dept)") {
				t.Fatalf("Evaluate error = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), tt.value) {
				t.Error("error echoes the directory value")
			}
		})
	}
}
