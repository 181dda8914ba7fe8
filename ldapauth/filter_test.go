package ldapauth

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

func TestBuildUserFilter_EscapesOnce(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"plain", "alice", "(&(objectClass=user)(|(userPrincipalName=alice)(sAMAccountName=alice)))"},
		{"star", "*", `(&(objectClass=user)(|(userPrincipalName=\2a)(sAMAccountName=\2a)))`},
		{"parens", "a(b)", `(&(objectClass=user)(|(userPrincipalName=a\28b\29)(sAMAccountName=a\28b\29)))`},
		{"backslash", `a\b`, `(&(objectClass=user)(|(userPrincipalName=a\5cb)(sAMAccountName=a\5cb)))`},
		{"already escaped stays literal", `\2a`, `(&(objectClass=user)(|(userPrincipalName=\5c2a)(sAMAccountName=\5c2a)))`},
		{"NUL", "a\x00", `(&(objectClass=user)(|(userPrincipalName=a\00)(sAMAccountName=a\00)))`},
		{"injection", "*)(uid=*", `(&(objectClass=user)(|(userPrincipalName=\2a\29\28uid=\2a)(sAMAccountName=\2a\29\28uid=\2a)))`},
		{"UTF-8", "zoë", `(&(objectClass=user)(|(userPrincipalName=zo\c3\ab)(sAMAccountName=zo\c3\ab)))`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := buildUserFilter(DefaultUserFilter, tt.input); got != tt.want {
				t.Errorf("buildUserFilter(%q) = %s, want %s", tt.input, got, tt.want)
			}
		})
	}
}

func TestSearchName(t *testing.T) {
	tests := []struct {
		name, input, want string
		wantErr           bool
	}{
		{"UPN", "alice@contoso.com", "alice@contoso.com", false},
		{"bare", "alice", "alice", false},
		{"down-level", `CORP\alice`, "alice", false},
		{"down-level DNS domain", `corp.contoso.com\alice`, "alice", false},
		{"down-level wildcard stays literal", `CORP\*`, "*", false},
		{"two backslashes: literal", `a\b\c`, `a\b\c`, false},
		{"leading backslash: literal", `\alice`, `\alice`, false},
		{"trailing backslash: literal", `CORP\`, `CORP\`, false},
		{"bad domain: literal", `*)(\alice`, `*)(\alice`, false},
		{"max length", strings.Repeat("a", MaxUsernameLen), strings.Repeat("a", MaxUsernameLen), false},
		{"surrounding spaces dropped", "  alice@contoso.com ", "alice@contoso.com", false},
		{"down-level with spaces", ` CORP\alice `, "alice", false},
		{"inner space kept", "alice anderson", "alice anderson", false},
		{"only spaces", "   ", "", true},
		{"NUL (Samba truncates at it)", "alice\x00x", "", true},
		{"tab", "alice\t", "", true},
		{"DEL", "alice\x7f", "", true},
		{"C1 control", "alice\u0085", "", true},
		{"non-breaking space is not a control", "alice\u00a0", "alice\u00a0", false},
		{"empty", "", "", true},
		{"too long", strings.Repeat("a", MaxUsernameLen+1), "", true},
		{"invalid UTF-8", "al\xffice", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := searchName(tt.input)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("searchName(%q) = %q, %v; want %q, err=%v", tt.input, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// filterShape flattens a compiled filter into its structure (tags and
// child counts) and its leaf values, in order.
func filterShape(p *ber.Packet, shape *[]string, values *[]string) {
	*shape = append(*shape, p.Description, strconv.Itoa(len(p.Children)))
	switch p.Tag {
	case ldap.FilterAnd, ldap.FilterOr, ldap.FilterNot:
		for _, c := range p.Children {
			filterShape(c, shape, values)
		}
	case ldap.FilterPresent:
		*values = append(*values, string(p.Data.Bytes()))
	default:
		for _, c := range p.Children {
			*values = append(*values, string(c.Data.Bytes()))
		}
	}
}

// FuzzBuildUserFilter: whatever the username, the filter compiles, has
// exactly the template's structure, and carries the input verbatim as the
// value wherever the placeholder was.
func FuzzBuildUserFilter(f *testing.F) {
	for _, s := range []string{"alice", "alice@contoso.com", `CORP\alice`, "*", "(", ")", `\`, "\x00",
		"*)(uid=*", "*)(|(objectClass=*", `\2a`, "zoë", "\xff\xfe", ")(&", "a*b*c"} {
		f.Add(s)
	}
	const probe = "fedgate-probe-value"
	templates := []string{
		DefaultUserFilter,
		"(&(objectCategory=person)(objectClass=user)(sAMAccountName={username}))",
		"(&(objectClass=user)(!(cn=x))(mail={username}))",
		defaultUserFilter("mail"),
	}
	type ref struct{ shape, values []string }
	refs := make([]ref, len(templates))
	for i, tmpl := range templates {
		p, err := ldap.CompileFilter(buildUserFilter(tmpl, probe))
		if err != nil {
			f.Fatalf("template %q does not compile: %v", tmpl, err)
		}
		filterShape(p, &refs[i].shape, &refs[i].values)
	}

	f.Fuzz(func(t *testing.T, input string) {
		for i, tmpl := range templates {
			out := buildUserFilter(tmpl, input)
			if !utf8.ValidString(out) {
				t.Fatalf("filter for %q is not valid UTF-8: %q", input, out)
			}
			p, err := ldap.CompileFilter(out)
			if err != nil {
				t.Fatalf("filter for %q does not compile: %v\n%s", input, err, out)
			}
			var shape, values []string
			filterShape(p, &shape, &values)
			if !slices.Equal(shape, refs[i].shape) {
				t.Fatalf("input %q changed the filter structure:\n got %q\nwant %q", input, shape, refs[i].shape)
			}
			want := slices.Clone(refs[i].values)
			for j := range want {
				if want[j] == probe {
					want[j] = input
				}
			}
			if !slices.Equal(values, want) {
				t.Fatalf("input %q: values %q, want %q", input, values, want)
			}
		}
	})
}
