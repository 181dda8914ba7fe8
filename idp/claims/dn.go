package claims

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

// MaxDNBytes bounds a group DN in a rule or access policy.
const MaxDNBytes = 1024

// parseGroupDN checks a configured group DN: non-empty, at most
// MaxDNBytes, printable UTF-8, and valid RFC 4514 syntax with at least
// one RDN.
func parseGroupDN(s string) (*ldap.DN, error) {
	switch {
	case strings.TrimSpace(s) == "":
		return nil, errors.New("is empty; give the group's distinguished name, such as CN=Finance,OU=Groups,DC=contoso,DC=com")
	case len(s) > MaxDNBytes:
		return nil, fmt.Errorf("is %d bytes long; the limit is %d", len(s), MaxDNBytes)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl):
		return nil, errors.New("holds control characters or invalid UTF-8")
	}
	dn, err := ldap.ParseDN(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a distinguished name (%w); use the form CN=Finance,OU=Groups,DC=contoso,DC=com", s, err)
	}
	if len(dn.RDNs) == 0 {
		return nil, fmt.Errorf("%q is not a distinguished name; use the form CN=Finance,OU=Groups,DC=contoso,DC=com", s)
	}
	return dn, nil
}

// dnKey is the comparison key of a DN: parsed per RFC 4514 (values
// unescaped, surrounding spaces dropped), each attribute type and value
// case-folded (AD matches DNs case-insensitively, including non-ASCII
// letters), RDN members sorted, and re-joined with '\\', ',' and '+'
// escaped. A string that does not parse (the directory never returns one)
// is folded as it is, so it can only equal itself.
func dnKey(s string) string {
	dn, err := ldap.ParseDN(s)
	if err != nil || len(dn.RDNs) == 0 {
		return "\x00" + fold(s) // a parsed key starts with an attribute type, never NUL
	}
	rdns := make([]string, len(dn.RDNs))
	for i, rdn := range dn.RDNs {
		parts := make([]string, len(rdn.Attributes))
		for j, a := range rdn.Attributes {
			parts[j] = dnEscaper.Replace(fold(a.Type)) + "=" + dnEscaper.Replace(fold(a.Value))
		}
		slices.Sort(parts)
		rdns[i] = strings.Join(parts, "+")
	}
	return strings.Join(rdns, ",")
}

// dnEscaper escapes the separators of dnKey's output; a Replacer is safe
// for concurrent use and never modified.
var dnEscaper = strings.NewReplacer(`\`, `\\`, ",", `\,`, "+", `\+`)

// fold maps every rune to the smallest rune of its Unicode case-folding
// orbit, so fold(a) == fold(b) exactly when strings.EqualFold(a, b).
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		for {
			next := unicode.SimpleFold(r)
			if next <= r {
				return next
			}
			r = next
		}
	}, s)
}

// commonName returns the CN of a group DN (the first RDN's cn value, or
// its first value when it has no cn), which is what AD FS's
// "Token-Groups – Unqualified Names" shows for groups whose CN and
// pre-Windows 2000 name agree, as they do by default.
func commonName(s string) (string, error) {
	dn, err := ldap.ParseDN(s)
	if err != nil || len(dn.RDNs) == 0 || len(dn.RDNs[0].Attributes) == 0 {
		return "", errors.New("the directory returned a group DN that does not parse")
	}
	first := dn.RDNs[0].Attributes
	for _, a := range first {
		if strings.EqualFold(a.Type, "cn") {
			return a.Value, nil
		}
	}
	return first[0].Value, nil
}
