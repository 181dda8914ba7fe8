package web_test

import (
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
)

const (
	spAEntity     = "https://spa.example.test/metadata"
	spAACS        = "https://spa.example.test/acs"
	spASLO        = "https://spa.example.test/slo"
	spASLOPost    = "https://spa.example.test/slo/post"
	spBEntity     = "https://spb.example.test/metadata"
	spBACS        = "https://spb.example.test/acs"
	spBSLO        = "https://spb.example.test/logout"
	spBSLOResp    = "https://spb.example.test/logout/done"
	spCEntity     = "https://spc.example.test/metadata"
	spCACS        = "https://spc.example.test/acs"
	intranetRealm = "https://intranet.example.test/"
	intranetReply = "https://intranet.example.test/wsfed/"
	alicePassword = "Alice-Passw0rd!"
)

// sloEnv has SAML SPs A (signs with tokentest Next; SLO Redirect and
// POST), B (signs with tokentest Other; SLO Redirect with a separate
// ResponseLocation; emailAddress NameID) and C (no keys, no SLO), and the
// WS-Fed parties Office 365 and Intranet. No party asks for MFA.
func newSLOEnv(t *testing.T) *samlEnv {
	t.Helper()
	spA := &samlp.ServiceProvider{EntityID: spAEntity,
		ACS:          []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: spAACS}},
		SLO:          []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: spASLOPost}, {Binding: samlp.BindingHTTPRedirect, Location: spASLO}},
		SigningCerts: []*x509.Certificate{tokentest.KeyPair(t, tokentest.Next).Cert}}
	spB := &samlp.ServiceProvider{EntityID: spBEntity, NameIDFormat: samlp.NameIDFormatEmailAddress,
		ACS:          []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: spBACS}},
		SLO:          []samlp.Endpoint{{Binding: samlp.BindingHTTPRedirect, Location: spBSLO, ResponseLocation: spBSLOResp}},
		SigningCerts: []*x509.Certificate{tokentest.KeyPair(t, tokentest.Other).Cert}}
	spC := &samlp.ServiceProvider{EntityID: spCEntity, ACS: []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: spCACS}}}
	return newSAMLEnvWith(t, currentKeys(t), []rp.Party{rp.Office365(rp.MFANever, replyURL),
		{Name: "Intranet", Identifiers: []string{intranetRealm}, ReplyURLs: []string{intranetReply}, MFA: rp.MFANever},
		rp.SAMLParty("SP A", spA, rp.MFANever), rp.SAMLParty("SP B", spB, rp.MFANever), rp.SAMLParty("SP C", spC, rp.MFANever)})
}

// issued is what an SP learnt from its assertion.
type issued struct{ nameID, format, sessionIndex string }

// samlSignIn sends an AuthnRequest from sp by Redirect in browser c,
// signing in with the password when asked, and returns the subject the
// verified Response states.
func (e *samlEnv) samlSignIn(t *testing.T, c *http.Client, sp, acs, id string) issued {
	t.Helper()
	r := e.redirect(t, c, e.authnRequest(sp, id, ""), "")
	if r.page != nil && r.page.Has("loginForm") {
		r = e.login(t, c, r, "alice@contoso.com", alicePassword)
	}
	resp := e.samlResponse(t, r, acs, "")
	nid := resp.FindElement("./Assertion/Subject/NameID")
	an := resp.FindElement("./Assertion/AuthnStatement")
	if nid == nil || an == nil || an.SelectAttrValue("SessionIndex", "") == "" {
		t.Fatalf("assertion for %s lacks NameID or SessionIndex", sp)
	}
	return issued{nameID: nid.Text(), format: nid.SelectAttrValue("Format", ""), sessionIndex: an.SelectAttrValue("SessionIndex", "")}
}

// wsfedSSO signs in to the WS-Fed party realm by single sign-on.
func (e *samlEnv) wsfedSSO(t *testing.T, c *http.Client, realm string) {
	t.Helper()
	r := e.get(t, c, "/adfs/ls/?wa=wsignin1.0&wtrealm="+url.QueryEscape(realm))
	if r.page == nil || !r.page.Has("autopost") {
		t.Fatalf("WS-Fed SSO to %s: %d %s", realm, r.status, r.body)
	}
}

