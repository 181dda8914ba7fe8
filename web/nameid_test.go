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
	"github.com/fedgate/fedgate/idp/token/tokentest"
	"github.com/fedgate/fedgate/web"
)

// NameID policy: transient NameIDs and InvalidNameIDPolicy answers.
const (
	nidOpenEntity   = "https://open.example.test/metadata" // persistent by default, may ask for transient
	nidOpenACS      = "https://open.example.test/acs"
	nidOpenSLO      = "https://open.example.test/slo"
	nidOtherEntity  = "https://other.example.test/metadata" // persistent by default, may ask for transient
	nidOtherACS     = "https://other.example.test/acs"
	nidOtherSLO     = "https://other.example.test/slo"
	nidStrictEntity = "https://strict.example.test/metadata" // nameid_format: persistent (pinned)
	nidStrictACS    = "https://strict.example.test/acs"
	nidPinnedEntity = "https://pinned.example.test/metadata" // nameid_format: transient (pinned)
	nidPinnedACS    = "https://pinned.example.test/acs"
	nidMailEntity   = "https://mail.example.test/metadata" // nameid_source: mail, may ask for transient
	nidMailACS      = "https://mail.example.test/acs"

	nidUPN = "alice@contoso.com"
)

// newNameIDEnv has SAML SPs without MFA: "open" (signs requests with the
// tokentest Next key, SLO Redirect), "other" (tokentest Other, SLO
// Redirect), "strict" (persistent only), "pinned" (transient only) and
// "mail" (NameID source mail).
func newNameIDEnv(t *testing.T) *samlEnv {
	t.Helper()
	post := func(loc string) []samlp.Endpoint {
		return []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: loc}}
	}
	open := &samlp.ServiceProvider{EntityID: nidOpenEntity, ACS: post(nidOpenACS),
		SLO:          []samlp.Endpoint{{Binding: samlp.BindingHTTPRedirect, Location: nidOpenSLO}},
		SigningCerts: []*x509.Certificate{tokentest.KeyPair(t, tokentest.Next).Cert}}
	other := &samlp.ServiceProvider{EntityID: nidOtherEntity, ACS: post(nidOtherACS),
		SLO:          []samlp.Endpoint{{Binding: samlp.BindingHTTPRedirect, Location: nidOtherSLO}},
		SigningCerts: []*x509.Certificate{tokentest.KeyPair(t, tokentest.Other).Cert}}
	strict := &samlp.ServiceProvider{EntityID: nidStrictEntity, ACS: post(nidStrictACS),
		NameIDFormat: samlp.NameIDFormatPersistent, StrictNameIDFormat: true}
	pinned := &samlp.ServiceProvider{EntityID: nidPinnedEntity, ACS: post(nidPinnedACS),
		NameIDFormat: samlp.NameIDFormatTransient, StrictNameIDFormat: true}
	mail := rp.SAMLParty("Mail", &samlp.ServiceProvider{EntityID: nidMailEntity, ACS: post(nidMailACS)}, rp.MFANever)
	mail.NameIDSource = rp.NameIDMail
	return newSAMLEnvWith(t, currentKeys(t), []rp.Party{rp.Office365(rp.MFANever, replyURL),
		rp.SAMLParty("Open", open, rp.MFANever), rp.SAMLParty("Other", other, rp.MFANever),
		rp.SAMLParty("Strict", strict, rp.MFANever), rp.SAMLParty("Pinned", pinned, rp.MFANever), mail},
		func(cfg *web.Config) { cfg.IdPInitiated = true })
}

// nidRequest is an AuthnRequest from issuer with a NameIDPolicy asking
// for format ("" for no NameIDPolicy) and extra root attributes.
func (e *samlEnv) nidRequest(issuer, id, format, attrs string) string {
	policy := ""
	if format != "" {
		policy = `<samlp:NameIDPolicy Format="` + format + `" AllowCreate="true"/>`
	}
	return `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="` + id +
		`" Version="2.0" IssueInstant="` + e.clock.Now().UTC().Format(time.RFC3339) + `" Destination="` + ssoURL + `"` + attrs +
		`><saml:Issuer>` + issuer + `</saml:Issuer>` + policy + `</samlp:AuthnRequest>`
}

