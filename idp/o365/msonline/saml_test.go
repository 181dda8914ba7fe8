package msonline_test

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/o365/internal/o365test"
	"github.com/fedgate/fedgate/idp/o365/msonline"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
)

func saml2(c *msonline.Config) { c.Protocol = msonline.ProtocolSAML2 }

// samlSignIn runs discovery in SAML mode, parses the AuthnRequest with
// fedgate's own samlp (as the IdP would) and returns a response to it.
func (ts *testSite) samlSignIn(t *testing.T) (samlResponse, relay string) {
	t.Helper()
	rec := ts.do(t, postForm("/", url.Values{"login": {o365test.UPN}}))
	if rec.Code != http.StatusFound {
		t.Fatalf("discovery status = %d; body:\n%s", rec.Code, rec.Body)
	}
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loc.String(), o365test.PassiveSignInURI+"?SAMLRequest=") {
		t.Fatalf("redirect %s", loc)
	}
	now := func() time.Time { return ts.now }
	idp, err := samlp.New(samlp.Config{
		EntityID: o365test.Issuer, SSOURL: o365test.PassiveSignInURI,
		Keys: token.KeySet{Current: token.KeyPair{Signer: ts.key.Private, Cert: ts.key.Cert}},
		Now:  now, Rand: rand.Reader,
	})
	if err != nil {
		t.Fatal(err)
	}
	sp := samlp.EntraServiceProvider()
	sp.ACS[0].Location = baseURL + "/login.srf"
	req, err := idp.ParseRedirect(loc.RawQuery, func(id string) (*samlp.ServiceProvider, error) {
		if id == sp.EntityID {
			return sp, nil
		}
		return nil, nil
	})
	if err != nil {
		t.Fatalf("fedgate refuses the AuthnRequest: %v", err)
	}
	if req.NameIDFormat != samlp.NameIDFormatPersistent || req.RelayState == "" {
		t.Fatalf("request %+v", req)
	}
	in := req.Input()
	in.AuthnInstant = ts.now
	resp, err := idp.BuildResponse(samlp.EntraProfile(in, o365test.ImmutableID, o365test.UPN))
	if err != nil {
		t.Fatal(err)
	}
	f := resp.PostForm()
	return f.SAMLResponse, f.RelayState
}

func TestLoginSRF_SAML2(t *testing.T) {
	ts := newTestSite(t, saml2)
	resp, relay := ts.samlSignIn(t)
	rec := ts.do(t, postForm("/login.srf", url.Values{"SAMLResponse": {resp}, "RelayState": {relay}}))
	if rec.Code != http.StatusOK || textByID(t, rec.Body.String(), "upn") != o365test.UPN {
		t.Fatalf("status %d:\n%s", rec.Code, rec.Body)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"RelayState reused", url.Values{"SAMLResponse": {resp}, "RelayState": {relay}}, "RelayState"},
		{"no RelayState", url.Values{"SAMLResponse": {resp}}, "exactly one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := ts.do(t, postForm("/login.srf", tc.form))
			if rec.Code != http.StatusBadRequest || !strings.Contains(textByID(t, rec.Body.String(), "reason"), tc.want) {
				t.Fatalf("status %d:\n%s", rec.Code, rec.Body)
			}
		})
	}
	t.Run("SAML RelayState used as wctx", func(t *testing.T) {
		_, relay := ts.samlSignIn(t)
		rec := ts.do(t, postForm("/login.srf", url.Values{"wa": {"wsignin1.0"}, "wctx": {relay}, "wresult": {"<x/>"}}))
		if rec.Code != http.StatusBadRequest || !strings.Contains(textByID(t, rec.Body.String(), "reason"), "wctx") {
			t.Fatalf("status %d:\n%s", rec.Code, rec.Body)
		}
	})
}

func TestNew_RejectsUnknownProtocol(t *testing.T) {
	_, err := msonline.New(msonline.Config{Protocol: "oidc", BaseURL: baseURL})
	if err == nil || !strings.Contains(err.Error(), "Protocol") {
		t.Fatalf("err = %v", err)
	}
}
