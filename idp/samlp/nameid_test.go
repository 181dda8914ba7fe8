package samlp_test

import (
	"bytes"
	"compress/flate"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token/tokentest"
)

// The helpers below are this file's own (helpers_test.go is being
// reworked); they build unsigned AuthnRequests with a chosen NameIDPolicy.

const (
	nidEntity = "https://nid.example.com/metadata"
	nidACS    = "https://nid.example.com/acs"
)

func nidIdP(t testing.TB) *samlp.IdP {
	t.Helper()
	idp, err := samlp.New(samlp.Config{
		EntityID: "http://sts.contoso.com/adfs/services/trust", SSOURL: "https://sts.contoso.com/adfs/ls/",
		Keys: tokentest.KeySet(t), Now: tokentest.NewClock(tokentest.Epoch).Now, Rand: tokentest.Rand(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return idp
}

func nidSP(mutate func(*samlp.ServiceProvider)) *samlp.ServiceProvider {
	sp := &samlp.ServiceProvider{EntityID: nidEntity, ACS: []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: nidACS}}}
	if mutate != nil {
		mutate(sp)
	}
	return sp
}

func nidLookup(sp *samlp.ServiceProvider) samlp.Lookup {
	return func(id string) (*samlp.ServiceProvider, error) {
		if id == sp.EntityID {
			return sp, nil
		}
		return nil, nil
	}
}

// nidRequest is an AuthnRequest with attrs on the root and policy (a
// NameIDPolicy element, or "") after the Issuer.
func nidRequest(issuer, attrs, policy string) string {
	return `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_nid1" Version="2.0" IssueInstant="` +
		tokentest.Epoch.Format(time.RFC3339) + `" Destination="https://sts.contoso.com/adfs/ls/"` + attrs + `><saml:Issuer>` + issuer +
		`</saml:Issuer>` + policy + `</samlp:AuthnRequest>`
}

func nidPolicy(format string) string {
	return `<samlp:NameIDPolicy Format="` + format + `" AllowCreate="true"/>`
}

// nidRedirect is the HTTP-Redirect query for doc with RelayState relay.
func nidRedirect(t testing.TB, doc, relay string) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	q := "SAMLRequest=" + url.QueryEscape(base64.StdEncoding.EncodeToString(buf.Bytes()))
	if relay != "" {
		q += "&RelayState=" + url.QueryEscape(relay)
	}
	return q
}

func TestNameIDFormatFor(t *testing.T) {
	const (
		persistent  = samlp.NameIDFormatPersistent
		transient   = samlp.NameIDFormatTransient
		email       = samlp.NameIDFormatEmailAddress
		unspecified = samlp.NameIDFormatUnspecified
		unknown     = "urn:example:nameid-format:shoe-size"
	)
	pin := func(f string) func(*samlp.ServiceProvider) {
		return func(sp *samlp.ServiceProvider) { sp.NameIDFormat, sp.StrictNameIDFormat = f, true }
	}
	tests := []struct {
		name      string
		sp        *samlp.ServiceProvider
		requested string
		want      string // "" = refused
	}{
		{"default, none", nidSP(nil), "", persistent},
		{"default, unspecified", nidSP(nil), unspecified, persistent},
		{"default, persistent", nidSP(nil), persistent, persistent},
		{"default, transient", nidSP(nil), transient, transient},
		{"default, email", nidSP(nil), email, ""},
		{"default, unknown URI", nidSP(nil), unknown, ""},
		{"metadata email, transient", nidSP(func(sp *samlp.ServiceProvider) { sp.NameIDFormat = email }), transient, transient},
		{"metadata email, persistent", nidSP(func(sp *samlp.ServiceProvider) { sp.NameIDFormat = email }), persistent, ""},
		{"metadata transient, none", nidSP(func(sp *samlp.ServiceProvider) { sp.NameIDFormat = transient }), "", transient},
		{"metadata transient, persistent", nidSP(func(sp *samlp.ServiceProvider) { sp.NameIDFormat = transient }), persistent, ""},
		{"pinned persistent, transient", nidSP(pin(persistent)), transient, ""},
		{"pinned persistent, none", nidSP(pin(persistent)), "", persistent},
		{"pinned transient, unspecified", nidSP(pin(transient)), unspecified, transient},
		{"pinned transient, persistent", nidSP(pin(transient)), persistent, ""},
		{"pinned persistent, persistent", nidSP(pin(persistent)), persistent, persistent},
		{"pinned email, email", nidSP(pin(email)), email, email},
		{"Entra, transient", samlp.EntraServiceProvider(), transient, ""},
		{"Entra imported without pin, transient", &samlp.ServiceProvider{EntityID: samlp.EntraEntityID, NameIDFormat: persistent}, transient, ""},
		{"Entra, persistent", samlp.EntraServiceProvider(), persistent, persistent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sp.NameIDFormatFor(tt.requested)
			switch {
			case tt.want == "" && !errors.Is(err, samlp.ErrNameIDPolicy):
				t.Fatalf("NameIDFormatFor(%q) = %q, %v; want ErrNameIDPolicy", tt.requested, got, err)
			case tt.want != "" && (err != nil || got != tt.want):
				t.Fatalf("NameIDFormatFor(%q) = %q, %v; want %q", tt.requested, got, err, tt.want)
			}
		})
	}
}