// nidSignIn sends doc by Redirect in browser c, signs alice in when the
// password page comes, and returns the subject of the verified Response
// posted to acs.
func (e *samlEnv) nidSignIn(t *testing.T, c *http.Client, doc, acs string) issued {
	t.Helper()
	r := e.redirect(t, c, doc, "")
	if r.page != nil && r.page.Has("loginForm") {
		r = e.login(t, c, r, nidUPN, alicePassword)
	}
	resp := e.samlResponse(t, r, acs, "")
	nid := resp.FindElement("./Assertion/Subject/NameID")
	an := resp.FindElement("./Assertion/AuthnStatement")
	if nid == nil || an == nil {
		t.Fatalf("assertion to %s lacks NameID or AuthnStatement", acs)
	}
	return issued{nameID: nid.Text(), format: nid.SelectAttrValue("Format", ""), sessionIndex: an.SelectAttrValue("SessionIndex", "")}
}

// requireTransient checks s is a transient NameID: the transient format
// and 128 random bits, base64url, that are neither of the user's
// directory identifiers.
func requireTransient(t *testing.T, s issued, immutableID string) {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(s.nameID)
	if s.format != samlp.NameIDFormatTransient || err != nil || len(raw) != samlp.TransientNameIDBytes {
		t.Fatalf("NameID %q (%s); want %d random bytes, base64url, format transient", s.nameID, s.format, samlp.TransientNameIDBytes)
	}
	if s.nameID == immutableID || strings.EqualFold(s.nameID, nidUPN) || strings.Contains(s.nameID, "@") {
		t.Fatalf("transient NameID %q is a directory identifier", s.nameID)
	}
}

// aliceImmutableID signs alice in to the strict SP in a browser of its
// own and returns her persistent NameID, the ImmutableID.
func (e *samlEnv) aliceImmutableID(t *testing.T) string {
	t.Helper()
	p := e.nidSignIn(t, e.browser(t), e.nidRequest(nidStrictEntity, "_imm", "", ""), nidStrictACS)
	if p.format != samlp.NameIDFormatPersistent || p.nameID == "" {
		t.Fatalf("strict SP got %+v, want the persistent ImmutableID", p)
	}
	return p.nameID
}

func TestNameID_TransientIssuedWhenAskedOrPinned(t *testing.T) {
	env := newNameIDEnv(t)
	immutable := env.aliceImmutableID(t)
	tests := []struct {
		name, sp, acs, format string
	}{
		{"asked by an SP configured persistent", nidOpenEntity, nidOpenACS, samlp.NameIDFormatTransient},
		{"pinned, no NameIDPolicy", nidPinnedEntity, nidPinnedACS, ""},
		{"pinned, unspecified", nidPinnedEntity, nidPinnedACS, samlp.NameIDFormatUnspecified},
		{"asked by an SP whose NameID source is mail", nidMailEntity, nidMailACS, samlp.NameIDFormatTransient},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := env.nidSignIn(t, env.browser(t), env.nidRequest(tt.sp, "_t"+string(rune('a'+i)), tt.format, ""), tt.acs)
			requireTransient(t, got, immutable)
		})
	}
	// Without a NameIDPolicy the open SP still gets its configured format.
	if got := env.nidSignIn(t, env.browser(t), env.nidRequest(nidOpenEntity, "_plain", "", ""), nidOpenACS); got.nameID != immutable ||
		got.format != samlp.NameIDFormatPersistent {
		t.Errorf("open SP without NameIDPolicy got %+v, want the persistent ImmutableID", got)
	}
}

