package msonline

import (
	"strings"
	"testing"
)

func TestParseLogin(t *testing.T) {
	tests := []struct {
		name, in, email, domain, errPart string
	}{
		{name: "plain", in: "alice@contoso.com", email: "alice@contoso.com", domain: "contoso.com"},
		{name: "domain lower-cased, alias kept", in: "Alice.Smith@CONTOSO.com", email: "Alice.Smith@contoso.com", domain: "contoso.com"},
		{name: "surrounding space trimmed", in: "  bob@sub.contoso.com\t", email: "bob@sub.contoso.com", domain: "sub.contoso.com"},
		{name: "UPN punctuation", in: "o'neil+x_y-z@contoso.com", email: "o'neil+x_y-z@contoso.com", domain: "contoso.com"},
		{name: "empty", in: " ", errPart: "Enter your email address"},
		{name: "no at", in: "alice", errPart: "exactly one @"},
		{name: "empty alias", in: "@contoso.com", errPart: "1 to 64"},
		{name: "alias too long", in: strings.Repeat("a", 65) + "@contoso.com", errPart: "1 to 64"},
		{name: "leading period", in: ".alice@contoso.com", errPart: "period"},
		{name: "double period", in: "al..ice@contoso.com", errPart: "period"},
		{name: "control character", in: "al\x00ice@contoso.com", errPart: "control characters"},
		{name: "non-ASCII alias", in: "älice@contoso.com", errPart: "plain ASCII"},
		{name: "empty domain", in: "alice@", errPart: "Enter the domain"},
		{name: "empty label", in: "alice@contoso..com", errPart: "1 to 63"},
		{name: "label too long", in: "alice@" + strings.Repeat("a", 64) + ".com", errPart: "1 to 63"},
		{name: "underscore in domain", in: "alice@con_toso.com", errPart: "letters, digits and hyphens"},
		{name: "IDN", in: "alice@münchen.de", errPart: "xn--"},
		{name: "too long", in: "a@" + strings.Repeat("b.", 130) + "com", errPart: "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			email, domain, err := parseLogin(tt.in)
			if tt.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errPart) {
					t.Fatalf("parseLogin(%q) error = %v, want %q", tt.in, err, tt.errPart)
				}
				return
			}
			if err != nil || email != tt.email || domain != tt.domain {
				t.Fatalf("parseLogin(%q) = %q, %q, %v; want %q, %q", tt.in, email, domain, err, tt.email, tt.domain)
			}
		})
	}
}

// FuzzParseLogin: no panic; an accepted login is short, has one @, a
// lower-case domain, and parses again to itself.
func FuzzParseLogin(f *testing.F) {
	for _, s := range []string{"alice@contoso.com", "Alice@Contoso.COM", "a@b", "@", "a@b@c.com", "x@-y.com", "é@contoso.com", strings.Repeat("a", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		email, domain, err := parseLogin(in)
		if err != nil {
			return
		}
		if len(email) > maxLoginLen || strings.Count(email, "@") != 1 || domain != strings.ToLower(domain) || !strings.HasSuffix(email, "@"+domain) {
			t.Fatalf("parseLogin(%q) = %q, %q", in, email, domain)
		}
		again, domain2, err := parseLogin(email)
		if err != nil || again != email || domain2 != domain {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, email, again, err)
		}
	})
}
