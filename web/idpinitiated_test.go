package web_test

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/web"
)

// newIdPInitiatedEnv is newSAMLEnv's two SPs with IdP-initiated sign-on
// switched on (enabled) or left at its default (off).
func newIdPInitiatedEnv(t *testing.T, enabled bool) *samlEnv {
	t.Helper()
	e := &samlEnv{}
	e.testEnv = newTestEnv(t, func(cfg *web.Config) {
		kp, err := token.GenerateKeyPair("saml signing", 24*time.Hour, cfg.Now(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		e.idpCert = kp.Cert
		idp, err := samlp.New(samlp.Config{EntityID: idpEntityID, SSOURL: ssoURL, Keys: token.KeySet{Current: kp}, Now: cfg.Now})
		if err != nil {
			t.Fatal(err)
		}
		sp1 := &samlp.ServiceProvider{EntityID: sp1Entity, ACS: []samlp.Endpoint{
			{Binding: samlp.BindingHTTPPost, Location: sp1ACS + "2", Index: 1},
			{Binding: samlp.BindingHTTPPost, Location: sp1ACS, Index: 0, IsDefault: true},
		}}
		sp2 := &samlp.ServiceProvider{EntityID: sp2Entity, ACS: []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: sp2ACS}},
			NameIDFormat: samlp.NameIDFormatEmailAddress}
		parties, err := rp.NewRegistry(rp.Office365(rp.MFAAlways, replyURL),
			rp.SAMLParty("SP One", sp1, rp.MFAAlways), rp.SAMLParty("SP Two", sp2, rp.MFANever))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Parties, cfg.SAML, cfg.IdPInitiated = parties, idp, enabled
		cfg.Replay = cfg.Audit.(web.Replay)
	})
	return e
}

func TestIdPInitiated_OffByDefault(t *testing.T) {
	env := newIdPInitiatedEnv(t, false)
	c := env.browser(t)
	for _, p := range []string{"/adfs/ls/idpinitiatedsignon", "/adfs/ls/IdpInitiatedSignon.aspx?loginToRp=" + url.QueryEscape(sp2Entity)} {
		if r := env.get(t, c, p); r.status != http.StatusNotFound || r.page == nil || r.page.Has("autopost") {
			t.Fatalf("%s: status %d: %s", p, r.status, r.body)
		}
	}
	if r := env.post(t, c, "/adfs/ls/idpinitiatedsignon", url.Values{"rp": {sp2Entity}}); r.status != http.StatusNotFound {
		t.Fatalf("POST: status %d", r.status)
	}
}

func TestIdPInitiated_PageListsSAMLPartiesAndChoosingOneSignsIn(t *testing.T) {
	env := newIdPInitiatedEnv(t, true)
	c := env.browser(t)
	r := env.get(t, c, "/adfs/ls/IdpInitiatedSignon.aspx")
	if r.status != http.StatusOK || !r.page.Has("idpInitiatedForm") {
		t.Fatalf("page: %d %s", r.status, r.body)
	}
	if !strings.Contains(r.body, "SP One") || !strings.Contains(r.body, "SP Two") || strings.Contains(r.body, "urn:federation:MicrosoftOnline") {
		t.Fatalf("party list (SAML parties only) wrong: %s", r.body)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(r.body, "<script") || strings.Contains(r.body, "style=") {
		t.Fatalf("page is not CSP-clean (CSP %q)", csp)
	}
	r = env.submit(t, c, r, "idpInitiatedForm", map[string]string{"rp": sp1Entity})
	r = env.login(t, c, r, "alice@contoso.com", "Alice-Passw0rd!")
	resp := env.samlResponse(t, r, sp1ACS, "") // the default ACS, not the first listed
	if resp.SelectAttr("InResponseTo") != nil {
		t.Fatalf("unsolicited response has InResponseTo")
	}
	if scd := resp.FindElement("Assertion/Subject/SubjectConfirmation/SubjectConfirmationData"); scd == nil || scd.SelectAttr("InResponseTo") != nil {
		t.Fatalf("SubjectConfirmationData missing or has InResponseTo")
	}

	// Signed in now: the page says so, and loginToRp uses the session.
	r = env.get(t, c, "/adfs/ls/idpinitiatedsignon")
	if r.page.Text("signed-in-as") == "" || !strings.Contains(r.page.Text("signed-in-as"), "alice@contoso.com") {
		t.Fatalf("signed-in user not shown: %s", r.body)
	}
	r = env.get(t, c, "/adfs/ls/idpinitiatedsignon?loginToRp="+url.QueryEscape(sp2Entity))
	env.samlResponse(t, r, sp2ACS, "")
}

func TestIdPInitiated_Refusals(t *testing.T) {
	env := newIdPInitiatedEnv(t, true)
	c := env.browser(t)
	page := env.get(t, c, "/adfs/ls/idpinitiatedsignon")
	for _, tc := range []struct {
		name   string
		do     func() *response
		status int
	}{
		{"unknown party", func() *response {
			return env.get(t, c, "/adfs/ls/idpinitiatedsignon?loginToRp="+url.QueryEscape("https://evil.example/"))
		}, http.StatusBadRequest},
		{"WS-Fed party is not SAML", func() *response {
			return env.get(t, c, "/adfs/ls/idpinitiatedsignon?loginToRp="+url.QueryEscape("urn:federation:MicrosoftOnline"))
		}, http.StatusBadRequest},
		{"empty loginToRp", func() *response { return env.get(t, c, "/adfs/ls/idpinitiatedsignon?loginToRp=") }, http.StatusBadRequest},
		{"form without CSRF", func() *response {
			return env.post(t, c, "/adfs/ls/idpinitiatedsignon", url.Values{"rp": {sp1Entity}})
		}, http.StatusForbidden},
		{"form with wrong CSRF", func() *response {
			return env.submit(t, c, page, "idpInitiatedForm", map[string]string{"csrf": strings.Repeat("A", 43)})
		}, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.do()
			if r.status != tc.status || r.page == nil || r.page.Has("autopost") || r.page.Has("loginForm") {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
		})
	}
}