func TestNameID_TransientIsPerSessionAndSP(t *testing.T) {
	env := newNameIDEnv(t)
	immutable := env.aliceImmutableID(t)
	c := env.browser(t)
	first := env.nidSignIn(t, c, env.nidRequest(nidOpenEntity, "_s1", samlp.NameIDFormatTransient, ""), nidOpenACS)
	requireTransient(t, first, immutable)
	binds := env.dir.Binds()
	env.clock.Add(5 * time.Minute)

	// Same session, same SP: single sign-on repeats the identifier (and
	// the SessionIndex), so the SP and single logout keep naming it.
	if again := env.nidSignIn(t, c, env.nidRequest(nidOpenEntity, "_s2", samlp.NameIDFormatTransient, ""), nidOpenACS); again != first {
		t.Errorf("second response in the session: %+v, first %+v", again, first)
	}
	if env.dir.Binds() != binds {
		t.Fatal("the second request was not single sign-on")
	}
	// Same session, same SP, after a fresh password (ForceAuthn): still
	// the same user's session, still the same identifier.
	r := env.redirect(t, c, env.nidRequest(nidOpenEntity, "_s3", samlp.NameIDFormatTransient, ` ForceAuthn="true"`), "")
	if r.page == nil || !r.page.Has("loginForm") {
		t.Fatalf("ForceAuthn did not ask for the password: %d %s", r.status, r.body)
	}
	forced := env.samlResponse(t, env.login(t, c, r, nidUPN, alicePassword), nidOpenACS, "")
	if nid := forced.FindElement("./Assertion/Subject/NameID"); nid == nil || nid.Text() != first.nameID {
		t.Errorf("after ForceAuthn NameID = %v, want %q", nid, first.nameID)
	}

	// Same session, another SP: its own identifier.
	other := env.nidSignIn(t, c, env.nidRequest(nidOtherEntity, "_o1", samlp.NameIDFormatTransient, ""), nidOtherACS)
	requireTransient(t, other, immutable)
	if other.nameID == first.nameID {
		t.Error("two SPs got the same transient NameID")
	}
	// Another session (another browser), same SP: a new identifier.
	second := env.nidSignIn(t, env.browser(t), env.nidRequest(nidOpenEntity, "_n1", samlp.NameIDFormatTransient, ""), nidOpenACS)
	requireTransient(t, second, immutable)
	if second.nameID == first.nameID {
		t.Error("two sessions got the same transient NameID")
	}
	// The session's record now says transient for "open": a request for
	// the configured persistent format gets the ImmutableID again, and
	// a later transient one a new identifier.
	if p := env.nidSignIn(t, c, env.nidRequest(nidOpenEntity, "_s4", samlp.NameIDFormatPersistent, ""), nidOpenACS); p.nameID != immutable {
		t.Errorf("persistent request in the session got %+v", p)
	}
	if again := env.nidSignIn(t, c, env.nidRequest(nidOpenEntity, "_s5", samlp.NameIDFormatTransient, ""), nidOpenACS); again.nameID == first.nameID {
		t.Error("a transient NameID came back after the SP was issued another format")
	}
}

func TestNameID_SingleLogoutMatchesTheTransientNameID(t *testing.T) {
	env := newNameIDEnv(t)
	c := env.browser(t)
	open := env.nidSignIn(t, c, env.nidRequest(nidOpenEntity, "_a1", samlp.NameIDFormatTransient, ""), nidOpenACS)
	other := env.nidSignIn(t, c, env.nidRequest(nidOtherEntity, "_b1", samlp.NameIDFormatTransient, ""), nidOtherACS)

	// A LogoutRequest naming another transient value is not this session's.
	wrong := open
	wrong.nameID = "AAAAAAAAAAAAAAAAAAAAAA"
	r := env.signedRedirect(t, c, "SAMLRequest", env.logoutRequest(nidOpenEntity, "_lo-wrong", wrong), "", tokentest.Next)
	if m := env.redirectedMessage(t, r, nidOpenSLO).LogoutResponse; m == nil || !m.Success() || m.InResponseTo != "_lo-wrong" {
		t.Fatalf("answer to a foreign NameID: %+v", m)
	}
	env.samlResponse(t, env.redirect(t, c, env.nidRequest(nidOtherEntity, "_b2", samlp.NameIDFormatTransient, ""), ""), nidOtherACS, "")

	// The SP's own transient NameID ends the session: the other SP is
	// told with its own transient NameID, then the initiator is answered.
	r = env.signedRedirect(t, c, "SAMLRequest", env.logoutRequest(nidOpenEntity, "_lo1", open), "rs-lo", tokentest.Next)
	toOther := env.redirectedMessage(t, r, nidOtherSLO).LogoutRequest
	if toOther == nil || toOther.NameID != other.nameID || toOther.NameIDFormat != samlp.NameIDFormatTransient ||
		len(toOther.SessionIndexes) != 1 || toOther.SessionIndexes[0] != other.sessionIndex {
		t.Fatalf("LogoutRequest to the other SP: %+v, want its transient NameID %+v", toOther, other)
	}
	r = env.signedRedirect(t, c, "SAMLResponse", env.logoutResponse(nidOtherEntity, toOther.ID), "", tokentest.Other)
	if m := env.redirectedMessage(t, r, nidOpenSLO).LogoutResponse; m == nil || !m.Success() || m.InResponseTo != "_lo1" || m.RelayState != "rs-lo" {
		t.Fatalf("answer to the initiator: %+v", m)
	}
	env.requireSignedOut(t, c)
}

