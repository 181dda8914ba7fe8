package o365

import (
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// maxClaimLen bounds identifiers copied out of a token (AssertionID, Issuer,
// NameIdentifier, UPN, ImmutableID). Entra's own limits are far lower.
const maxClaimLen = 1024

// assertionClaims is what CheckWResult reads from the verified assertion.
type assertionClaims struct {
	AssertionID, Issuer string
	IssueInstant        time.Time
	NotBefore           time.Time
	NotOnOrAfter        time.Time
	Audiences           [][]string // one slice per AudienceRestrictionCondition
	NameID              string
	AuthnNameID         string
	AuthnInstant        time.Time
	UPN, ImmutableID    string
	MFA                 bool
	InsideCorporate     *bool
}

// readAssertion extracts the claims from the element goxmldsig verified and
// checks the SAML 1.1 structure (core §2.3.2): one Conditions, one
// AttributeStatement and one AuthenticationStatement, nothing unknown.
func readAssertion(el *etree.Element) (*assertionClaims, error) {
	if !is(el, nsSAML1, "Assertion") {
		return nil, reject(nil, "the signed element is not a SAML 1.1 assertion")
	}
	major, _ := attr(el, "MajorVersion")
	minor, _ := attr(el, "MinorVersion")
	if major != "1" || minor != "1" {
		return nil, reject(nil, "assertion version is %s.%s; Entra accepts SAML 1.1 (MajorVersion=1 MinorVersion=1)", q(major), q(minor))
	}
	c := &assertionClaims{}
	var err error
	if c.AssertionID, err = requiredAttr(el, "AssertionID"); err != nil {
		return nil, err
	}
	if c.Issuer, err = requiredAttr(el, "Issuer"); err != nil {
		return nil, err
	}
	if c.IssueInstant, err = timeAttr(el, "IssueInstant"); err != nil {
		return nil, err
	}

	var conds, attrStmts, authnStmts int
	for _, child := range el.ChildElements() {
		if child.NamespaceURI() != nsSAML1 {
			return nil, reject(nil, "assertion has an unexpected child element {%s}%s", clip(child.NamespaceURI()), clip(child.Tag))
		}
		switch child.Tag {
		case "Conditions":
			conds++
			err = c.readConditions(child)
		case "Advice":
			// Advice carries no claims Entra uses.
		case "AttributeStatement":
			attrStmts++
			err = c.readAttributeStatement(child)
		case "AuthenticationStatement":
			authnStmts++
			err = c.readAuthenticationStatement(child)
		default:
			err = reject(nil, "assertion has an unsupported element saml:%s", clip(child.Tag))
		}
		if err != nil {
			return nil, err
		}
	}
	switch {
	case conds != 1:
		return nil, reject(nil, "assertion holds %d saml:Conditions; want exactly 1", conds)
	case attrStmts != 1:
		return nil, reject(nil, "assertion holds %d saml:AttributeStatement; want exactly 1", attrStmts)
	case authnStmts != 1:
		return nil, reject(nil, "assertion holds %d saml:AuthenticationStatement; want exactly 1", authnStmts)
	}
	return c, nil
}

func (c *assertionClaims) readConditions(el *etree.Element) error {
	var err error
	if c.NotBefore, err = timeAttr(el, "NotBefore"); err != nil {
		return err
	}
	if c.NotOnOrAfter, err = timeAttr(el, "NotOnOrAfter"); err != nil {
		return err
	}
	if !c.NotBefore.Before(c.NotOnOrAfter) {
		return reject(nil, "Conditions NotBefore %s is not before NotOnOrAfter %s", stamp(c.NotBefore), stamp(c.NotOnOrAfter))
	}
	for _, cond := range el.ChildElements() {
		switch {
		case is(cond, nsSAML1, "AudienceRestrictionCondition"):
			var auds []string
			for _, a := range cond.ChildElements() {
				if !is(a, nsSAML1, "Audience") {
					return reject(nil, "AudienceRestrictionCondition has an unexpected element %s", clip(a.Tag))
				}
				v, err := text(a)
				if err != nil {
					return reject(err, "audience is malformed")
				}
				auds = append(auds, v)
			}
			c.Audiences = append(c.Audiences, auds)
		case is(cond, nsSAML1, "DoNotCacheCondition"):
		default:
			// SAML 1.1 core §2.3.2.1.1: an unknown condition makes the
			// assertion Indeterminate, which a relying party must not accept.
			return reject(nil, "Conditions holds an unsupported condition %s", clip(cond.Tag))
		}
	}
	return nil
}

func (c *assertionClaims) readAttributeStatement(el *etree.Element) error {
	var subjects int
	seen := map[claimName]bool{}
	for _, child := range el.ChildElements() {
		switch {
		case is(child, nsSAML1, "Subject"):
			subjects++
			id, err := readSubject(child, true)
			if err != nil {
				return err
			}
			c.NameID = id
		case is(child, nsSAML1, "Attribute"):
			name, values, err := readAttribute(child)
			if err != nil {
				return err
			}
			if err := c.applyClaim(name, values, seen); err != nil {
				return err
			}
		default:
			return reject(nil, "AttributeStatement has an unexpected element %s", clip(child.Tag))
		}
	}
	if subjects != 1 {
		return reject(nil, "AttributeStatement holds %d saml:Subject; want exactly 1", subjects)
	}
	return nil
}

// applyClaim records the claims Entra reads. A single-valued claim that
// appears twice, or with several values, is refused: which one Entra would
// pick is undefined.
func (c *assertionClaims) applyClaim(name claimName, values []string, seen map[claimName]bool) error {
	uri := name.Namespace + "/" + name.Name
	switch name {
	case claimUPN, claimImmutableID, claimInsideCorp, claimAuthnMethod:
	default:
		return nil
	}
	if seen[name] {
		return reject(nil, "claim %s appears more than once", uri)
	}
	seen[name] = true
	if name == claimAuthnMethod {
		for _, v := range values {
			if v == multipleAuthn {
				c.MFA = true
			}
		}
		return nil
	}
	if len(values) != 1 {
		return reject(nil, "claim %s has %d values; want exactly 1", uri, len(values))
	}
	v := values[0]
	switch name {
	case claimUPN:
		c.UPN = v
	case claimImmutableID:
		c.ImmutableID = v
	case claimInsideCorp:
		b, err := parseBool(v)
		if err != nil {
			return reject(err, "claim %s is not an xs:boolean", uri)
		}
		c.InsideCorporate = &b
	}
	return nil
}

func (c *assertionClaims) readAuthenticationStatement(el *etree.Element) error {
	var err error
	if c.AuthnInstant, err = timeAttr(el, "AuthenticationInstant"); err != nil {
		return err
	}
	if _, err := requiredAttr(el, "AuthenticationMethod"); err != nil {
		return err
	}
	var subjects int
	for _, child := range el.ChildElements() {
		switch {
		case is(child, nsSAML1, "Subject"):
			subjects++
			if c.AuthnNameID, err = readSubject(child, false); err != nil {
				return err
			}
		case is(child, nsSAML1, "SubjectLocality"), is(child, nsSAML1, "AuthorityBinding"):
		default:
			return reject(nil, "AuthenticationStatement has an unexpected element %s", clip(child.Tag))
		}
	}
	if subjects != 1 {
		return reject(nil, "AuthenticationStatement holds %d saml:Subject; want exactly 1", subjects)
	}
	return nil
}

// readSubject returns the NameIdentifier. With wantBearer, the subject must
// carry the bearer confirmation method (MS-MWBF §2.2.4.2).
func readSubject(el *etree.Element, wantBearer bool) (string, error) {
	ids := childrenNamed(el, nsSAML1, "NameIdentifier")
	if len(ids) != 1 {
		return "", reject(nil, "saml:Subject holds %d NameIdentifier; want exactly 1", len(ids))
	}
	id, err := text(ids[0])
	if err != nil {
		return "", reject(err, "NameIdentifier is malformed")
	}
	if id == "" || len(id) > maxClaimLen {
		return "", reject(nil, "NameIdentifier is empty or longer than %d bytes", maxClaimLen)
	}
	if !wantBearer {
		return id, nil
	}
	for _, sc := range childrenNamed(el, nsSAML1, "SubjectConfirmation") {
		for _, m := range childrenNamed(sc, nsSAML1, "ConfirmationMethod") {
			if v, err := text(m); err == nil && v == bearerMethod {
				return id, nil
			}
		}
	}
	return "", reject(nil, "saml:Subject has no bearer SubjectConfirmation (%s)", bearerMethod)
}

func readAttribute(el *etree.Element) (claimName, []string, error) {
	var n claimName
	n.Name, _ = attr(el, "AttributeName")
	n.Namespace, _ = attr(el, "AttributeNamespace")
	if n.Name == "" || n.Namespace == "" {
		return n, nil, reject(nil, "saml:Attribute needs AttributeName and AttributeNamespace")
	}
	var values []string
	for _, v := range el.ChildElements() {
		if !is(v, nsSAML1, "AttributeValue") {
			return n, nil, reject(nil, "saml:Attribute %s has an unexpected element %s", clip(n.Name), clip(v.Tag))
		}
		s, err := text(v)
		if err != nil {
			return n, nil, reject(err, "claim %s/%s has a malformed value", clip(n.Namespace), clip(n.Name))
		}
		values = append(values, s)
	}
	return n, values, nil
}

func requiredAttr(el *etree.Element, name string) (string, error) {
	v, ok := attr(el, name)
	if !ok || v == "" {
		return "", reject(nil, "saml:%s has no %s attribute", el.Tag, name)
	}
	if len(v) > maxClaimLen {
		return "", reject(nil, "saml:%s %s is longer than %d bytes", el.Tag, name, maxClaimLen)
	}
	return v, nil
}

// timeAttr parses an xs:dateTime that SAML 1.1 requires to be UTC ("Z").
func timeAttr(el *etree.Element, name string) (time.Time, error) {
	v, err := requiredAttr(el, name)
	if err != nil {
		return time.Time{}, err
	}
	if len(v) > 40 || !strings.HasSuffix(v, "Z") {
		return time.Time{}, reject(nil, "saml:%s %s=%s must be a UTC xs:dateTime ending in Z", el.Tag, name, q(v))
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, reject(err, "saml:%s %s=%s is not an xs:dateTime", el.Tag, name, q(v))
	}
	return t, nil
}

func parseBool(v string) (bool, error) {
	switch v {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%s is not true, false, 1 or 0", q(v))
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
