package samlp_test

import (
	"crypto/x509"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/fedgate/fedgate/e2e/e2etest"
	"github.com/fedgate/fedgate/idp/internal/xmlin"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
)

const (
	spSLO      = "https://sp.example.com/slo"
	spSLOResp  = "https://sp.example.com/slo/response"
	spSLOPost  = "https://sp.example.com/slo/post"
	aliceNames = "RW+aKiwLHUqeP11se4qfAQ=="
)

// newSLOSP is newSP with a Redirect (separate ResponseLocation) and a
// POST SingleLogoutService.
func newSLOSP(t testing.TB, mutate func(*samlp.ServiceProvider)) *samlp.ServiceProvider {
	t.Helper()
	return newSP(t, func(sp *samlp.ServiceProvider) {
		sp.SLO = []samlp.Endpoint{
			{Binding: samlp.BindingHTTPRedirect, Location: spSLO, ResponseLocation: spSLOResp},
			{Binding: samlp.BindingHTTPPost, Location: spSLOPost},
		}
		if mutate != nil {
			mutate(sp)
		}
	})
}

// logoutRequestXML is an SP's LogoutRequest with extra root attributes
// and the given children after Issuer.
func logoutRequestXML(issuer, attrs, children string) string {
	return `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lo1" Version="2.0" IssueInstant="` +
		tokentest.Epoch.Format(time.RFC3339) + `" Destination="` + ssoURL + `"` + attrs + `><saml:Issuer>` + issuer + `</saml:Issuer>` + children + `</samlp:LogoutRequest>`
}

const aliceNameID = `<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">` + aliceNames + `</saml:NameID><samlp:SessionIndex>_si1</samlp:SessionIndex>`

// logoutResponseXML is an SP's LogoutResponse to our request _ours.
func logoutResponseXML(issuer, attrs, status string) string {
	return `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lr1" Version="2.0" IssueInstant="` +
		tokentest.Epoch.Format(time.RFC3339) + `" Destination="` + ssoURL + `" InResponseTo="_ours"` + attrs + `><saml:Issuer>` + issuer + `</saml:Issuer>` + status + `</samlp:LogoutResponse>`
}

const statusSuccess = `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>`

func TestParseLogoutRequest_Accepts(t *testing.T) {
	doc := logoutRequestXML(spEntity, ` NotOnOrAfter="`+tokentest.Epoch.Add(time.Minute).Format(time.RFC3339)+`" Reason="urn:oasis:names:tc:SAML:2.0:logout:user"`,
		aliceNameID+`<samlp:SessionIndex>_si2</samlp:SessionIndex>`)
	tests := []struct {
		name        string
		sp          func(*samlp.ServiceProvider)
		parse       func(*samlp.IdP, samlp.Lookup) (*samlp.Message, error)
		wantBinding string
		wantSigned  bool
	}{
		{name: "redirect signed", wantBinding: samlp.BindingHTTPRedirect, wantSigned: true,
			parse: func(i *samlp.IdP, l samlp.Lookup) (*samlp.Message, error) {
				return i.ParseRedirectMessage(redirectMsg(t, "SAMLRequest", doc, "rs-1", tokentest.Next, false), l)
			}},
		{name: "redirect signed RSA-SHA1 for a SHA-1 SP", wantBinding: samlp.BindingHTTPRedirect, wantSigned: true,
			sp: func(s *samlp.ServiceProvider) { s.SignatureAlgorithm = token.RSASHA1 },
			parse: func(i *samlp.IdP, l samlp.Lookup) (*samlp.Message, error) {
				return i.ParseRedirectMessage(redirectMsg(t, "SAMLRequest", doc, "rs-1", tokentest.Next, true), l)
			}},
		{name: "post signed", wantBinding: samlp.BindingHTTPPost, wantSigned: true,
			parse: func(i *samlp.IdP, l samlp.Lookup) (*samlp.Message, error) {
				return i.ParsePOSTMessage(postMsg(t, "SAMLRequest", doc, "rs-1", tokentest.Next), l)
			}},
		{name: "unsigned from an SP without keys", wantBinding: samlp.BindingHTTPRedirect,
			sp: func(s *samlp.ServiceProvider) { s.SigningCerts = nil },
			parse: func(i *samlp.IdP, l samlp.Lookup) (*samlp.Message, error) {
				return i.ParseRedirectMessage(redirectMsg(t, "SAMLRequest", doc, "rs-1", "", false), l)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.parse(newIdP(t), lookupOf(newSLOSP(t, tt.sp)))
			if err != nil {
				t.Fatal(err)
			}
			r := m.LogoutRequest
			if r == nil || m.AuthnRequest != nil || m.LogoutResponse != nil {
				t.Fatalf("message %+v, want only a LogoutRequest", m)
			}
			if r.ID != "_lo1" || r.SP.EntityID != spEntity || r.RelayState != "rs-1" || r.Binding != tt.wantBinding || r.Signed != tt.wantSigned ||
				r.NameID != aliceNames || r.NameIDFormat != samlp.NameIDFormatPersistent || r.Reason != samlp.LogoutReasonUser ||
				strings.Join(r.SessionIndexes, ",") != "_si1,_si2" || !r.NotOnOrAfter.Equal(tokentest.Epoch.Add(time.Minute).Truncate(time.Second)) {
				t.Fatalf("unexpected request %+v", r)
			}
		})
	}
}

