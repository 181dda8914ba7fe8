package token

import (
	"errors"
	"fmt"
	"time"

	"github.com/beevik/etree"
)

// Assertion is a signed token and the instants written into it.
type Assertion struct {
	// ID is the AssertionID (SAML 1.1) the signature references.
	ID string
	// IssueInstant, NotBefore and NotOnOrAfter are UTC, millisecond
	// precision, exactly as written.
	IssueInstant, NotBefore, NotOnOrAfter time.Time
	// Element is the signed saml:Assertion. Treat it as read-only: any
	// change breaks the signature. Serialise it with WriteElement.
	Element *etree.Element
}

// SAML11 issues a SAML 1.1 assertion for c, restricted to audience (for
// Office 365: "urn:federation:MicrosoftOnline"), signed with the current
// key. The shape follows o365-reference §2 and MS-MWBF §2.2.4.1–2.
func (i *Issuer) SAML11(c Claims, audience string) (*Assertion, error) {
	if audience == "" {
		return nil, errors.New("token: SAML 1.1: audience is empty")
	}
	if err := uriSafe("audience", audience); err != nil {
		return nil, fmt.Errorf("token: SAML 1.1: %w", err)
	}
	c = c.withDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	id, err := NewID(i.rand)
	if err != nil {
		return nil, err
	}
	now := i.now().UTC().Truncate(time.Millisecond)
	notOnOrAfter := now.Add(i.lifetime)
	authnInstant := now
	if !c.AuthnInstant.IsZero() {
		authnInstant = c.AuthnInstant.UTC().Truncate(time.Millisecond)
	}

	a := etree.NewElement("saml:Assertion")
	a.CreateAttr("xmlns:saml", NSSAML11Assertion)
	a.CreateAttr("MajorVersion", "1")
	a.CreateAttr("MinorVersion", "1")
	a.CreateAttr("AssertionID", id)
	a.CreateAttr("Issuer", i.issuer)
	a.CreateAttr("IssueInstant", now.Format(TimeFormat))

	// SAML 1.1 core §2.3.2.1: the assertion is valid in [NotBefore, NotOnOrAfter).
	cond := a.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", now.Format(TimeFormat))
	cond.CreateAttr("NotOnOrAfter", notOnOrAfter.Format(TimeFormat))
	cond.CreateElement("saml:AudienceRestrictionCondition").
		CreateElement("saml:Audience").SetText(audience)

	attrs := a.CreateElement("saml:AttributeStatement")
	addSubject(attrs, c)
	for _, at := range c.Attributes {
		addAttribute(attrs, at)
	}

	authn := a.CreateElement("saml:AuthenticationStatement")
	authn.CreateAttr("AuthenticationMethod", c.AuthnMethod)
	authn.CreateAttr("AuthenticationInstant", authnInstant.Format(TimeFormat))
	addSubject(authn, c)

	sig, err := i.saml11.Signature(a)
	if err != nil {
		return nil, err
	}
	// SAML 1.1 schema: ds:Signature is the last child of saml:Assertion.
	a.AddChild(sig)
	return &Assertion{
		ID:           id,
		IssueInstant: now,
		NotBefore:    now,
		NotOnOrAfter: notOnOrAfter,
		Element:      a,
	}, nil
}

func addSubject(parent *etree.Element, c Claims) {
	s := parent.CreateElement("saml:Subject")
	n := s.CreateElement("saml:NameIdentifier")
	n.CreateAttr("Format", c.NameIDFormat)
	n.SetText(c.NameID)
	s.CreateElement("saml:SubjectConfirmation").
		CreateElement("saml:ConfirmationMethod").SetText(ConfirmationBearer)
}

func addAttribute(parent *etree.Element, at Attribute) {
	e := parent.CreateElement("saml:Attribute")
	e.CreateAttr("AttributeName", at.Name)
	e.CreateAttr("AttributeNamespace", at.Namespace)
	if at.OriginalIssuer != "" {
		e.CreateAttr("xmlns:a", NSClaimProperties)
		e.CreateAttr("a:OriginalIssuer", at.OriginalIssuer)
	}
	for _, v := range at.Values {
		ve := e.CreateElement("saml:AttributeValue")
		if at.Type != "" {
			// The xs prefix appears only inside an attribute value, which
			// exclusive c14n does not see; declaring it here keeps the
			// QName resolvable wherever the assertion is moved.
			ve.CreateAttr("xmlns:xs", NSXMLSchema)
			ve.CreateAttr("xmlns:xsi", NSXSI)
			ve.CreateAttr("xsi:type", at.Type)
		}
		ve.SetText(v)
	}
}