// logoutRequest is an SP's LogoutRequest for the subject it was issued.
func (e *samlEnv) logoutRequest(issuer, id string, s issued) string {
	si := ""
	if s.sessionIndex != "" {
		si = `<samlp:SessionIndex>` + s.sessionIndex + `</samlp:SessionIndex>`
	}
	return `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="` + id +
		`" Version="2.0" IssueInstant="` + e.clock.Now().UTC().Format(time.RFC3339) + `" Destination="` + ssoURL + `"><saml:Issuer>` + issuer +
		`</saml:Issuer><saml:NameID Format="` + s.format + `">` + s.nameID + `</saml:NameID>` + si + `</samlp:LogoutRequest>`
}

// logoutResponse is an SP's Success LogoutResponse to our request id.
func (e *samlEnv) logoutResponse(issuer, inResponseTo string) string {
	return `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_resp-` + inResponseTo +
		`" Version="2.0" IssueInstant="` + e.clock.Now().UTC().Format(time.RFC3339) + `" Destination="` + ssoURL + `" InResponseTo="` + inResponseTo +
		`"><saml:Issuer>` + issuer + `</saml:Issuer><samlp:Status><samlp:StatusCode Value="` + samlp.StatusSuccess + `"/></samlp:Status></samlp:LogoutResponse>`
}

// postWith POSTs form with extra request headers.
func (e *samlEnv) postWith(t *testing.T, c *http.Client, form url.Values, header map[string]string) *response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+"/adfs/ls/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return do(t, c, req)
}

// spSide reads messages the way the SP at dest would: issued by our IdP,
// signed with the IdP certificate, delivered to dest.
func (e *samlEnv) spSide(t *testing.T, dest string) (*samlp.IdP, samlp.Lookup) {
	t.Helper()
	reader, err := samlp.New(samlp.Config{EntityID: "urn:test:sp-side", SSOURL: dest,
		Keys: token.KeySet{Current: tokentest.KeyPair(t, tokentest.Other)}, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	idpAsSP := &samlp.ServiceProvider{EntityID: idpEntityID, SigningCerts: []*x509.Certificate{e.idpCert},
		ACS: []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: "https://unused.example.test/acs"}}}
	return reader, func(id string) (*samlp.ServiceProvider, error) {
		if id == idpEntityID {
			return idpAsSP, nil
		}
		return nil, nil
	}
}

// redirectedMessage checks r redirects to dest with a SAML message signed
// by the IdP and returns it as the SP reads it.
func (e *samlEnv) redirectedMessage(t *testing.T, r *response, dest string) *samlp.Message {
	t.Helper()
	if r.status != http.StatusFound && r.status != http.StatusSeeOther {
		t.Fatalf("want a redirect to %s, got %d: %s", dest, r.status, r.body)
	}
	return e.messageAt(t, r.header.Get("Location"), dest)
}

// messageAt verifies and parses the Redirect-binding URL u sent to dest.
func (e *samlEnv) messageAt(t *testing.T, u, dest string) *samlp.Message {
	t.Helper()
	base, q, _ := strings.Cut(u, "?")
	if base != dest {
		t.Fatalf("message goes to %q, want %q", base, dest)
	}
	reader, lookup := e.spSide(t, dest)
	m, err := reader.ParseRedirectMessage(q, lookup)
	if err != nil {
		t.Fatalf("SP at %s refuses the message: %v", dest, err)
	}
	return m
}

