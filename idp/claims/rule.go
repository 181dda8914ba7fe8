package claims

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits checked by ValidateRules and Access.Validate.
const (
	// MaxRules bounds the claim rules of one relying party.
	MaxRules = 64
	// MaxClaimTypeBytes bounds a claim type URI or name.
	MaxClaimTypeBytes = 256
	// MaxConstantBytes bounds a rule's value.
	MaxConstantBytes = 1024
	// MaxAccessGroups bounds each of permit_groups and deny_groups.
	MaxAccessGroups = 64
)

// Group formats of Rule.Groups.
const (
	// GroupsCN issues each group's common name ("Finance"), like AD FS's
	// "Token-Groups – Unqualified Names".
	GroupsCN = "cn"
	// GroupsDN issues each group's full distinguished name.
	GroupsDN = "dn"
)

// Well-known claim types of the default rules (AD FS claim descriptions).
const (
	ClaimUPN   = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
	ClaimName  = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
	ClaimEmail = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
	ClaimRole  = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
)

// Rule is one claim rule. Exactly one source is set: Attribute,
// MemberOf or Groups, or none of them with a Value (a constant).
type Rule struct {
	// Attribute sends every value of this directory attribute as Claim
	// (AD FS "Send LDAP Attributes as Claims"). Case-insensitive; a
	// built-in (upn, samaccountname, mail, displayname, objectguid,
	// immutableid) or an attribute the directory client reads. A user
	// without the attribute gets no such claim.
	Attribute string `yaml:"attribute,omitempty"`
	// MemberOf sends Claim with Value when the user is a member of this
	// group (AD FS "Send Group Membership as a Claim"); nested membership
	// counts as the directory's group lookup reports it.
	MemberOf string `yaml:"member_of,omitempty"`
	// Groups sends every group of the user as Claim: "cn" (the group's
	// common name) or "dn" (its distinguished name).
	Groups string `yaml:"groups,omitempty"`
	// Value is the claim value of a MemberOf rule (required there) or of
	// a constant rule (no source); not allowed with Attribute or Groups.
	// At most MaxConstantBytes of printable text.
	Value string `yaml:"value,omitempty"`
	// Claim is the claim type: an absolute URI such as
	// http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress,
	// or a plain attribute name for SAML 2.0 service providers that expect
	// one ("email"). Required; at most MaxClaimTypeBytes.
	Claim string `yaml:"claim"`
}

// DefaultRules are the rules of a relying party that configures none
// (other than Microsoft's, which have built-in claim sets): UPN, name
// (display name) and e-mail address (mail), the set AD FS administrators
// usually add first.
func DefaultRules() []Rule {
	return []Rule{
		{Attribute: AttrUPN, Claim: ClaimUPN},
		{Attribute: AttrDisplayName, Claim: ClaimName},
		{Attribute: AttrMail, Claim: ClaimEmail},
	}
}

// ValidateRules reports every problem with rules that needs no knowledge
// of the directory, joined with errors.Join; each is a *FieldError whose
// Field is "claims[i].<key>". Which attributes are read is checked by
// CheckAttributes.
func ValidateRules(rules []Rule) error {
	if len(rules) > MaxRules {
		return &FieldError{Field: "claims", Err: fmt.Errorf("lists %d rules; the limit is %d", len(rules), MaxRules)}
	}
	var errs []error
	for i, r := range rules {
		errs = append(errs, r.validate("claims["+strconv.Itoa(i)+"]")...)
	}
	return errors.Join(errs...)
}

// CheckAttributes reports every rule whose attribute is neither a
// built-in nor one of extra, the attributes the directory client reads
// besides the built-ins (ldapauth.Config.ExtraAttributes), as
// *FieldErrors "claims[i].attribute" joined with errors.Join. A rule
// naming an attribute that is never read would silently issue nothing.
func CheckAttributes(rules []Rule, extra []string) error {
	var errs []error
	for i, r := range rules {
		if r.Attribute == "" || !isAttributeName(r.Attribute) {
			continue // ValidateRules reports malformed names
		}
		if err := checkAttribute(r.Attribute, extra); err != nil {
			errs = append(errs, &FieldError{Field: "claims[" + strconv.Itoa(i) + "].attribute", Err: err})
		}
	}
	return errors.Join(errs...)
}