func TestParseLogoutRequest_MissingFormatIsUnspecified(t *testing.T) {
	doc := logoutRequestXML(spEntity, "", `<saml:NameID>alice</saml:NameID>`)
	m, err := newIdP(t).ParseRedirectMessage(redirectMsg(t, "SAMLRequest", doc, "", tokentest.Next, false), lookupOf(newSLOSP(t, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if r := m.LogoutRequest; r.NameIDFormat != samlp.NameIDFormatUnspecified || len(r.SessionIndexes) != 0 {
		t.Fatalf("%+v", r)
	}
}

func TestParseLogoutMessages_Reject(t *testing.T) {
	good := logoutRequestXML(spEntity, "", aliceNameID)
	type parseFn func(*samlp.IdP, samlp.Lookup) (*samlp.Message, error)
	redirect := func(q string) parseFn {
		return func(i *samlp.IdP, l samlp.Lookup) (*samlp.Message, error) { return i.ParseRedirectMessage(q, l) }
	}
	post := func(v url.Values) parseFn {
		return func(i *samlp.IdP, l samlp.Lookup) (*samlp.Message, error) { return i.ParsePOSTMessage(v, l) }
	}
	// Wrapping: a validly signed LogoutRequest for another principal is
	// hidden in Extensions of an attacker's request with its own ID.
	signed := signPOST(t, good, tokentest.Next)
	moved := strings.Replace(logoutRequestXML(spEntity, "", "<samlp:Extensions>"+string(token.MarshalElement(signed.Root()))+"</samlp:Extensions>"+
		`<saml:NameID>bob</saml:NameID>`), `ID="_lo1"`, `ID="_evil"`, 1)
	// Comment injected into the signed NameID after signing.
	cSigned := string(token.MarshalElement(signPOST(t, logoutRequestXML(spEntity, "", `<saml:NameID>alice@contoso.com.evil.example</saml:NameID>`), tokentest.Next).Root()))
	commented := strings.Replace(cSigned, "alice@contoso.com.evil.example", "alice@contoso.com<!---->.evil.example", 1)
	goodResp := logoutResponseXML(spEntity, "", statusSuccess)
	bomb := "SAMLRequest=" + url.QueryEscape(deflateB64(t, []byte(strings.Repeat(" ", 8<<20))))
	noDest := strings.Replace(good, ` Destination="`+ssoURL+`"`, "", 1)

	tests := []struct {
		name    string
		sp      func(*samlp.ServiceProvider)
		parse   parseFn
		wantErr error
	}{
		{"unsigned redirect from an SP with keys", nil, redirect(redirectMsg(t, "SAMLRequest", good, "", "", false)), samlp.ErrSignatureRequired},
		{"unsigned post from an SP with keys", nil, post(postMsg(t, "SAMLRequest", good, "", "")), samlp.ErrSignatureRequired},
		{"unsigned response from an SP with keys", nil, redirect(redirectMsg(t, "SAMLResponse", goodResp, "", "", false)), samlp.ErrSignatureRequired},
		{"redirect signed by wrong key", nil, redirect(redirectMsg(t, "SAMLRequest", good, "", tokentest.Other, false)), samlp.ErrBadSignature},
		{"post signed by wrong key", nil, post(postMsg(t, "SAMLRequest", good, "", tokentest.Other)), samlp.ErrBadSignature},
		{"response signed by wrong key", nil, post(postMsg(t, "SAMLResponse", goodResp, "", tokentest.Other)), samlp.ErrBadSignature},
		{"RSA-SHA1 to an RSA-SHA256 SP", nil, redirect(redirectMsg(t, "SAMLRequest", good, "", tokentest.Next, true)), samlp.ErrBadSignature},
		{"RelayState altered after signing", nil, redirect(strings.Replace(redirectMsg(t, "SAMLRequest", good, "a", tokentest.Next, false), "RelayState=a", "RelayState=b", 1)), samlp.ErrBadSignature},
		{"request signed as a response", nil, redirect(strings.Replace(redirectMsg(t, "SAMLResponse", goodResp, "", tokentest.Next, false), "SAMLResponse=", "SAMLRequest=", 1)), samlp.ErrInvalidRequest},
		{"wrapping: signed element moved", nil, post(postMsg(t, "SAMLRequest", moved, "", "")), samlp.ErrBadSignature},
		{"comment-injected NameID", nil, post(url.Values{"SAMLRequest": {b64(commented)}}), samlp.ErrInvalidRequest},
		{"unknown issuer", nil, redirect(redirectMsg(t, "SAMLRequest", logoutRequestXML("https://unknown.example", "", aliceNameID), "", tokentest.Next, false)), samlp.ErrUnknownIssuer},
		{"wrong Destination", nil, redirect(redirectMsg(t, "SAMLRequest", strings.Replace(good, ssoURL, "https://other.example/", 1), "", tokentest.Next, false)), samlp.ErrDestination},
		{"signed without Destination", nil, redirect(redirectMsg(t, "SAMLRequest", noDest, "", tokentest.Next, false)), samlp.ErrDestination},
		{"stale IssueInstant", nil, redirect(redirectMsg(t, "SAMLRequest", strings.Replace(good, tokentest.Epoch.Format("2006"), "2024", 1), "", tokentest.Next, false)), samlp.ErrStale},
		{"NotOnOrAfter passed", nil, redirect(redirectMsg(t, "SAMLRequest", logoutRequestXML(spEntity, ` NotOnOrAfter="`+tokentest.Epoch.Add(-10*time.Minute).Format(time.RFC3339)+`"`, aliceNameID), "", tokentest.Next, false)), samlp.ErrStale},
		{"DTD", nil, post(url.Values{"SAMLRequest": {b64(`<!DOCTYPE x [<!ENTITY e "spEntity">]>` + good)}}), xmlin.ErrDTD},
		{"inflate bomb", nil, redirect(bomb), xmlin.ErrTooLarge},
		{"oversized POST", nil, post(url.Values{"SAMLResponse": {strings.Repeat("A", 200<<10)}}), xmlin.ErrTooLarge},
		{"both SAMLRequest and SAMLResponse", nil, redirect(redirectMsg(t, "SAMLRequest", good, "", "", false) + "&SAMLResponse=x"), samlp.ErrInvalidRequest},
		{"both in a POST", nil, post(url.Values{"SAMLRequest": {b64(good)}, "SAMLResponse": {b64(goodResp)}}), samlp.ErrInvalidRequest},
		{"no NameID", nil, redirect(redirectMsg(t, "SAMLRequest", logoutRequestXML(spEntity, "", ""), "", tokentest.Next, false)), samlp.ErrInvalidRequest},
		{"two NameIDs", nil, redirect(redirectMsg(t, "SAMLRequest", logoutRequestXML(spEntity, "", aliceNameID+`<saml:NameID>bob</saml:NameID>`), "", tokentest.Next, false)), samlp.ErrInvalidRequest},
		{"EncryptedID", nil, redirect(redirectMsg(t, "SAMLRequest", logoutRequestXML(spEntity, "", `<saml:EncryptedID/>`), "", tokentest.Next, false)), samlp.ErrInvalidRequest},
		{"unexpected element", nil, redirect(redirectMsg(t, "SAMLRequest", logoutRequestXML(spEntity, "", aliceNameID+`<saml:Subject/>`), "", tokentest.Next, false)), samlp.ErrInvalidRequest},
		{"empty SessionIndex", nil, redirect(redirectMsg(t, "SAMLRequest", logoutRequestXML(spEntity, "", `<saml:NameID>a</saml:NameID><samlp:SessionIndex/>`), "", tokentest.Next, false)), samlp.ErrInvalidRequest},
		{"response without InResponseTo", nil, redirect(redirectMsg(t, "SAMLResponse", strings.Replace(goodResp, ` InResponseTo="_ours"`, "", 1), "", tokentest.Next, false)), samlp.ErrInvalidRequest},
		{"response without Status", nil, redirect(redirectMsg(t, "SAMLResponse", logoutResponseXML(spEntity, "", ""), "", tokentest.Next, false)), samlp.ErrInvalidRequest},
		{"response with empty StatusCode", nil, redirect(redirectMsg(t, "SAMLResponse", logoutResponseXML(spEntity, "", `<samlp:Status><samlp:StatusCode/></samlp:Status>`), "", tokentest.Next, false)), samlp.ErrInvalidRequest},
		{"AuthnRequest as SAMLResponse", nil, redirect(redirectMsg(t, "SAMLResponse", requestXML(spEntity, "", ""), "", "", false)), samlp.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.parse(newIdP(t), lookupOf(newSLOSP(t, tt.sp)))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v (message %+v), want %v", err, m, tt.wantErr)
			}
		})
	}
}

func TestParseLogoutResponse(t *testing.T) {
	partial := `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:PartialLogout"/></samlp:StatusCode><samlp:StatusMessage>some left</samlp:StatusMessage></samlp:Status>`
	failed := `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"/></samlp:Status>`
	tests := []struct {
		name, status, param string
		post                bool
		wantOK              bool
		wantSub, wantMsg    string
	}{
		{name: "redirect success", status: statusSuccess, wantOK: true},
		{name: "post partial", status: partial, post: true, wantOK: true, wantSub: samlp.StatusPartialLogout, wantMsg: "some left"},
		{name: "redirect failure", status: failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := logoutResponseXML(spEntity, "", tt.status)
			var m *samlp.Message
			var err error
			if tt.post {
				m, err = newIdP(t).ParsePOSTMessage(postMsg(t, "SAMLResponse", doc, "rs", tokentest.Next), lookupOf(newSLOSP(t, nil)))
			} else {
				m, err = newIdP(t).ParseRedirectMessage(redirectMsg(t, "SAMLResponse", doc, "rs", tokentest.Next, false), lookupOf(newSLOSP(t, nil)))
			}
			if err != nil {
				t.Fatal(err)
			}
			r := m.LogoutResponse
			if r == nil || r.InResponseTo != "_ours" || r.ID != "_lr1" || !r.Signed || r.RelayState != "rs" || r.Success() != tt.wantOK ||
				r.SubStatus != tt.wantSub || r.StatusMessage != tt.wantMsg {
				t.Fatalf("unexpected response %+v", r)
			}
		})
	}
}