// postedMessage checks r is the auto-POST of a SAML message to dest
// (form-action allowed) and returns it as the SP reads it.
func (e *samlEnv) postedMessage(t *testing.T, r *response, dest string) *samlp.Message {
	t.Helper()
	if r.status != http.StatusOK || r.page == nil || !r.page.Has("autopost") {
		t.Fatalf("want auto-POST to %s, got %d: %s", dest, r.status, r.body)
	}
	f, err := r.page.Form("autopost")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dest)
	if f.Action != dest || !strings.Contains(r.header.Get("Content-Security-Policy"), "form-action 'self' "+u.Scheme+"://"+u.Host) {
		t.Fatalf("form posts to %q with CSP %q, want %q", f.Action, r.header.Get("Content-Security-Policy"), dest)
	}
	reader, lookup := e.spSide(t, dest)
	m, err := reader.ParsePOSTMessage(f.Fields, lookup)
	if err != nil {
		t.Fatalf("SP at %s refuses the message: %v", dest, err)
	}
	return m
}

// requireSignedOut checks the browser has no usable session any more.
func (e *samlEnv) requireSignedOut(t *testing.T, c *http.Client) {
	t.Helper()
	if r := e.get(t, c, signInQuery); r.page == nil || !r.page.Has("loginForm") {
		t.Fatalf("still signed in: %d %s", r.status, r.body)
	}
}

func (e *samlEnv) auditResults(t *testing.T, result string) []store.AuditEvent {
	t.Helper()
	events, err := e.store.ListAudit(t.Context(), time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.AuditEvent
	for _, ev := range events {
		if ev.Result == result {
			out = append(out, ev)
		}
	}
	return out
}

func TestLogout_SPInitiatedRedirectNotifiesEveryParty(t *testing.T) {
	env := newSLOEnv(t)
	c := env.browser(t)
	a := env.samlSignIn(t, c, spAEntity, spAACS, "_a1")
	b := env.samlSignIn(t, c, spBEntity, spBACS, "_b1")
	env.wsfedSSO(t, c, intranetRealm)
	env.samlSignIn(t, c, spCEntity, spCACS, "_c1")
	if b.format != samlp.NameIDFormatEmailAddress || b.nameID != "alice@contoso.com" || a.sessionIndex == b.sessionIndex {
		t.Fatalf("issued A %+v, B %+v: want an email NameID for B and per-SP session indexes", a, b)
	}
	// A second response to A in the same session keeps A's SessionIndex.
	if again := env.samlSignIn(t, c, spAEntity, spAACS, "_a2"); again != a {
		t.Fatalf("re-issued to A: %+v, first %+v", again, a)
	}

	// SP A starts single logout.
	r := env.signedRedirect(t, c, "SAMLRequest", env.logoutRequest(spAEntity, "_loA", a), "relay-A", tokentest.Next)
	toB := env.redirectedMessage(t, r, spBSLO).LogoutRequest
	if toB == nil || !toB.Signed || toB.NameID != b.nameID || toB.NameIDFormat != b.format ||
		len(toB.SessionIndexes) != 1 || toB.SessionIndexes[0] != b.sessionIndex || toB.Reason != samlp.LogoutReasonUser {
		t.Fatalf("LogoutRequest to B: %+v", toB)
	}
	// Mid-chain the session no longer signs anyone in.
	if r := env.get(t, c, "/adfs/ls/?wa=wsignin1.0&wtrealm="+url.QueryEscape(intranetRealm)); r.page == nil || !r.page.Has("loginForm") {
		t.Fatalf("session still usable during sign-out: %d", r.status)
	}

	// B answers; A's response waits on the page while Intranet cleans up.
	r = env.signedRedirect(t, c, "SAMLResponse", env.logoutResponse(spBEntity, toB.ID), "", tokentest.Other)
	if r.status != http.StatusOK || r.page == nil || !r.page.Has("page-signed-out") {
		t.Fatalf("want the signed-out page, got %d: %s", r.status, r.body)
	}
	if src := r.page.Attr("cleanup-0", "src"); src != intranetReply+"?wa=wsignoutcleanup1.0" || r.page.Has("cleanup-1") {
		t.Errorf("cleanup frames: %q (second present: %v)", src, r.page.Has("cleanup-1"))
	}
	csp := r.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-src https://intranet.example.test") || strings.Contains(csp, "login.microsoftonline") || strings.Contains(csp, "spa.example.test") {
		t.Errorf("CSP %q: want frame-src exactly the cleanup origin", csp)
	}
	if r.page.Attr("return", "data-auto") == "" || !strings.Contains(r.body, `src="/adfs/portal/js/signout.js"`) {
		t.Error("the page does not continue to SP A by itself")
	}
	toA := env.messageAt(t, r.page.Attr("return", "href"), spASLO).LogoutResponse
	if toA == nil || !toA.Success() || toA.SubStatus != samlp.StatusPartialLogout || toA.InResponseTo != "_loA" || toA.RelayState != "relay-A" {
		t.Fatalf("LogoutResponse to A: %+v (want Success/PartialLogout: SP C has no SingleLogoutService)", toA)
	}
	env.requireSignedOut(t, c)

	if ev := env.auditResults(t, "signed_out"); len(ev) != 1 || ev[0].RelyingParty != spAEntity || ev[0].User != "alice@contoso.com" {
		t.Errorf("signed_out audit events: %+v", ev)
	}
	logs := env.logs.String()
	for _, want := range []string{`"msg":"logout request sent","activity_id"`, `"rp":"SP B"`, `"wsfed_cleanup":["Intranet"]`, `"partial":true`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s", want)
		}
	}
}

