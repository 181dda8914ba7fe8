package samlp_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/idp/internal/xmlin"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
)

func TestParse_Accepts(t *testing.T) {
	good := requestXML(spEntity, ` AssertionConsumerServiceURL="`+spACS+`" ForceAuthn="true"`, "")
	tests := []struct {
		name       string
		sp         func(*samlp.ServiceProvider)
		parse      func(*samlp.IdP, samlp.Lookup) (*samlp.AuthnRequest, error)
		wantSigned bool
	}{
		{name: "redirect signed", sp: func(s *samlp.ServiceProvider) { s.RequireSignedRequests = true }, wantSigned: true,
			parse: func(i *samlp.IdP, l samlp.Lookup) (*samlp.AuthnRequest, error) {
				return i.ParseRedirect(redirectQuery(t, good, "rs-1", tokentest.Next), l)
			}},
		{name: "redirect unsigned", parse: func(i *samlp.IdP, l samlp.Lookup) (*samlp.AuthnRequest, error) {
			return i.ParseRedirect(redirectQuery(t, good, "rs-1", ""), l)
		}},
		{name: "post signed", sp: func(s *samlp.ServiceProvider) { s.RequireSignedRequests = true }, wantSigned: true,
			parse: func(i *samlp.IdP, l samlp.Lookup) (*samlp.AuthnRequest, error) {
				return i.ParsePOST(postForm(t, signPOST(t, good, tokentest.Next), "rs-1"), l)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.parse(newIdP(t), lookupOf(newSP(t, tt.sp)))
			if err != nil {
				t.Fatal(err)
			}
			if r.ID != "_req1" || r.ACS.Location != spACS || r.RelayState != "rs-1" || !r.ForceAuthn || r.IsPassive ||
				r.Signed != tt.wantSigned || r.NameIDFormat != samlp.NameIDFormatPersistent || !r.AllowCreate {
				t.Fatalf("unexpected request %+v", r)
			}
		})
	}
}