func TestParseRedirectMessage_AuthnRequestAndStrictParsers(t *testing.T) {
	idp, sp := newIdP(t), newSLOSP(t, nil)
	m, err := idp.ParseRedirectMessage(redirectQuery(t, requestXML(spEntity, "", ""), "", tokentest.Next), lookupOf(sp))
	if err != nil || m.AuthnRequest == nil || m.AuthnRequest.ID != "_req1" {
		t.Fatalf("AuthnRequest via ParseRedirectMessage: %+v, %v", m, err)
	}
	// The AuthnRequest-only parsers refuse logout messages.
	lo := logoutRequestXML(spEntity, "", aliceNameID)
	if _, err := idp.ParseRedirect(redirectMsg(t, "SAMLRequest", lo, "", tokentest.Next, false), lookupOf(sp)); !errors.Is(err, samlp.ErrInvalidRequest) {
		t.Errorf("ParseRedirect(LogoutRequest) err = %v", err)
	}
	if _, err := idp.ParsePOST(postMsg(t, "SAMLRequest", lo, "", tokentest.Next), lookupOf(sp)); !errors.Is(err, samlp.ErrInvalidRequest) {
		t.Errorf("ParsePOST(LogoutRequest) err = %v", err)
	}
}

// mirror returns an IdP and lookup that read messages as the SP would:
// received at dest, issued by our IdP, signed with the tokentest Current
// key. It reuses the package's own verifier in the other direction.
func mirror(t *testing.T, dest string, alg token.SignatureAlgorithm) (*samlp.IdP, samlp.Lookup) {
	t.Helper()
	sp, err := samlp.New(samlp.Config{EntityID: spEntity, SSOURL: dest, Keys: token.KeySet{Current: tokentest.KeyPair(t, tokentest.Next)},
		Now: tokentest.NewClock(tokentest.Epoch).Now, Rand: tokentest.Rand()})
	if err != nil {
		t.Fatal(err)
	}
	idpAsSP := &samlp.ServiceProvider{EntityID: idpEntity, SignatureAlgorithm: alg,
		ACS:          []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: "https://unused.example/acs"}},
		SigningCerts: []*x509.Certificate{tokentest.KeyPair(t, tokentest.Current).Cert}}
	return sp, lookupOf(idpAsSP)
}

