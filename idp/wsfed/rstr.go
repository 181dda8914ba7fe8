package wsfed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"

	"github.com/fedgate/fedgate/idp/token"
)

// Namespaces and values of the WS-Trust February 2005 RSTR that AD FS
// returns as wresult (o365-reference §2; MS-MWBF §2.2.4.1).
const (
	NSTrust2005      = "http://schemas.xmlsoap.org/ws/2005/02/trust"
	NSUtility        = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	NSPolicy         = "http://schemas.xmlsoap.org/ws/2004/09/policy"
	NSAddressing     = "http://www.w3.org/2005/08/addressing"
	TokenTypeSAML11  = "urn:oasis:names:tc:SAML:1.0:assertion"
	RequestTypeIssue = NSTrust2005 + "/Issue"
	KeyTypeNoProof   = "http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey"
)

// BuildRSTR wraps a signed SAML 1.1 assertion in the WS-Trust 2005/02
// RequestSecurityTokenResponse that is POSTed as wresult: Lifetime
// (Created = NotBefore, Expires = NotOnOrAfter), AppliesTo with audience,
// RequestedSecurityToken, TokenType, RequestType and KeyType, in that order.
//
// audience must equal the assertion's Audience (MS-MWBF: AppliesTo
// duplicates it). The assertion is serialised with token.WriteElement and
// placed directly inside RequestedSecurityToken, without whitespace, so the
// signature still verifies and relying parties that take the first child
// node find the assertion.
func BuildRSTR(a *token.Assertion, audience string) ([]byte, error) {
	if a == nil || a.Element == nil {
		return nil, errors.New("wsfed: build RSTR: no assertion")
	}
	el := a.Element
	if el.Tag != "Assertion" || el.NamespaceURI() != token.NSSAML11Assertion {
		return nil, fmt.Errorf("wsfed: build RSTR: element %s is not a SAML 1.1 assertion", el.FullTag())
	}
	if el.SelectElement("Signature") == nil {
		return nil, errors.New("wsfed: build RSTR: the assertion is not signed")
	}
	aud := el.FindElement("Conditions/AudienceRestrictionCondition/Audience")
	if aud == nil || aud.Text() != audience || audience == "" {
		return nil, fmt.Errorf("wsfed: build RSTR: audience %q is not the assertion's Audience", audience)
	}

	var buf bytes.Buffer
	buf.Grow(4096 + len(audience))
	buf.WriteString(`<t:RequestSecurityTokenResponse xmlns:t="` + NSTrust2005 + `">`)
	buf.WriteString(`<t:Lifetime><wsu:Created xmlns:wsu="` + NSUtility + `">`)
	buf.WriteString(a.NotBefore.UTC().Format(token.TimeFormat))
	buf.WriteString(`</wsu:Created><wsu:Expires xmlns:wsu="` + NSUtility + `">`)
	buf.WriteString(a.NotOnOrAfter.UTC().Format(token.TimeFormat))
	buf.WriteString(`</wsu:Expires></t:Lifetime>`)
	buf.WriteString(`<wsp:AppliesTo xmlns:wsp="` + NSPolicy + `">`)
	buf.WriteString(`<wsa:EndpointReference xmlns:wsa="` + NSAddressing + `"><wsa:Address>`)
	if err := xml.EscapeText(&buf, []byte(audience)); err != nil {
		return nil, fmt.Errorf("wsfed: build RSTR: %w", err)
	}
	buf.WriteString(`</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>`)
	buf.WriteString(`<t:RequestedSecurityToken>`)
	token.WriteElement(&buf, el)
	buf.WriteString(`</t:RequestedSecurityToken>`)
	buf.WriteString(`<t:TokenType>` + TokenTypeSAML11 + `</t:TokenType>`)
	buf.WriteString(`<t:RequestType>` + RequestTypeIssue + `</t:RequestType>`)
	buf.WriteString(`<t:KeyType>` + KeyTypeNoProof + `</t:KeyType>`)
	buf.WriteString(`</t:RequestSecurityTokenResponse>`)
	return buf.Bytes(), nil
}