func TestLogout_SPInitiatedPOSTAnswersByPOST(t *testing.T) {
	env := newSLOEnv(t)
	c := env.browser(t)
	a := env.samlSignIn(t, c, spAEntity, spAACS, "_a1")
	env.samlSignIn(t, c, spBEntity, spBACS, "_b1")

	r := env.post(t, c, "/adfs/ls/", signedPOSTForm(t, "SAMLRequest", env.logoutRequest(spAEntity, "_loA", a), "relay-A", tokentest.Next))
	if r.status != http.StatusSeeOther {
		t.Fatalf("want 303 after the POST, got %d", r.status)
	}
	toB := env.redirectedMessage(t, r, spBSLO).LogoutRequest

	// B POSTs its answer cross-site: it arrives without cookies, is sent
	// back once from our page, and then continues the chain.
	answer := signedPOSTForm(t, "SAMLResponse", env.logoutResponse(spBEntity, toB.ID), "rb", tokentest.Other)
	r = env.postWith(t, noCookies(env), answer, map[string]string{"Sec-Fetch-Site": "cross-site"})
	f, err := r.page.Form("autopost")
	if err != nil || f.Action != "/adfs/ls/" || f.Fields.Get("fedgate_repost") != "1" || f.Fields.Get("SAMLResponse") != answer.Get("SAMLResponse") || f.Fields.Get("RelayState") != "rb" {
		t.Fatalf("cross-site LogoutResponse: want the re-post form, got %d %v: %s", r.status, err, r.body)
	}
	r = env.postWith(t, c, f.Fields, map[string]string{"Sec-Fetch-Site": "same-origin"})
	toA := env.postedMessage(t, r, spASLOPost).LogoutResponse
	if toA == nil || !toA.Success() || toA.SubStatus != "" || toA.InResponseTo != "_loA" || toA.RelayState != "relay-A" {
		t.Fatalf("LogoutResponse to A: %+v", toA)
	}
	env.requireSignedOut(t, c)
}

// noCookies is a client of env without a cookie jar: what a cross-site
// POST to a SameSite=Lax site looks like.
func noCookies(env *samlEnv) *http.Client {
	c := new(http.Client)
	*c = *env.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

func TestLogout_RequestNamingAnotherSessionLeavesThisOne(t *testing.T) {
	env := newSLOEnv(t)
	c := env.browser(t)
	a := env.samlSignIn(t, c, spAEntity, spAACS, "_a1")
	env.samlSignIn(t, c, spBEntity, spBACS, "_b1")
	tests := []struct {
		name string
		s    issued
	}{
		{"other NameID", issued{nameID: "someone-else", format: a.format, sessionIndex: a.sessionIndex}},
		{"other SessionIndex", issued{nameID: a.nameID, format: a.format, sessionIndex: "_not-ours"}},
		{"other format", issued{nameID: a.nameID, format: samlp.NameIDFormatEmailAddress}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "_other" + string(rune('a'+i))
			r := env.signedRedirect(t, c, "SAMLRequest", env.logoutRequest(spAEntity, id, tt.s), "", tokentest.Next)
			toA := env.redirectedMessage(t, r, spASLO).LogoutResponse
			if toA == nil || !toA.Success() || toA.InResponseTo != id {
				t.Fatalf("answer to A: %+v", toA)
			}
			// No chain, and the session still signs in without a password.
			env.samlResponse(t, env.redirect(t, c, env.authnRequest(spBEntity, "_b-"+id, ""), ""), spBACS, "")
		})
	}
}