// splitURL returns the part of u before the query and the raw query.
func splitURL(t *testing.T, u string) (string, string) {
	t.Helper()
	base, q, ok := strings.Cut(u, "?")
	if !ok {
		t.Fatalf("URL %q has no query", u)
	}
	return base, q
}

func TestBuildLogoutRequest_RoundTrip(t *testing.T) {
	tests := []struct {
		name, binding, wantDest string
		alg                     token.SignatureAlgorithm
	}{
		{name: "redirect", wantDest: spSLO},
		{name: "redirect RSA-SHA1", wantDest: spSLO, alg: token.RSASHA1},
		{name: "post preferred", binding: samlp.BindingHTTPPost, wantDest: spSLOPost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := newSLOSP(t, func(s *samlp.ServiceProvider) { s.SignatureAlgorithm = tt.alg })
			out, err := newIdP(t).BuildLogoutRequest(samlp.LogoutRequestInput{SP: sp, NameID: aliceNames, SessionIndex: "_si9", RelayState: "rs&x=1", Binding: tt.binding})
			if err != nil {
				t.Fatal(err)
			}
			if out.Destination != tt.wantDest || out.ID == "" {
				t.Fatalf("outbound %+v", out)
			}
			spSide, lookup := mirror(t, tt.wantDest, tt.alg)
			var m *samlp.Message
			if out.Binding == samlp.BindingHTTPRedirect {
				base, q := splitURL(t, out.URL)
				if base != tt.wantDest || out.Value != "" || strings.Contains(string(out.XML), "Signature") {
					t.Fatalf("redirect outbound %+v", out)
				}
				wantAlg := dsig.RSASHA256SignatureMethod
				if tt.alg == token.RSASHA1 {
					wantAlg = dsig.RSASHA1SignatureMethod
				}
				if v, _ := url.ParseQuery(q); v.Get("SigAlg") != wantAlg || v.Get("RelayState") != "rs&x=1" {
					t.Errorf("query %v", v)
				}
				m, err = spSide.ParseRedirectMessage(q, lookup)
			} else {
				if out.URL != tt.wantDest || out.Param != "SAMLRequest" || out.RelayState != "rs&x=1" {
					t.Fatalf("post outbound %+v", out)
				}
				m, err = spSide.ParsePOSTMessage(url.Values{out.Param: {out.Value}, "RelayState": {out.RelayState}}, lookup)
			}
			if err != nil {
				t.Fatalf("the SP side refuses our LogoutRequest: %v", err)
			}
			r := m.LogoutRequest
			if r == nil || !r.Signed || r.ID != out.ID || r.NameID != aliceNames || r.NameIDFormat != samlp.NameIDFormatPersistent ||
				strings.Join(r.SessionIndexes, ",") != "_si9" || r.Reason != samlp.LogoutReasonUser || r.RelayState != "rs&x=1" ||
				!r.NotOnOrAfter.Equal(tokentest.Epoch.Add(5*time.Minute)) {
				t.Fatalf("SP read %+v", r)
			}
		})
	}
}