func TestParse_Rejects(t *testing.T) {
	good := requestXML(spEntity, "", "")
	type parseFn func(*samlp.IdP, samlp.Lookup) (*samlp.AuthnRequest, error)
	redirect := func(q string) parseFn {
		return func(i *samlp.IdP, l samlp.Lookup) (*samlp.AuthnRequest, error) { return i.ParseRedirect(q, l) }
	}
	post := func(v url.Values) parseFn {
		return func(i *samlp.IdP, l samlp.Lookup) (*samlp.AuthnRequest, error) { return i.ParsePOST(v, l) }
	}
	// Signature wrapping, moved: a validly signed request is hidden inside
	// Extensions of an attacker's request with another ID and ACS.
	signed := signPOST(t, good, tokentest.Next)
	moved := strings.Replace(requestXML(spEntity, ` AssertionConsumerServiceURL="https://evil.example/acs"`, "<samlp:Extensions>"+string(token.MarshalElement(signed.Root()))+"</samlp:Extensions>"), `ID="_req1"`, `ID="_evil"`, 1)
	// Duplicated: a second copy of the signature on the root.
	dup := signPOST(t, good, tokentest.Next)
	dup.Root().InsertChildAt(2, dup.Root().ChildElements()[1].Copy())
	// Comment-injected NameID inside a signed Subject: the comment is
	// added after signing; exc-c14n would ignore it.
	withSubject := requestXML(spEntity, "", `<saml:Subject><saml:NameID>alice@contoso.com.evil.example</saml:NameID></saml:Subject>`)
	cSigned := string(token.MarshalElement(signPOST(t, withSubject, tokentest.Next).Root()))
	commented := strings.Replace(cSigned, "alice@contoso.com.evil.example", "alice@contoso.com<!---->.evil.example", 1)
	bomb := "SAMLRequest=" + url.QueryEscape(deflateB64(t, []byte(strings.Repeat(" ", 8<<20))))

	tests := []struct {
		name    string
		sp      func(*samlp.ServiceProvider)
		parse   parseFn
		wantErr error
	}{
		{"unknown issuer", nil, redirect(redirectQuery(t, requestXML("https://unknown.example", "", ""), "", "")), samlp.ErrUnknownIssuer},
		{"ACS URL not registered", nil, redirect(redirectQuery(t, requestXML(spEntity, ` AssertionConsumerServiceURL="https://evil.example/acs"`, ""), "", "")), samlp.ErrACSNotRegistered},
		{"ACS index not registered", nil, redirect(redirectQuery(t, requestXML(spEntity, ` AssertionConsumerServiceIndex="7"`, ""), "", "")), samlp.ErrACSNotRegistered},
		{"unsigned redirect to signing SP", func(s *samlp.ServiceProvider) { s.RequireSignedRequests = true }, redirect(redirectQuery(t, good, "", "")), samlp.ErrSignatureRequired},
		{"redirect signed by wrong key", nil, redirect(redirectQuery(t, good, "", tokentest.Other)), samlp.ErrBadSignature},
		{"post signed by wrong key", nil, post(postForm(t, signPOST(t, good, tokentest.Other), "")), samlp.ErrBadSignature},
		{"redirect RelayState altered after signing", nil, redirect(strings.Replace(redirectQuery(t, good, "a", tokentest.Next), "RelayState=a", "RelayState=b", 1)), samlp.ErrBadSignature},
		{"wrapping: signed element moved", nil, post(postForm(t, mustDoc(t, moved), "")), samlp.ErrBadSignature},
		{"wrapping: signature duplicated", nil, post(postForm(t, dup, "")), samlp.ErrBadSignature},
		{"comment-injected NameID", nil, post(url.Values{"SAMLRequest": {b64(commented)}}), samlp.ErrInvalidRequest},
		{"DTD", nil, post(url.Values{"SAMLRequest": {b64(`<!DOCTYPE x [<!ENTITY e "spEntity">]>` + good)}}), xmlin.ErrDTD},
		{"inflate bomb", nil, redirect(bomb), xmlin.ErrTooLarge},
		{"oversized SAMLRequest", nil, post(url.Values{"SAMLRequest": {strings.Repeat("A", 200<<10)}}), xmlin.ErrTooLarge},
		{"wrong Destination", nil, redirect(redirectQuery(t, strings.Replace(good, ssoURL, "https://other.example/", 1), "", "")), samlp.ErrDestination},
		{"stale IssueInstant", nil, redirect(redirectQuery(t, strings.Replace(good, tokentest.Epoch.Format("2006"), "2024", 1), "", "")), samlp.ErrStale},
		{"oversized RelayState", nil, redirect(redirectQuery(t, good, strings.Repeat("r", 2000), "")), samlp.ErrInvalidRequest},
		{"duplicate SAMLRequest", nil, redirect(redirectQuery(t, good, "", "") + "&SAMLRequest=x"), samlp.ErrInvalidRequest},
		{"XML signature in redirect", nil, redirect(redirectQuery(t, string(token.MarshalElement(signPOST(t, good, tokentest.Next).Root())), "", "")), samlp.ErrInvalidRequest},
		{"unsupported NameID format", nil, redirect(redirectQuery(t, strings.Replace(good, samlp.NameIDFormatPersistent, samlp.NameIDFormatEmailAddress, 1), "", "")), samlp.ErrNameIDPolicy},
		{"not an AuthnRequest", nil, post(url.Values{"SAMLRequest": {b64(`<a/>`)}}), samlp.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.parse(newIdP(t), lookupOf(newSP(t, tt.sp)))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v (request %+v), want %v", err, r, tt.wantErr)
			}
		})
	}
}

// TestParsePOST_UnsignedToSigningSP is separate because the table above
// must not depend on a signed form.
func TestParsePOST_UnsignedToSigningSP(t *testing.T) {
	sp := newSP(t, func(s *samlp.ServiceProvider) { s.RequireSignedRequests = true })
	_, err := newIdP(t).ParsePOST(url.Values{"SAMLRequest": {b64(requestXML(spEntity, "", ""))}}, lookupOf(sp))
	if !errors.Is(err, samlp.ErrSignatureRequired) {
		t.Fatalf("err = %v, want ErrSignatureRequired", err)
	}
}

func FuzzParseAuthnRequest(f *testing.F) {
	f.Add(requestXML(spEntity, "", ""), true)
	f.Add(requestXML(spEntity, ` AssertionConsumerServiceIndex="1" IsPassive="1"`, ""), false)
	f.Add(`<!DOCTYPE a><a/>`, true)
	f.Add("", false)
	idp := newIdP(f)
	sp := newSP(f, nil)
	f.Fuzz(func(t *testing.T, doc string, redirect bool) {
		var r *samlp.AuthnRequest
		var err error
		if redirect {
			r, err = idp.ParseRedirect("SAMLRequest="+url.QueryEscape(deflateB64(t, []byte(doc))), lookupOf(sp))
		} else {
			r, err = idp.ParsePOST(url.Values{"SAMLRequest": {b64(doc)}}, lookupOf(sp))
		}
		if err == nil {
			if r.ACS.Location != spACS {
				t.Fatalf("accepted request with unregistered ACS %q", r.ACS.Location)
			}
			if r.ID == "" {
				t.Fatal("accepted request without ID")
			}
		}
	})
}
