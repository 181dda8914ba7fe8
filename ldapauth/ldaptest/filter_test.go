package ldaptest

import (
	"testing"
)

func testTree(t testing.TB) *tree {
	t.Helper()
	tr, _, err := buildEntries(DefaultBaseDN, Contoso(), nil)
	if err != nil {
		t.Fatalf("buildEntries: %v", err)
	}
	return tr
}

func TestMatches(t *testing.T) {
	tr := testTree(t)
	alice := tr.entries[0]
	tests := []struct {
		filter string
		want   bool
	}{
		{"(sAMAccountName=alice)", true},
		{"(SAMACCOUNTNAME=ALICE)", true},
		{"(sAMAccountName=bob)", false},
		{"(sAMAccountName~=Alice)", true},
		{"(objectClass=*)", true},
		{"(nonexistent=*)", false},
		{"(!(sAMAccountName=alice))", false},
		{"(&)", true},
		{"(|)", false},
		{"(displayName=Alice*)", true},
		{"(displayName=*Anderson)", true},
		{"(displayName=A*e*n)", true},
		{"(displayName=*lice*and*)", true},
		{"(displayName=*and*lice*)", false},
		{"(displayName=Bob*)", false},
		{`(sAMAccountName=\2a)`, false},
		{`(objectGUID=\45\6f\9a\2a\2c\0b\1d\4a\9e\3f\5d\6c\7b\8a\9f\01)`, true},
		{`(objectGUID=\45\6F\9A\2A\2C\0B\1D\4A\9E\3F\5D\6C\7B\8A\9F\01)`, true},
		{`(objectGUID=\65\6f\9a\2a\2c\0b\1d\4a\9e\3f\5d\6c\7b\8a\9f\01)`, false}, // binary: no case folding
		{"(userAccountControl>=512)", true},
		{"(userAccountControl<=511)", false},
		{"(userAccountControl:1.2.840.113556.1.4.803:=2)", false},
		{"(userAccountControl:1.2.840.113556.1.4.803:=512)", true},
		{"(userAccountControl:1.2.840.113556.1.4.804:=514)", true},
		{"(userAccountControl:1.2.3:=512)", false},
		{"(userAccountControl:dn:1.2.840.113556.1.4.803:=512)", false},
		{"(objectCategory=person)", true},
		{"(objectCategory=CN=Person,CN=Schema,CN=Configuration,DC=contoso,DC=com)", true},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := compileFilter(tt.filter)
			if err != nil {
				t.Fatalf("compileFilter: %v", err)
			}
			if got := matches(f, alice, tr); got != tt.want {
				t.Errorf("matches(%s) = %v, want %v", tt.filter, got, tt.want)
			}
		})
	}
}

func TestCompileFilter_RejectsHugeFilters(t *testing.T) {
	big := "(cn=" + string(make([]byte, maxFilterLen)) + ")"
	if _, err := compileFilter(big); err == nil {
		t.Fatal("compileFilter accepted a filter over the size limit")
	}
}

// FuzzMatches checks that evaluating any filter go-ldap can compile never
// panics.
func FuzzMatches(f *testing.F) {
	for _, s := range []string{
		"(&(objectClass=user)(|(userPrincipalName=alice)(sAMAccountName=alice)))",
		"(displayName=*a*n*)",
		"(userAccountControl:1.2.840.113556.1.4.803:=2)",
		"(!(mail=*))",
		"(cn>=b)",
		`(objectGUID=\45\6f)`,
		"(member:1.2.840.113556.1.4.1941:=CN=Alice Anderson,CN=Users,DC=contoso,DC=com)",
		"(memberOf:1.2.840.113556.1.4.1941:=CN=O365 Users,CN=Users,DC=contoso,DC=com)",
	} {
		f.Add(s)
	}
	tr := testTree(f)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := compileFilter(s)
		if err != nil {
			return
		}
		for _, e := range tr.entries {
			matches(p, e, tr)
		}
	})
}