func TestParse_NameIDPolicySettlesTheFormat(t *testing.T) {
	tests := []struct {
		name   string
		sp     func(*samlp.ServiceProvider)
		policy string
		want   string
	}{
		{"no policy", nil, "", samlp.NameIDFormatPersistent},
		{"no Format", nil, `<samlp:NameIDPolicy AllowCreate="true"/>`, samlp.NameIDFormatPersistent},
		{"transient", nil, nidPolicy(samlp.NameIDFormatTransient), samlp.NameIDFormatTransient},
		{"transient, AllowCreate false (ignored)", nil, `<samlp:NameIDPolicy Format="` + samlp.NameIDFormatTransient + `" AllowCreate="false"/>`, samlp.NameIDFormatTransient},
		{"persistent, AllowCreate false (the ID exists)", nil, `<samlp:NameIDPolicy Format="` + samlp.NameIDFormatPersistent + `" AllowCreate="0"/>`, samlp.NameIDFormatPersistent},
		{"own SPNameQualifier", nil, `<samlp:NameIDPolicy Format="` + samlp.NameIDFormatTransient + `" SPNameQualifier="` + nidEntity + `"/>`, samlp.NameIDFormatTransient},
		{"audience as SPNameQualifier", func(sp *samlp.ServiceProvider) { sp.Audience = "urn:nid:audience" },
			`<samlp:NameIDPolicy SPNameQualifier="urn:nid:audience"/>`, samlp.NameIDFormatPersistent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := nidIdP(t).ParseRedirect(nidRedirect(t, nidRequest(nidEntity, "", tt.policy), ""), nidLookup(nidSP(tt.sp)))
			if err != nil {
				t.Fatal(err)
			}
			if r.IssueNameIDFormat != tt.want || r.Input().NameIDFormat != tt.want || r.Input().IssuedNameIDFormat() != tt.want {
				t.Fatalf("IssueNameIDFormat %q, Input %+v; want %q", r.IssueNameIDFormat, r.Input(), tt.want)
			}
		})
	}
}