// statusResponse checks r is the auto-POST of a signed status response
// (no assertion) to acs with relay, and returns its top- and second-level
// status codes and InResponseTo.
func (e *samlEnv) statusResponse(t *testing.T, r *response, acs, relay string) (code, sub, inResponseTo string) {
	t.Helper()
	if r.status != http.StatusOK || r.page == nil || !r.page.Has("autopost") || r.page.Has("loginForm") {
		t.Fatalf("want an auto-POST to %s, got %d: %s", acs, r.status, r.body)
	}
	f, err := r.page.Form("autopost")
	if err != nil {
		t.Fatal(err)
	}
	if f.Action != acs || f.Fields.Get("RelayState") != relay {
		t.Fatalf("form posts %v to %q, want RelayState %q to %q", f.Fields, f.Action, relay, acs)
	}
	raw, err := base64.StdEncoding.DecodeString(f.Fields.Get("SAMLResponse"))
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{e.idpCert}})
	vc.Clock = dsig.NewFakeClockAt(e.clock.Now())
	root, err := vc.Validate(doc.Root())
	if err != nil {
		t.Fatalf("status response signature: %v", err)
	}
	if root.Tag != "Response" || root.SelectAttrValue("Destination", "") != acs || root.FindElement("//Assertion") != nil ||
		root.FindElement("//EncryptedAssertion") != nil {
		t.Fatalf("not an assertion-free Response to %s: %s", acs, raw)
	}
	top := root.FindElement("./Status/StatusCode")
	if top == nil {
		t.Fatalf("no StatusCode: %s", raw)
	}
	if s := top.FindElement("./StatusCode"); s != nil {
		sub = s.SelectAttrValue("Value", "")
	}
	return top.SelectAttrValue("Value", ""), sub, root.SelectAttrValue("InResponseTo", "")
}

func TestNameID_UnsatisfiablePolicyGetsInvalidNameIDPolicy(t *testing.T) {
	env := newNameIDEnv(t)
	tests := []struct {
		name, sp, acs, format, attrs string
		post                         bool
	}{
		{"emailAddress from a persistent SP", nidOpenEntity, nidOpenACS, samlp.NameIDFormatEmailAddress, "", false},
		{"unknown format URI", nidOpenEntity, nidOpenACS, "urn:example:nameid-format:shoe-size", "", false},
		{"encrypted format", nidOpenEntity, nidOpenACS, "urn:oasis:names:tc:SAML:2.0:nameid-format:encrypted", "", false},
		{"transient from a persistent-only SP", nidStrictEntity, nidStrictACS, samlp.NameIDFormatTransient, "", false},
		{"persistent from a transient-only SP", nidPinnedEntity, nidPinnedACS, samlp.NameIDFormatPersistent, "", false},
		{"POST binding", nidStrictEntity, nidStrictACS, samlp.NameIDFormatTransient, "", true},
		{"IsPassive too", nidStrictEntity, nidStrictACS, samlp.NameIDFormatEmailAddress, ` IsPassive="true"`, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "_inp" + string(rune('a'+i))
			doc := env.nidRequest(tt.sp, id, tt.format, tt.attrs)
			c := env.browser(t)
			var r *response
			if tt.post {
				r = env.postBinding(t, c, doc, "rs-"+id)
			} else {
				r = env.redirect(t, c, doc, "rs-"+id)
			}
			code, sub, irt := env.statusResponse(t, r, tt.acs, "rs-"+id)
			if code != samlp.StatusRequester || sub != samlp.StatusInvalidNameIDPolicy || irt != id {
				t.Fatalf("status %s / %s in response to %q; want Requester / InvalidNameIDPolicy to %q", code, sub, irt, id)
			}
			events := env.auditResults(t, "failure")
			if len(events) == 0 || events[len(events)-1].Reason != "invalid_nameid_policy" || events[len(events)-1].RelyingParty != tt.sp {
				t.Fatalf("audit %+v; want a failure for %s with reason invalid_nameid_policy", events, tt.sp)
			}
			// The request was used: a replay is the error page.
			if again := env.redirect(t, env.browser(t), doc, ""); again.status != http.StatusBadRequest || !strings.Contains(again.body, "already been used") {
				t.Fatalf("replayed refused request: %d %s", again.status, again.body)
			}
		})
	}
}