func TestBuildLogoutRequest_WrongKeyDoesNotVerify(t *testing.T) {
	out, err := newIdP(t).BuildLogoutRequest(samlp.LogoutRequestInput{SP: newSLOSP(t, nil), NameID: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	spSide, _ := mirror(t, spSLO, "")
	other := &samlp.ServiceProvider{EntityID: idpEntity, ACS: []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: "https://unused.example/acs"}},
		SigningCerts: []*x509.Certificate{tokentest.KeyPair(t, tokentest.Other).Cert}}
	_, q := splitURL(t, out.URL)
	if _, err := spSide.ParseRedirectMessage(q, lookupOf(other)); !errors.Is(err, samlp.ErrBadSignature) {
		t.Fatalf("err = %v, want ErrBadSignature", err)
	}
}

func TestBuildLogoutResponse(t *testing.T) {
	tests := []struct {
		name, binding, wantDest string
		partial                 bool
	}{
		{name: "redirect to ResponseLocation", binding: samlp.BindingHTTPRedirect, wantDest: spSLOResp},
		{name: "post partial", binding: samlp.BindingHTTPPost, wantDest: spSLOPost, partial: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := newIdP(t).BuildLogoutResponse(samlp.LogoutResponseInput{SP: newSLOSP(t, nil), InResponseTo: "_theirs", RelayState: "back", PartialLogout: tt.partial, Binding: tt.binding})
			if err != nil {
				t.Fatal(err)
			}
			spSide, lookup := mirror(t, tt.wantDest, "")
			var m *samlp.Message
			if out.Binding == samlp.BindingHTTPRedirect {
				base, q := splitURL(t, out.URL)
				if base != tt.wantDest {
					t.Fatalf("redirect to %q, want %q", base, tt.wantDest)
				}
				m, err = spSide.ParseRedirectMessage(q, lookup)
			} else {
				m, err = spSide.ParsePOSTMessage(url.Values{out.Param: {out.Value}, "RelayState": {out.RelayState}}, lookup)
			}
			if err != nil {
				t.Fatalf("the SP side refuses our LogoutResponse: %v", err)
			}
			r := m.LogoutResponse
			wantSub := ""
			if tt.partial {
				wantSub = samlp.StatusPartialLogout
			}
			if r == nil || !r.Success() || r.SubStatus != wantSub || r.InResponseTo != "_theirs" || r.RelayState != "back" || r.ID != out.ID {
				t.Fatalf("SP read %+v", r)
			}
		})
	}
}