func TestParse_UnsatisfiableNameIDPolicyCarriesTheVerifiedRequest(t *testing.T) {
	tests := []struct {
		name   string
		sp     func(*samlp.ServiceProvider)
		policy string
	}{
		{"emailAddress from a persistent SP", nil, nidPolicy(samlp.NameIDFormatEmailAddress)},
		{"unknown URI", nil, nidPolicy("urn:example:nameid-format:shoe-size")},
		{"transient from a pinned SP", func(sp *samlp.ServiceProvider) { sp.StrictNameIDFormat = true }, nidPolicy(samlp.NameIDFormatTransient)},
		{"affiliation SPNameQualifier", nil, `<samlp:NameIDPolicy Format="` + samlp.NameIDFormatTransient + `" SPNameQualifier="urn:affiliation:all"/>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := nidRequest(nidEntity, ` AssertionConsumerServiceURL="`+nidACS+`"`, tt.policy)
			for binding, parse := range map[string]func(*samlp.IdP, samlp.Lookup) (*samlp.Message, error){
				"redirect": func(i *samlp.IdP, l samlp.Lookup) (*samlp.Message, error) {
					return i.ParseRedirectMessage(nidRedirect(t, doc, "rs-9"), l)
				},
				"post": func(i *samlp.IdP, l samlp.Lookup) (*samlp.Message, error) {
					return i.ParsePOSTMessage(url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString([]byte(doc))}, "RelayState": {"rs-9"}}, l)
				},
			} {
				idp := nidIdP(t)
				m, err := parse(idp, nidLookup(nidSP(tt.sp)))
				var pe *samlp.NameIDPolicyError
				if m != nil || !errors.Is(err, samlp.ErrNameIDPolicy) || !errors.As(err, &pe) || pe.Request == nil {
					t.Fatalf("%s: message %+v, err %v; want a *NameIDPolicyError wrapping ErrNameIDPolicy", binding, m, err)
				}
				req := pe.Request
				if req.ID != "_nid1" || req.ACS.Location != nidACS || req.RelayState != "rs-9" || req.IssueNameIDFormat != "" {
					t.Fatalf("%s: request %+v", binding, req)
				}
				in := req.InvalidNameIDPolicy()
				if in.Status != samlp.StatusRequester || in.SubStatus != samlp.StatusInvalidNameIDPolicy || in.InResponseTo != "_nid1" ||
					in.RelayState != "rs-9" || in.ACS.Location != nidACS {
					t.Fatalf("%s: status input %+v", binding, in)
				}
				resp, err := idp.BuildStatusResponse(in)
				if err != nil {
					t.Fatal(err)
				}
				requireInvalidNameIDPolicy(t, resp.XML)
			}
		})
	}
}

// requireInvalidNameIDPolicy checks a status response carries Requester /
// InvalidNameIDPolicy and no assertion.
func requireInvalidNameIDPolicy(t *testing.T, xml []byte) {
	t.Helper()
	d := etree.NewDocument()
	if err := d.ReadFromBytes(xml); err != nil {
		t.Fatal(err)
	}
	top := d.Root().FindElement("./Status/StatusCode")
	if top == nil || top.SelectAttrValue("Value", "") != samlp.StatusRequester || d.Root().FindElement("//Assertion") != nil ||
		top.FindElement("./StatusCode[@Value='"+samlp.StatusInvalidNameIDPolicy+"']") == nil || d.Root().FindElement("./Signature") == nil {
		t.Fatalf("not a signed Requester/InvalidNameIDPolicy response: %s", xml)
	}
}

// TestParse_NameIDPolicyErrorOnlyAfterEveryOtherCheck: a request that
// fails another check reports that failure, never a NameIDPolicyError (whose
// ACS the caller would answer).
func TestParse_NameIDPolicyErrorOnlyAfterEveryOtherCheck(t *testing.T) {
	bad := nidPolicy(samlp.NameIDFormatEmailAddress)
	tests := []struct {
		name string
		sp   func(*samlp.ServiceProvider)
		doc  string
		want error
	}{
		{"unregistered ACS", nil, nidRequest(nidEntity, ` AssertionConsumerServiceURL="https://evil.example/acs"`, bad), samlp.ErrACSNotRegistered},
		{"unknown issuer", nil, nidRequest("https://evil.example/metadata", "", bad), samlp.ErrUnknownIssuer},
		{"unsigned to a signing SP", func(sp *samlp.ServiceProvider) {
			sp.RequireSignedRequests, sp.SigningCerts = true, []*x509.Certificate{tokentest.KeyPair(t, tokentest.Next).Cert}
		}, nidRequest(nidEntity, "", bad), samlp.ErrSignatureRequired},
		{"bad IsPassive", nil, nidRequest(nidEntity, ` IsPassive="maybe"`, bad), samlp.ErrInvalidRequest},
		{"two NameIDPolicy elements", nil, nidRequest(nidEntity, "", bad+nidPolicy(samlp.NameIDFormatTransient)), samlp.ErrInvalidRequest},
		{"oversized Format", nil, nidRequest(nidEntity, "", nidPolicy("urn:"+strings.Repeat("f", 300))), samlp.ErrInvalidRequest},
		{"bad AllowCreate", nil, nidRequest(nidEntity, "", `<samlp:NameIDPolicy AllowCreate="yes"/>`), samlp.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := nidIdP(t).ParseRedirect(nidRedirect(t, tt.doc, ""), nidLookup(nidSP(tt.sp)))
			var pe *samlp.NameIDPolicyError
			if !errors.Is(err, tt.want) || errors.As(err, &pe) {
				t.Fatalf("err = %v, want %v and no NameIDPolicyError", err, tt.want)
			}
		})
	}
}

func TestNewTransientNameID(t *testing.T) {
	a, err := samlp.NewTransientNameID(tokentest.Rand())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(a)
	if err != nil || len(raw) != samlp.TransientNameIDBytes || samlp.TransientNameIDBytes*8 < 128 {
		t.Fatalf("transient NameID %q: %d bytes, %v", a, len(raw), err)
	}
	// It is the injected randomness, verbatim.
	r := tokentest.Rand()
	want := make([]byte, samlp.TransientNameIDBytes)
	if _, err := r.Read(want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, want) {
		t.Errorf("transient NameID bytes %x, want the reader's %x", raw, want)
	}
	if _, err := samlp.NewTransientNameID(bytes.NewReader(make([]byte, 3))); err == nil {
		t.Error("a short random source gave a transient NameID")
	}
}

// FuzzNameIDPolicy feeds NameIDPolicy elements (and anything else) through
// the AuthnRequest parser. Properties: no panic; an accepted request has a
// format the SP may receive; a NameIDPolicyError always carries a request
// whose ACS is registered, since the caller answers it there.
func FuzzNameIDPolicy(f *testing.F) {
	for _, p := range []string{
		"", nidPolicy(samlp.NameIDFormatTransient), nidPolicy(samlp.NameIDFormatEmailAddress),
		`<samlp:NameIDPolicy SPNameQualifier="urn:x" AllowCreate="1"/>`, `<samlp:NameIDPolicy Format=""/>`,
		nidPolicy(samlp.NameIDFormatPersistent) + nidPolicy(samlp.NameIDFormatPersistent),
	} {
		f.Add(p, false)
		f.Add(p, true)
	}
	idp := nidIdP(f)
	open, strict := nidSP(nil), nidSP(func(sp *samlp.ServiceProvider) { sp.StrictNameIDFormat = true })
	f.Fuzz(func(t *testing.T, policy string, pinned bool) {
		sp := open
		if pinned {
			sp = strict
		}
		doc := nidRequest(nidEntity, "", policy)
		r, err := idp.ParsePOST(url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString([]byte(doc))}}, nidLookup(sp))
		var pe *samlp.NameIDPolicyError
		switch {
		case err == nil:
			if _, ferr := sp.NameIDFormatFor(r.IssueNameIDFormat); ferr != nil || r.IssueNameIDFormat == "" {
				t.Fatalf("accepted %q with format %q the SP may not receive", policy, r.IssueNameIDFormat)
			}
			if r.IssueNameIDFormat == samlp.NameIDFormatTransient && pinned {
				t.Fatal("transient issued to a pinned persistent SP")
			}
		case errors.As(err, &pe):
			if pe.Request == nil || pe.Request.ACS.Location != nidACS || !errors.Is(err, samlp.ErrNameIDPolicy) {
				t.Fatalf("NameIDPolicyError %+v without a verified request", pe)
			}
		}
	})
}