func TestNameID_UnverifiedRequestsKeepTheErrorPage(t *testing.T) {
	env := newNameIDEnv(t)
	bad := samlp.NameIDFormatEmailAddress
	tests := []struct {
		name string
		send func(t *testing.T, c *http.Client) *response
		want string
	}{
		{"unregistered ACS", func(t *testing.T, c *http.Client) *response {
			return env.redirect(t, c, env.nidRequest(nidOpenEntity, "_u1", bad, ` AssertionConsumerServiceURL="https://evil.example/acs"`), "")
		}, "has not registered"},
		{"unknown issuer", func(t *testing.T, c *http.Client) *response {
			return env.redirect(t, c, env.nidRequest("https://evil.example/metadata", "_u2", bad, ""), "")
		}, "no relying-party trust"},
		{"bad signature", func(t *testing.T, c *http.Client) *response {
			return env.signedRedirect(t, c, "SAMLRequest", env.nidRequest(nidOpenEntity, "_u3", bad, ""), "", tokentest.Other)
		}, "could not be verified"},
		{"stale", func(t *testing.T, c *http.Client) *response {
			doc := strings.Replace(env.nidRequest(nidOpenEntity, "_u4", bad, ""), env.clock.Now().UTC().Format(time.RFC3339),
				env.clock.Now().Add(-time.Hour).UTC().Format(time.RFC3339), 1)
			return env.redirect(t, c, doc, "")
		}, "expired"},
		{"two NameIDPolicy elements", func(t *testing.T, c *http.Client) *response {
			doc := strings.Replace(env.nidRequest(nidOpenEntity, "_u5", bad, ""), "</samlp:AuthnRequest>",
				`<samlp:NameIDPolicy Format="`+samlp.NameIDFormatTransient+`"/></samlp:AuthnRequest>`, 1)
			return env.redirect(t, c, doc, "")
		}, "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.send(t, env.browser(t))
			if r.status != http.StatusBadRequest || r.page == nil || !strings.Contains(r.body, tt.want) {
				t.Fatalf("want the error page saying %q, got %d: %s", tt.want, r.status, r.body)
			}
			if r.page.Has("autopost") || strings.Contains(r.body, "SAMLResponse") {
				t.Fatal("an unverified request got a SAML response")
			}
		})
	}
}

// TestNameID_IdPInitiatedRepeatsTheSessionsTransientNameID: an unsolicited
// response to a transient-only SP within the same session names the user
// with the identifier the SP already has, so its sessions and single
// logout keep matching.
func TestNameID_IdPInitiatedRepeatsTheSessionsTransientNameID(t *testing.T) {
	env := newNameIDEnv(t)
	c := env.browser(t)
	first := env.nidSignIn(t, c, env.nidRequest(nidPinnedEntity, "_p1", "", ""), nidPinnedACS)
	requireTransient(t, first, env.aliceImmutableID(t))
	r := env.get(t, c, "/adfs/ls/idpinitiatedsignon?loginToRp="+url.QueryEscape(nidPinnedEntity))
	resp := env.samlResponse(t, r, nidPinnedACS, "")
	if nid := resp.FindElement("./Assertion/Subject/NameID"); nid == nil || nid.Text() != first.nameID {
		t.Fatalf("IdP-initiated NameID = %v, want the session's %q", nid, first.nameID)
	}
}