func TestBuildLogout_Rejects(t *testing.T) {
	noSLO := newSP(t, nil)
	idp := newIdP(t)
	if _, err := idp.BuildLogoutRequest(samlp.LogoutRequestInput{SP: noSLO, NameID: "a"}); !errors.Is(err, samlp.ErrNoSingleLogout) {
		t.Errorf("request to SP without SLO: %v", err)
	}
	if _, err := idp.BuildLogoutResponse(samlp.LogoutResponseInput{SP: noSLO, InResponseTo: "_x"}); !errors.Is(err, samlp.ErrNoSingleLogout) {
		t.Errorf("response to SP without SLO: %v", err)
	}
	if _, err := idp.BuildLogoutRequest(samlp.LogoutRequestInput{SP: newSLOSP(t, nil)}); !errors.Is(err, samlp.ErrConfig) {
		t.Errorf("request without NameID: %v", err)
	}
	if _, err := idp.BuildLogoutResponse(samlp.LogoutResponseInput{SP: newSLOSP(t, nil)}); !errors.Is(err, samlp.ErrConfig) {
		t.Errorf("response without InResponseTo: %v", err)
	}
	bad := newSLOSP(t, func(s *samlp.ServiceProvider) { s.SLO[0].Location = "http://sp.example.com/slo" })
	if _, err := idp.BuildLogoutRequest(samlp.LogoutRequestInput{SP: bad, NameID: "a"}); !errors.Is(err, samlp.ErrConfig) {
		t.Errorf("plain-http SLO: %v", err)
	}
}