func TestLogout_BadMessagesGetErrorPage(t *testing.T) {
	env := newSLOEnv(t)
	c := env.browser(t)
	a := env.samlSignIn(t, c, spAEntity, spAACS, "_a1")
	env.samlSignIn(t, c, spBEntity, spBACS, "_b1")
	env.samlSignIn(t, c, spCEntity, spCACS, "_c1")
	tests := []struct {
		name string
		send func(t *testing.T) *response
		want string
	}{
		{"signed with the wrong key", func(t *testing.T) *response {
			return env.signedRedirect(t, c, "SAMLRequest", env.logoutRequest(spAEntity, "_w1", a), "", tokentest.Other)
		}, "signature could not be verified"},
		{"unsigned from an SP with a key", func(t *testing.T) *response {
			return env.signedRedirect(t, c, "SAMLRequest", env.logoutRequest(spAEntity, "_w2", a), "", "")
		}, "signature could not be verified"},
		{"unknown issuer", func(t *testing.T) *response {
			return env.signedRedirect(t, c, "SAMLRequest", env.logoutRequest("https://evil.example/metadata", "_w3", a), "", tokentest.Next)
		}, "no relying-party trust"},
		{"SP without a SingleLogoutService", func(t *testing.T) *response {
			return env.signedRedirect(t, c, "SAMLRequest", env.logoutRequest(spCEntity, "_w4", a), "", "")
		}, "not registered a sign-out address"},
		{"LogoutResponse with no sign-out in progress", func(t *testing.T) *response {
			return env.signedRedirect(t, c, "SAMLResponse", env.logoutResponse(spBEntity, "_never-sent"), "", tokentest.Other)
		}, "no sign-out in progress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.send(t)
			if r.status != http.StatusBadRequest || r.page == nil || !strings.Contains(r.body, tt.want) || r.header.Get("Location") != "" || r.page.Has("autopost") {
				t.Fatalf("want an error page saying %q, got %d: %s", tt.want, r.status, r.body)
			}
		})
	}
	// None of that ended the session.
	env.samlResponse(t, env.redirect(t, c, env.authnRequest(spAEntity, "_a2", ""), ""), spAACS, "")

	// A replayed LogoutRequest, and a LogoutResponse that answers another
	// request, are refused in the middle of a real chain.
	good := env.logoutRequest(spAEntity, "_loA", a)
	r := env.signedRedirect(t, c, "SAMLRequest", good, "", tokentest.Next)
	toB := env.redirectedMessage(t, r, spBSLO).LogoutRequest
	if r := env.signedRedirect(t, c, "SAMLRequest", good, "", tokentest.Next); r.status != http.StatusBadRequest || !strings.Contains(r.body, "already been used") {
		t.Fatalf("replayed LogoutRequest: %d %s", r.status, r.body)
	}
	if r := env.signedRedirect(t, c, "SAMLResponse", env.logoutResponse(spBEntity, "_forged"), "", tokentest.Other); r.status != http.StatusBadRequest || !strings.Contains(r.body, "does not belong") {
		t.Fatalf("LogoutResponse to another request: %d %s", r.status, r.body)
	}
	if r := env.signedRedirect(t, c, "SAMLResponse", env.logoutResponse(spBEntity, toB.ID), "", tokentest.Next); r.status != http.StatusBadRequest {
		t.Fatalf("LogoutResponse signed by another SP's key: %d %s", r.status, r.body)
	}
	// The genuine answer still completes the chain.
	r = env.signedRedirect(t, c, "SAMLResponse", env.logoutResponse(spBEntity, toB.ID), "", tokentest.Other)
	if toA := env.redirectedMessage(t, r, spASLO).LogoutResponse; toA == nil || toA.InResponseTo != "_loA" || toA.SubStatus != samlp.StatusPartialLogout {
		t.Fatalf("LogoutResponse to A: %+v", toA)
	}
}

