package wstrust

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/wsfed"
)

// responseLifetime is the validity of the response's own wsu:Timestamp.
const responseLifetime = 5 * time.Minute

// soapContentType is the Content-Type of every response of the
// usernamemixed endpoints, faults included (SOAP 1.2 Part 2 §7.1.4).
const soapContentType = "application/soap+xml; charset=utf-8"

// buildResponse returns the SOAP 1.2 envelope carrying the token:
//
//	Header: a:Action (RSTR/Issue or RSTRC/IssueFinal), a:RelatesTo = the
//	        request's MessageID, o:Security/u:Timestamp
//	Body:   2005: t:RequestSecurityTokenResponse (wsfed.BuildRSTR, the same
//	        bytes the passive path posts as wresult)
//	        1.3:  trust:RequestSecurityTokenResponseCollection holding one
//	              trust:RequestSecurityTokenResponse
//
// The Body's child declares every namespace it uses, so it can be cut out
// and handed on (MSAL forwards the assertion to Entra); the assertion is
// written by token.WriteElement and nothing else.
func buildResponse(v Version, a *token.Assertion, audience, relatesTo string, now time.Time) ([]byte, error) {
	var body []byte
	var err error
	if v == Trust13 {
		body, err = buildRSTRC13(a, audience)
	} else {
		body, err = wsfed.BuildRSTR(a, audience)
	}
	if err != nil {
		return nil, fmt.Errorf("wstrust: build response: %w", err)
	}
	now = now.UTC()
	var b bytes.Buffer
	b.Grow(len(body) + 1024)
	b.WriteString(`<s:Envelope xmlns:s="` + NSSOAP12 + `" xmlns:a="` + NSAddressing + `" xmlns:u="` + NSUtility + `">`)
	b.WriteString(`<s:Header><a:Action s:mustUnderstand="1">` + v.ResponseAction() + `</a:Action>`)
	b.WriteString(`<a:RelatesTo>`)
	escape(&b, relatesTo)
	b.WriteString(`</a:RelatesTo>`)
	b.WriteString(`<o:Security s:mustUnderstand="1" xmlns:o="` + NSSecExt + `"><u:Timestamp u:Id="_0"><u:Created>`)
	b.WriteString(now.Format(token.TimeFormat))
	b.WriteString(`</u:Created><u:Expires>`)
	b.WriteString(now.Add(responseLifetime).Format(token.TimeFormat))
	b.WriteString(`</u:Expires></u:Timestamp></o:Security></s:Header><s:Body>`)
	b.Write(body)
	b.WriteString(`</s:Body></s:Envelope>`)
	return b.Bytes(), nil
}

// buildRSTRC13 is the WS-Trust 1.3 counterpart of wsfed.BuildRSTR: the
// same children in the same order (Lifetime, AppliesTo,
// RequestedSecurityToken, TokenType, RequestType, KeyType) in the 200512
// namespace, wrapped in the collection WS-Trust 1.3 §4.3 requires for a
// final issue response. The assertion sits directly inside
// RequestedSecurityToken with no whitespace.
func buildRSTRC13(a *token.Assertion, audience string) ([]byte, error) {
	if err := checkSignedAssertion(a, audience); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(4096 + len(audience))
	b.WriteString(`<trust:RequestSecurityTokenResponseCollection xmlns:trust="` + NSTrust13 + `">`)
	b.WriteString(`<trust:RequestSecurityTokenResponse>`)
	b.WriteString(`<trust:Lifetime><wsu:Created xmlns:wsu="` + NSUtility + `">`)
	b.WriteString(a.NotBefore.UTC().Format(token.TimeFormat))
	b.WriteString(`</wsu:Created><wsu:Expires xmlns:wsu="` + NSUtility + `">`)
	b.WriteString(a.NotOnOrAfter.UTC().Format(token.TimeFormat))
	b.WriteString(`</wsu:Expires></trust:Lifetime>`)
	b.WriteString(`<wsp:AppliesTo xmlns:wsp="` + NSPolicy + `"><wsa:EndpointReference xmlns:wsa="` + NSAddressing + `"><wsa:Address>`)
	escape(&b, audience)
	b.WriteString(`</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>`)
	b.WriteString(`<trust:RequestedSecurityToken>`)
	token.WriteElement(&b, a.Element)
	b.WriteString(`</trust:RequestedSecurityToken>`)
	b.WriteString(`<trust:TokenType>` + TokenTypeSAML11 + `</trust:TokenType>`)
	b.WriteString(`<trust:RequestType>` + Trust13.RequestTypeIssue() + `</trust:RequestType>`)
	b.WriteString(`<trust:KeyType>` + Trust13.BearerKeyType() + `</trust:KeyType>`)
	b.WriteString(`</trust:RequestSecurityTokenResponse></trust:RequestSecurityTokenResponseCollection>`)
	return b.Bytes(), nil
}

// checkSignedAssertion applies wsfed.BuildRSTR's preconditions: a signed
// SAML 1.1 assertion whose Audience is audience.
func checkSignedAssertion(a *token.Assertion, audience string) error {
	if a == nil || a.Element == nil {
		return errors.New("no assertion")
	}
	el := a.Element
	if el.Tag != "Assertion" || el.NamespaceURI() != token.NSSAML11Assertion {
		return fmt.Errorf("element %s is not a SAML 1.1 assertion", el.FullTag())
	}
	if el.SelectElement("Signature") == nil {
		return errors.New("the assertion is not signed")
	}
	aud := el.FindElement("Conditions/AudienceRestrictionCondition/Audience")
	if audience == "" || aud == nil || aud.Text() != audience {
		return fmt.Errorf("audience %q is not the assertion's Audience", audience)
	}
	return nil
}