// TestBuildLogoutRequest_XMLSec1 has xmlsec1 verify the enveloped
// signature of a POST-binding LogoutRequest with only the IdP certificate.
func TestBuildLogoutRequest_XMLSec1(t *testing.T) {
	e2etest.XMLSec1(t) // skips (fails under CI=true) when xmlsec1 is missing
	out, err := newIdP(t).BuildLogoutRequest(samlp.LogoutRequestInput{SP: newSLOSP(t, nil), NameID: aliceNames, SessionIndex: "_si", Binding: samlp.BindingHTTPPost})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	msg := write("logout.xml", out.XML)
	good := write("idp.crt", tokentest.CertPEM(tokentest.KeyPair(t, tokentest.Current).Cert))
	other := write("other.crt", tokentest.CertPEM(tokentest.KeyPair(t, tokentest.Other).Cert))
	const node = "urn:oasis:names:tc:SAML:2.0:protocol:LogoutRequest"
	if res := e2etest.XMLSec1Verify(t, msg, good, "ID", node); !res.OK {
		t.Fatalf("xmlsec1 refuses the IdP signature:\n%s", res.Output)
	}
	if res := e2etest.XMLSec1Verify(t, msg, other, "ID", node); res.OK {
		t.Fatal("xmlsec1 accepts the signature with an unrelated certificate")
	}
	tampered := write("tampered.xml", []byte(strings.Replace(string(out.XML), aliceNames, "bob", 1)))
	if res := e2etest.XMLSec1Verify(t, tampered, good, "ID", node); res.OK {
		t.Fatal("xmlsec1 accepts a tampered NameID")
	}
}

func TestBuildStatusResponse_NoPassive(t *testing.T) {
	sp := newSP(t, func(s *samlp.ServiceProvider) { s.SignResponse = false })
	req, err := newIdP(t).ParseRedirect(redirectQuery(t, requestXML(spEntity, ` IsPassive="true"`, ""), "rs-9", tokentest.Next), lookupOf(sp))
	if err != nil {
		t.Fatal(err)
	}
	r, err := newIdP(t).BuildStatusResponse(req.NoPassive())
	if err != nil {
		t.Fatal(err)
	}
	if f := r.PostForm(); f.Action != spACS || f.RelayState != "rs-9" || r.AssertionID != "" {
		t.Fatalf("form %+v, response %+v", f, r)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(r.XML); err != nil {
		t.Fatal(err)
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{tokentest.KeyPair(t, tokentest.Current).Cert}})
	vc.Clock = dsig.NewFakeClockAt(tokentest.Epoch)
	root, err := vc.Validate(doc.Root())
	if err != nil {
		t.Fatalf("status response signature: %v", err)
	}
	code := root.FindElement("./Status/StatusCode")
	if root.Tag != "Response" || root.SelectAttrValue("InResponseTo", "") != "_req1" || root.SelectAttrValue("Destination", "") != spACS ||
		code == nil || code.SelectAttrValue("Value", "") != samlp.StatusResponder ||
		code.FindElement("./StatusCode[@Value='"+samlp.StatusNoPassive+"']") == nil || root.FindElement("//Assertion") != nil {
		t.Fatalf("unexpected status response %s", r.XML)
	}
	// Only non-success codes, only to a registered ACS.
	in := req.NoPassive()
	in.Status = samlp.StatusSuccess
	if _, err := newIdP(t).BuildStatusResponse(in); !errors.Is(err, samlp.ErrConfig) {
		t.Errorf("Success status: %v", err)
	}
	in = req.NoPassive()
	in.ACS.Location = "https://evil.example/acs"
	if _, err := newIdP(t).BuildStatusResponse(in); !errors.Is(err, samlp.ErrACSNotRegistered) {
		t.Errorf("unregistered ACS: %v", err)
	}
}

