package o365test

import (
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// Contoso test tenant values used by DefaultToken and the tests.
const (
	Domain           = "contoso.com"
	Issuer           = "http://sts.contoso.com/adfs/services/trust"
	PassiveSignInURI = "https://sts.contoso.com/adfs/ls/"
	UPN              = "alice@contoso.com"
	ImmutableID      = "RW+aKiwLHUqeP11se4qfAQ==" // o365-reference §4 vector
	DisplayName      = "Alice Example"
	Realm            = "urn:federation:MicrosoftOnline"
)

// Token is the content of one test token. Zero times are left out of the
// XML, and an empty string field leaves out its element or attribute, so
// tests can build malformed tokens too.
type Token struct {
	AssertionID, Issuer, Audience string
	NameID, UPN, ImmutableID      string
	MFA                           bool
	InsideCorporateNetwork        *bool
	IssueInstant, NotBefore       time.Time
	NotOnOrAfter, AuthnInstant    time.Time
}

// DefaultToken is a valid token for alice@contoso.com issued at now and
// valid for one hour, like AD FS issues.
func DefaultToken(now time.Time) Token {
	return Token{
		AssertionID:  "_7b1f1c4e-2a3d-4e5f-8a9b-0c1d2e3f4a5b",
		Issuer:       Issuer,
		Audience:     Realm,
		NameID:       ImmutableID,
		UPN:          UPN,
		ImmutableID:  ImmutableID,
		IssueInstant: now,
		NotBefore:    now,
		NotOnOrAfter: now.Add(time.Hour),
		AuthnInstant: now,
	}
}

const (
	nsSAML  = "urn:oasis:names:tc:SAML:1.0:assertion"
	nsTrust = "http://schemas.xmlsoap.org/ws/2005/02/trust"
)

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func setTime(el *etree.Element, name string, t time.Time) {
	if !t.IsZero() {
		el.CreateAttr(name, stamp(t))
	}
}

func setAttr(el *etree.Element, name, v string) {
	if v != "" {
		el.CreateAttr(name, v)
	}
}

// Assertion builds the unsigned saml:Assertion for tok (o365-reference §2).
func Assertion(tok Token) *etree.Element {
	a := etree.NewElement("saml:Assertion")
	a.CreateAttr("xmlns:saml", nsSAML)
	a.CreateAttr("MajorVersion", "1")
	a.CreateAttr("MinorVersion", "1")
	setAttr(a, "AssertionID", tok.AssertionID)
	setAttr(a, "Issuer", tok.Issuer)
	setTime(a, "IssueInstant", tok.IssueInstant)

	cond := a.CreateElement("saml:Conditions")
	setTime(cond, "NotBefore", tok.NotBefore)
	setTime(cond, "NotOnOrAfter", tok.NotOnOrAfter)
	if tok.Audience != "" {
		cond.CreateElement("saml:AudienceRestrictionCondition").CreateElement("saml:Audience").SetText(tok.Audience)
	}

	as := a.CreateElement("saml:AttributeStatement")
	subject(as, tok.NameID)
	attribute(as, "UPN", "http://schemas.xmlsoap.org/claims", tok.UPN)
	attribute(as, "ImmutableID", "http://schemas.microsoft.com/LiveID/Federation/2008/05", tok.ImmutableID)
	if tok.InsideCorporateNetwork != nil {
		v := "false"
		if *tok.InsideCorporateNetwork {
			v = "true"
		}
		attribute(as, "insidecorporatenetwork", "http://schemas.microsoft.com/ws/2012/01", v)
	}
	if tok.MFA {
		attribute(as, "authnmethodsreferences", "http://schemas.microsoft.com/claims",
			"http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password",
			"http://schemas.microsoft.com/claims/multipleauthn")
	}

	st := a.CreateElement("saml:AuthenticationStatement")
	st.CreateAttr("AuthenticationMethod", "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
	setTime(st, "AuthenticationInstant", tok.AuthnInstant)
	subject(st, tok.NameID)
	return a
}

func subject(parent *etree.Element, nameID string) {
	s := parent.CreateElement("saml:Subject")
	if nameID != "" {
		n := s.CreateElement("saml:NameIdentifier")
		n.CreateAttr("Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
		n.SetText(nameID)
	}
	s.CreateElement("saml:SubjectConfirmation").CreateElement("saml:ConfirmationMethod").SetText("urn:oasis:names:tc:SAML:1.0:cm:bearer")
}

func attribute(parent *etree.Element, name, ns string, values ...string) {
	if len(values) == 1 && values[0] == "" {
		return
	}
	at := parent.CreateElement("saml:Attribute")
	at.CreateAttr("AttributeName", name)
	at.CreateAttr("AttributeNamespace", ns)
	for _, v := range values {
		at.CreateElement("saml:AttributeValue").SetText(v)
	}
}

// Sign returns a copy of assertion with an enveloped RSA-SHA256 signature
// (exclusive c14n, Reference #AssertionID, certificate in KeyInfo) as its
// last child, the way AD FS signs.
func (k *Key) Sign(tb testing.TB, assertion *etree.Element) *etree.Element {
	tb.Helper()
	ctx, err := dsig.NewSigningContext(k.Private, [][]byte{k.Cert.Raw})
	if err != nil {
		tb.Fatalf("o365test: signing context: %v", err)
	}
	ctx.IdAttribute = "AssertionID"
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		tb.Fatalf("o365test: signature method: %v", err)
	}
	signed, err := ctx.SignEnveloped(assertion)
	if err != nil {
		tb.Fatalf("o365test: sign: %v", err)
	}
	return signed
}

// RSTR wraps token elements (normally one signed assertion) in the
// RequestSecurityTokenResponse AD FS posts as wresult.
func RSTR(tokens ...*etree.Element) *etree.Document {
	doc := etree.NewDocument()
	r := doc.CreateElement("t:RequestSecurityTokenResponse")
	r.CreateAttr("xmlns:t", nsTrust)
	lt := r.CreateElement("t:Lifetime")
	lt.CreateAttr("xmlns:wsu", "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd")
	lt.CreateElement("wsu:Created").SetText("2025-06-01T12:00:00.000Z")
	lt.CreateElement("wsu:Expires").SetText("2025-06-01T13:00:00.000Z")
	at := r.CreateElement("wsp:AppliesTo")
	at.CreateAttr("xmlns:wsp", "http://schemas.xmlsoap.org/ws/2004/09/policy")
	epr := at.CreateElement("wsa:EndpointReference")
	epr.CreateAttr("xmlns:wsa", "http://www.w3.org/2005/08/addressing")
	epr.CreateElement("wsa:Address").SetText(Realm)
	rst := r.CreateElement("t:RequestedSecurityToken")
	for _, tok := range tokens {
		rst.AddChild(tok)
	}
	r.CreateElement("t:TokenType").SetText("urn:oasis:names:tc:SAML:1.0:assertion")
	r.CreateElement("t:RequestType").SetText("http://schemas.xmlsoap.org/ws/2005/02/trust/Issue")
	r.CreateElement("t:KeyType").SetText("http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey")
	return doc
}

// Bytes serializes doc without indentation (whitespace before the assertion
// breaks some relying parties, see o365-reference "Interop pitfalls").
func Bytes(tb testing.TB, doc *etree.Document) []byte {
	tb.Helper()
	b, err := doc.WriteToBytes()
	if err != nil {
		tb.Fatalf("o365test: serialize: %v", err)
	}
	return b
}

// WResult is the signed wresult for tok.
func (k *Key) WResult(tb testing.TB, tok Token) []byte {
	tb.Helper()
	return Bytes(tb, RSTR(k.Sign(tb, Assertion(tok))))
}