// validate checks one rule; path is its YAML path.
func (r Rule) validate(path string) []error {
	var errs []error
	add := func(key string, err error) { errs = append(errs, &FieldError{Field: path + "." + key, Err: err}) }

	var sources []string
	if r.Attribute != "" {
		sources = append(sources, "attribute")
	}
	if r.MemberOf != "" {
		sources = append(sources, "member_of")
	}
	if r.Groups != "" {
		sources = append(sources, "groups")
	}
	switch {
	case len(sources) > 1:
		add(sources[1], fmt.Errorf("is set together with %s; a rule has one source: attribute, member_of or groups (write two rules instead)", sources[0]))
	case len(sources) == 0 && r.Value == "":
		errs = append(errs, &FieldError{Field: path, Err: errors.New("has no source; set attribute, member_of, groups, or value alone for a constant claim")})
	}
	if r.Attribute != "" && !isAttributeName(r.Attribute) {
		add("attribute", fmt.Errorf("%q is not an attribute name; use an LDAP attribute name such as mail or department", clip(r.Attribute, 64)))
	}
	if r.MemberOf != "" {
		if _, err := parseGroupDN(r.MemberOf); err != nil {
			add("member_of", err)
		}
	}
	if r.Groups != "" && r.Groups != GroupsCN && r.Groups != GroupsDN {
		add("groups", fmt.Errorf("%q is not a group format; use %q (common names) or %q (distinguished names)", r.Groups, GroupsCN, GroupsDN))
	}
	switch {
	case r.Value == "" && r.MemberOf != "":
		add("value", errors.New("is required with member_of; it is the claim value members get, such as Finance"))
	case r.Value != "" && (r.Attribute != "" || r.Groups != ""):
		add("value", errors.New("is only used with member_of or alone (a constant); attribute and groups rules take their values from the directory"))
	case r.Value != "":
		if err := checkText(r.Value, MaxConstantBytes); err != nil {
			add("value", err)
		}
	}
	if err := CheckClaimType(r.Claim); err != nil {
		add("claim", err)
	}
	return errs
}

// checkAttribute accepts a built-in attribute name or one of extra,
// case-insensitively.
func checkAttribute(name string, extra []string) error {
	n := canonicalAttribute(name)
	if isBuiltin(n) || slices.ContainsFunc(extra, func(e string) bool { return strings.EqualFold(e, n) }) {
		return nil
	}
	known := builtinAttributes
	if len(extra) > 0 {
		known = append(slices.Clone(builtinAttributes), extra...)
	}
	return fmt.Errorf("%q is not read from the directory; use one of %s, or add it to the directory's claim attributes (directory.claim_attributes)",
		clip(name, 64), strings.Join(known, ", "))
}

// CheckClaimType accepts a claim type: an absolute URI (scheme ":" rest,
// such as http://…/claims/role or urn:oid:2.5.4.42) or a plain name of
// letters, digits, '.', '-' and '_' starting with a letter or '_'; no
// spaces or control characters; at most MaxClaimTypeBytes.
func CheckClaimType(t string) error {
	switch {
	case t == "":
		return errors.New("is required; give a claim type URI such as " + ClaimEmail)
	case len(t) > MaxClaimTypeBytes:
		return fmt.Errorf("is %d bytes long; the limit is %d", len(t), MaxClaimTypeBytes)
	case !utf8.ValidString(t) || strings.ContainsFunc(t, func(r rune) bool { return r <= ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) }):
		return fmt.Errorf("%q holds spaces, control characters or invalid UTF-8; a claim type is a URI or a plain name", clip(t, 64))
	}
	if scheme, rest, ok := strings.Cut(t, ":"); ok {
		if !isScheme(scheme) || rest == "" {
			return fmt.Errorf("%q is not an absolute URI; use the form http://schemas.example.com/claims/name or urn:…", clip(t, 64))
		}
		return nil
	}
	if !isPlainName(t) {
		return fmt.Errorf("%q is neither an absolute URI nor a plain name (letters, digits, '.', '-', '_')", clip(t, 64))
	}
	return nil
}

// SplitType splits a claim type URI into the SAML 1.1 AttributeNamespace
// and AttributeName at its last '/' (o365-reference §2: the claim URI is
// namespace + "/" + name). ok is false when either part would be empty,
// as for plain names and URNs, which SAML 1.1 cannot carry.
func SplitType(t string) (namespace, name string, ok bool) {
	i := strings.LastIndexByte(t, '/')
	if i <= 0 || i == len(t)-1 {
		return "", "", false
	}
	return t[:i], t[i+1:], true
}

// isAttributeName accepts an LDAP attribute description: a letter, then
// letters, digits and hyphens, at most 64 bytes.
func isAttributeName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || c != '-' && !(c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

func isScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

func isPlainName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return s != ""
}

// checkText accepts printable text XML can carry (tabs and line breaks
// allowed) of at most limit bytes.
func checkText(s string, limit int) error {
	if len(s) > limit {
		return fmt.Errorf("is %d bytes long; the limit is %d", len(s), limit)
	}
	if err := xmlSafe(s); err != nil {
		return err
	}
	return nil
}

// xmlSafe refuses invalid UTF-8 and characters outside the XML 1.0 Char
// production, which a token cannot carry unchanged.
func xmlSafe(s string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Errorf("is not valid UTF-8 at byte %d", i)
			}
		}
		if !(r == 0x09 || r == 0x0A || r == 0x0D || (r >= 0x20 && r <= 0xD7FF) ||
			(r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)) {
			return fmt.Errorf("holds U+%04X at byte %d, which XML cannot carry", r, i)
		}
	}
	return nil
}

// clip shortens s for error messages.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