func TestBuildResponse_SessionIndex(t *testing.T) {
	sp := newSP(t, nil)
	in := samlp.ResponseInput{SP: sp, ACS: sp.ACS[0], NameID: "alice", AuthnInstant: tokentest.Epoch, SessionIndex: "_sess42"}
	if got := in.IssuedNameIDFormat(); got != samlp.NameIDFormatPersistent {
		t.Errorf("IssuedNameIDFormat = %q", got)
	}
	r, err := newIdP(t).BuildResponse(in)
	if err != nil {
		t.Fatal(err)
	}
	doc := mustDoc(t, string(r.XML))
	if an := doc.Root().FindElement("./Assertion/AuthnStatement"); an == nil || an.SelectAttrValue("SessionIndex", "") != "_sess42" {
		t.Fatalf("AuthnStatement %v lacks the SessionIndex", an)
	}
}

func FuzzParseLogoutMessage(f *testing.F) {
	f.Add(logoutRequestXML(spEntity, "", aliceNameID), true, false)
	f.Add(logoutRequestXML(spEntity, ` NotOnOrAfter="2030-01-01T00:00:00Z"`, `<saml:NameID>a</saml:NameID><samlp:SessionIndex>s</samlp:SessionIndex>`), false, false)
	f.Add(logoutResponseXML(spEntity, "", statusSuccess), true, true)
	f.Add(logoutResponseXML(spEntity, "", `<samlp:Status><samlp:StatusCode Value="x"><samlp:StatusCode Value="y"/></samlp:StatusCode></samlp:Status>`), false, true)
	f.Add(`<!DOCTYPE a><a/>`, true, false)
	f.Add("", false, true)
	idp := newIdP(f)
	// An SP without keys, so unsigned fuzz input reaches the field readers.
	sp := newSLOSP(f, func(s *samlp.ServiceProvider) { s.SigningCerts = nil })
	f.Fuzz(func(t *testing.T, doc string, redirect, response bool) {
		param := "SAMLRequest"
		if response {
			param = "SAMLResponse"
		}
		var m *samlp.Message
		var err error
		if redirect {
			m, err = idp.ParseRedirectMessage(param+"="+url.QueryEscape(deflateB64(t, []byte(doc))), lookupOf(sp))
		} else {
			m, err = idp.ParsePOSTMessage(url.Values{param: {b64(doc)}}, lookupOf(sp))
		}
		if err != nil {
			return
		}
		n := 0
		for _, set := range []bool{m.AuthnRequest != nil, m.LogoutRequest != nil, m.LogoutResponse != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("message has %d parts set", n)
		}
		switch {
		case m.LogoutRequest != nil:
			if response || m.LogoutRequest.NameID == "" || m.LogoutRequest.ID == "" || len(m.LogoutRequest.SessionIndexes) > 16 {
				t.Fatalf("accepted LogoutRequest %+v", m.LogoutRequest)
			}
		case m.LogoutResponse != nil:
			if !response || m.LogoutResponse.InResponseTo == "" || m.LogoutResponse.Status == "" {
				t.Fatalf("accepted LogoutResponse %+v", m.LogoutResponse)
			}
		case m.AuthnRequest != nil:
			if response {
				t.Fatal("AuthnRequest accepted as SAMLResponse")
			}
		}
	})
}