func TestSignOut_WSFedInitiatorNotifiesSAMLAndWSFedParties(t *testing.T) {
	tests := []struct {
		name     string
		intranet bool
	}{
		{name: "SAML party only: back to wreply", intranet: false},
		{name: "with a WS-Fed party to clean up", intranet: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newSLOEnv(t)
			c := env.browser(t)
			if r := env.login(t, c, env.get(t, c, signInQuery), "alice@contoso.com", alicePassword); r.page == nil || !r.page.Has("autopost") {
				t.Fatalf("Office 365 sign-in: %d %s", r.status, r.body)
			}
			b := env.samlSignIn(t, c, spBEntity, spBACS, "_b1")
			if tt.intranet {
				env.wsfedSSO(t, c, intranetRealm)
			}
			r := env.get(t, c, "/adfs/ls/?wa=wsignout1.0&wreply="+url.QueryEscape(replyURL))
			toB := env.redirectedMessage(t, r, spBSLO).LogoutRequest
			if toB == nil || toB.NameID != b.nameID || toB.SessionIndexes[0] != b.sessionIndex {
				t.Fatalf("LogoutRequest to B: %+v", toB)
			}
			r = env.signedRedirect(t, c, "SAMLResponse", env.logoutResponse(spBEntity, toB.ID), "", tokentest.Other)
			if !tt.intranet {
				if r.status != http.StatusFound || r.header.Get("Location") != replyURL {
					t.Fatalf("want a redirect to wreply, got %d %q", r.status, r.header.Get("Location"))
				}
			} else {
				// Office 365 started it (wreply is its reply URL): only Intranet gets a cleanup frame.
				if r.page == nil || r.page.Attr("cleanup-0", "src") != intranetReply+"?wa=wsignoutcleanup1.0" || r.page.Has("cleanup-1") {
					t.Fatalf("want one cleanup frame for Intranet, got %d: %s", r.status, r.body)
				}
				if r.page.Attr("return", "href") != replyURL || r.page.Attr("return", "data-auto") == "" {
					t.Errorf("return link %q", r.page.Attr("return", "href"))
				}
			}
			env.requireSignedOut(t, c)
			if ev := env.auditResults(t, "signed_out"); len(ev) != 1 || ev[0].RelyingParty != rp.Office365Realm || ev[0].Reason != "wsignout1.0" {
				t.Errorf("signed_out audit events: %+v", ev)
			}
		})
	}
}

func TestSignOut_PortalSignOutCleansUpEveryWSFedParty(t *testing.T) {
	env := newSLOEnv(t)
	c := env.browser(t)
	if r := env.login(t, c, env.get(t, c, signInQuery), "alice@contoso.com", alicePassword); r.page == nil || !r.page.Has("autopost") {
		t.Fatalf("Office 365 sign-in: %d %s", r.status, r.body)
	}
	env.wsfedSSO(t, c, intranetRealm)
	r := env.get(t, c, "/adfs/ls/?wa=wsignout1.0")
	if r.page == nil || r.page.Attr("cleanup-0", "src") != replyURL+"?wa=wsignoutcleanup1.0" ||
		r.page.Attr("cleanup-1", "src") != intranetReply+"?wa=wsignoutcleanup1.0" || r.page.Has("return") {
		t.Fatalf("want cleanup frames for both parties and no return link, got %d: %s", r.status, r.body)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src https://rp.example.test https://intranet.example.test") {
		t.Errorf("CSP %q", csp)
	}
	env.requireSignedOut(t, c)
}

func TestSAML_IsPassiveWithoutUsableSessionGetsNoPassive(t *testing.T) {
	env := newSLOEnv(t)
	verify := func(t *testing.T, r *response, inResponseTo, relay string) {
		t.Helper()
		if r.status != http.StatusOK || r.page == nil || !r.page.Has("autopost") {
			t.Fatalf("want auto-POST to the ACS, got %d: %s", r.status, r.body)
		}
		f, _ := r.page.Form("autopost")
		if f.Action != spAACS || f.Fields.Get("RelayState") != relay || !strings.Contains(r.header.Get("Content-Security-Policy"), "form-action 'self' https://spa.example.test") {
			t.Fatalf("form %+v", f)
		}
		raw, err := base64.StdEncoding.DecodeString(f.Fields.Get("SAMLResponse"))
		if err != nil {
			t.Fatal(err)
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(raw); err != nil {
			t.Fatal(err)
		}
		vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{env.idpCert}})
		vc.Clock = dsig.NewFakeClockAt(env.clock.Now())
		root, err := vc.Validate(doc.Root())
		if err != nil {
			t.Fatalf("NoPassive response signature: %v", err)
		}
		code := root.FindElement("./Status/StatusCode")
		if root.SelectAttrValue("InResponseTo", "") != inResponseTo || code == nil || code.SelectAttrValue("Value", "") != samlp.StatusResponder ||
			code.FindElement("./StatusCode[@Value='"+samlp.StatusNoPassive+"']") == nil || root.FindElement("//Assertion") != nil {
			t.Fatalf("not a NoPassive response: %s", raw)
		}
	}
	c := env.browser(t)
	verify(t, env.redirect(t, c, env.authnRequest(spAEntity, "_p1", ` IsPassive="true"`), "rs-p"), "_p1", "rs-p")
	env.samlSignIn(t, c, spBEntity, spBACS, "_b1")
	// With a session, IsPassive signs in silently, but not with ForceAuthn.
	env.samlResponse(t, env.redirect(t, c, env.authnRequest(spAEntity, "_p2", ` IsPassive="true"`), ""), spAACS, "")
	verify(t, env.redirect(t, c, env.authnRequest(spAEntity, "_p3", ` IsPassive="true" ForceAuthn="true"`), ""), "_p3", "")
}

func TestSAML_CrossSitePOSTIsRepostedOnceWithTheCookie(t *testing.T) {
	env := newSLOEnv(t)
	c := env.browser(t)
	env.samlSignIn(t, c, spAEntity, spAACS, "_a1")
	binds := env.dir.Binds()

	form := url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString([]byte(env.authnRequest(spBEntity, "_x1", "")))}, "RelayState": {"rs-x"}}
	r := env.postWith(t, noCookies(env), form, map[string]string{"Sec-Fetch-Site": "cross-site"})
	f, err := r.page.Form("autopost")
	if err != nil || f.Action != "/adfs/ls/" || f.Fields.Get("fedgate_repost") != "1" || f.Fields.Get("SAMLRequest") != form.Get("SAMLRequest") || f.Fields.Get("RelayState") != "rs-x" {
		t.Fatalf("want the re-post form, got %d %v: %s", r.status, err, r.body)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self';") {
		t.Errorf("re-post page CSP %q widens form-action", csp)
	}
	// The browser's own re-post carries the session: single sign-on.
	env.samlResponse(t, env.postWith(t, c, f.Fields, map[string]string{"Sec-Fetch-Site": "same-origin"}), spBACS, "rs-x")
	if env.dir.Binds() != binds {
		t.Error("the re-posted request asked the directory again")
	}
	// The marker stops a second re-post: without cookies it is a sign-in.
	marked := url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString([]byte(env.authnRequest(spBEntity, "_x2", "")))}, "fedgate_repost": {"1"}}
	if r := env.postWith(t, noCookies(env), marked, map[string]string{"Sec-Fetch-Site": "cross-site"}); r.page == nil || !r.page.Has("loginForm") {
		t.Fatalf("re-posted form without cookies: want the sign-in page, got %d: %s", r.status, r.body)
	}
}
