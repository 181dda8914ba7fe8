package web_test

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/pquerna/otp/totp"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
	"github.com/fedgate/fedgate/web"
)

const (
	idpEntityID = "http://sts.contoso.com/adfs/services/trust"
	ssoURL      = "https://sts.contoso.com/adfs/ls/"
	sp1Entity   = "https://sp1.example.test/metadata"
	sp1ACS      = "https://sp1.example.test/acs"
	sp2Entity   = "https://sp2.example.test/metadata"
	sp2ACS      = "https://sp2.example.test/acs"
)

// samlEnv is a testEnv with two SAML 2.0 SPs: sp1 (MFA always, two ACS
// endpoints) and sp2 (MFA never), and the SAML IdP's signing certificate.
type samlEnv struct {
	*testEnv
	idpCert *x509.Certificate
}

// newSAMLEnvWith is a test server with a SAML 2.0 IdP signing with the
// key pair keys returns (given the server's clock) and exactly the trusts
// parties; extra adjusts the configuration further.
func newSAMLEnvWith(t *testing.T, keys func(now time.Time) token.KeyPair, parties []rp.Party, extra ...func(*web.Config)) *samlEnv {
	t.Helper()
	e := &samlEnv{}
	e.testEnv = newTestEnv(t, func(cfg *web.Config) {
		kp := keys(cfg.Now())
		e.idpCert = kp.Cert
		idp, err := samlp.New(samlp.Config{EntityID: idpEntityID, SSOURL: ssoURL, Keys: token.KeySet{Current: kp}, Now: cfg.Now})
		if err != nil {
			t.Fatal(err)
		}
		reg, err := rp.NewRegistry(parties...)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Parties, cfg.SAML = reg, idp
		cfg.Replay = cfg.Audit.(web.Replay) // the SQLite store
		for _, f := range extra {
			f(cfg)
		}
	})
	return e
}

// currentKeys signs with the tokentest Current key pair.
func currentKeys(t *testing.T) func(time.Time) token.KeyPair {
	return func(time.Time) token.KeyPair { return tokentest.KeyPair(t, tokentest.Current) }
}

func newSAMLEnv(t *testing.T) *samlEnv {
	t.Helper()
	sp1 := &samlp.ServiceProvider{EntityID: sp1Entity, ACS: []samlp.Endpoint{
		{Binding: samlp.BindingHTTPPost, Location: sp1ACS, Index: 0, IsDefault: true},
		{Binding: samlp.BindingHTTPPost, Location: sp1ACS + "2", Index: 1},
	}}
	sp2 := &samlp.ServiceProvider{EntityID: sp2Entity, ACS: []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: sp2ACS}},
		NameIDFormat: samlp.NameIDFormatEmailAddress}
	keys := func(now time.Time) token.KeyPair {
		kp, err := token.GenerateKeyPair("saml signing", 24*time.Hour, now, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return kp
	}
	return newSAMLEnvWith(t, keys, []rp.Party{rp.Office365(rp.MFAAlways, replyURL),
		rp.SAMLParty("SP One", sp1, rp.MFAAlways), rp.SAMLParty("SP Two", sp2, rp.MFANever)})
}

// authnRequest is an AuthnRequest from issuer with extra attributes, issued
// at the test clock's now.
func (e *samlEnv) authnRequest(issuer, id, attrs string) string {
	return `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="` + id +
		`" Version="2.0" IssueInstant="` + e.clock.Now().UTC().Format(time.RFC3339) + `" Destination="` + ssoURL + `"` + attrs +
		`><saml:Issuer>` + issuer + `</saml:Issuer></samlp:AuthnRequest>`
}

// redirect sends doc as an unsigned SAMLRequest with the HTTP-Redirect
// binding.
func (e *samlEnv) redirect(t *testing.T, c *http.Client, doc, relay string) *response {
	t.Helper()
	return e.signedRedirect(t, c, "SAMLRequest", doc, relay, "")
}

// postBinding sends doc as an unsigned SAMLRequest with the HTTP-POST
// binding.
func (e *samlEnv) postBinding(t *testing.T, c *http.Client, doc, relay string) *response {
	t.Helper()
	return e.post(t, c, "/adfs/ls/", signedPOSTForm(t, "SAMLRequest", doc, relay, ""))
}

// signedRedirect sends doc as param by HTTP-Redirect, signed RSA-SHA256
// with the tokentest key ("" unsigned).
func (e *samlEnv) signedRedirect(t *testing.T, c *http.Client, param, doc, relay, key string) *response {
	t.Helper()
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	q := param + "=" + url.QueryEscape(base64.StdEncoding.EncodeToString(buf.Bytes()))
	if relay != "" {
		q += "&RelayState=" + url.QueryEscape(relay)
	}
	if key != "" {
		q += "&SigAlg=" + url.QueryEscape(dsig.RSASHA256SignatureMethod)
		d := sha256.Sum256([]byte(q))
		sig, err := rsa.SignPKCS1v15(nil, tokentest.KeyPair(t, key).Signer.(*rsa.PrivateKey), crypto.SHA256, d[:])
		if err != nil {
			t.Fatal(err)
		}
		q += "&Signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
	}
	return e.get(t, c, "/adfs/ls/?"+q)
}

// signedPOSTForm is the HTTP-POST form for doc as param, enveloped-signed
// with the tokentest key ("" unsigned).
func signedPOSTForm(t *testing.T, param, doc, relay, key string) url.Values {
	t.Helper()
	b := []byte(doc)
	if key != "" {
		d := etree.NewDocument()
		if err := d.ReadFromString(doc); err != nil {
			t.Fatal(err)
		}
		s, err := token.NewXMLSigner(tokentest.KeyPair(t, key), token.RSASHA256, "ID")
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.Signature(d.Root())
		if err != nil {
			t.Fatal(err)
		}
		d.Root().InsertChildAt(1, sig)
		b = token.MarshalElement(d.Root())
	}
	f := url.Values{param: {base64.StdEncoding.EncodeToString(b)}}
	if relay != "" {
		f.Set("RelayState", relay)
	}
	return f
}

// login fills the password page and, when asked, enrolls an authenticator.
func (e *samlEnv) login(t *testing.T, c *http.Client, r *response, user, pass string) *response {
	t.Helper()
	if r.status != http.StatusOK || r.page == nil || !r.page.Has("loginForm") {
		t.Fatalf("want sign-in page, got %d: %s", r.status, r.body)
	}
	r = e.submit(t, c, r, "loginForm", map[string]string{"UserName": user, "Password": pass})
	if r.page != nil && r.page.Has("enrollForm") {
		code, err := totp.GenerateCode(r.page.Text("secret"), e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		r = e.submit(t, c, r, "enrollForm", map[string]string{"code": code})
	}
	return r
}

// samlResponse checks r is the auto-POST to acs with relay echoed, verifies
// the assertion signature with the IdP certificate and returns the Response.
func (e *samlEnv) samlResponse(t *testing.T, r *response, acs, relay string) *etree.Element {
	t.Helper()
	if r.status != http.StatusOK || r.page == nil || !r.page.Has("autopost") {
		t.Fatalf("want auto-POST page, got %d: %s", r.status, r.body)
	}
	f, err := r.page.Form("autopost")
	if err != nil {
		t.Fatal(err)
	}
	if f.Action != acs || f.Method != "POST" {
		t.Fatalf("form action %q method %q, want POST to %q", f.Action, f.Method, acs)
	}
	if got, ok := f.Fields["RelayState"]; relay == "" && ok || relay != "" && (len(got) != 1 || got[0] != relay) {
		t.Errorf("RelayState = %v, want %q", got, relay)
	}
	u, _ := url.Parse(acs)
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+u.Scheme+"://"+u.Host) {
		t.Errorf("CSP %q does not allow the ACS origin", csp)
	}
	raw, err := base64.StdEncoding.DecodeString(f.Fields.Get("SAMLResponse"))
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	if root.Tag != "Response" || root.SelectAttrValue("Destination", "") != acs {
		t.Fatalf("not a Response to %s: %s", acs, raw)
	}
	as := root.SelectElement("Assertion")
	if as == nil {
		t.Fatalf("no assertion: %s", raw)
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{e.idpCert}})
	vc.Clock = dsig.NewFakeClockAt(e.clock.Now())
	if _, err := vc.Validate(as); err != nil {
		t.Fatalf("assertion signature does not verify: %v", err)
	}
	return root
}

func TestSAML_RedirectBindingSignInEndToEnd(t *testing.T) {
	env := newSAMLEnv(t)
	c := env.browser(t)
	doc := env.authnRequest(sp1Entity, "_r1", ` AssertionConsumerServiceURL="`+sp1ACS+`2"`)
	r := env.login(t, c, env.redirect(t, c, doc, "https://sp1.example.test/app?x=1&y=<2>"), "alice@contoso.com", "Alice-Passw0rd!")
	resp := env.samlResponse(t, r, sp1ACS+"2", "https://sp1.example.test/app?x=1&y=<2>")
	if got := resp.SelectAttrValue("InResponseTo", ""); got != "_r1" {
		t.Errorf("InResponseTo = %q", got)
	}
	nid := resp.FindElement("./Assertion/Subject/NameID")
	if nid == nil || nid.Text() == "" || nid.SelectAttrValue("Format", "") != samlp.NameIDFormatPersistent || strings.Contains(nid.Text(), "@") {
		t.Errorf("NameID = %v, want the persistent ImmutableID", nid)
	}
	if a := resp.FindElement("./Assertion/Conditions/AudienceRestriction/Audience"); a == nil || a.Text() != sp1Entity {
		t.Errorf("Audience = %v", a)
	}
	upn := resp.FindElement("./Assertion/AttributeStatement/Attribute[@Name='http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn']/AttributeValue")
	if upn == nil || upn.Text() != "alice@contoso.com" {
		t.Errorf("upn attribute = %v", upn)
	}
	if !strings.Contains(env.logs.String(), `"token issued"`) {
		t.Error("no token issued log line")
	}
}

func TestSAML_POSTBindingSignInEndToEnd(t *testing.T) {
	env := newSAMLEnv(t)
	c := env.browser(t)
	r := env.login(t, c, env.postBinding(t, c, env.authnRequest(sp2Entity, "_p1", ""), "rs-42"), "alice@contoso.com", "Alice-Passw0rd!")
	resp := env.samlResponse(t, r, sp2ACS, "rs-42")
	nid := resp.FindElement("./Assertion/Subject/NameID")
	if nid == nil || nid.Text() != "alice@contoso.com" || nid.SelectAttrValue("Format", "") != samlp.NameIDFormatEmailAddress {
		t.Errorf("NameID = %v, want the UPN as emailAddress", nid)
	}
}

func TestSAML_NoRelayStateIsOmitted(t *testing.T) {
	env := newSAMLEnv(t)
	c := env.browser(t)
	r := env.login(t, c, env.redirect(t, c, env.authnRequest(sp2Entity, "_n1", ""), ""), "alice@contoso.com", "Alice-Passw0rd!")
	env.samlResponse(t, r, sp2ACS, "")
}

func TestSAML_BadRequestsGetErrorPageNeverAForm(t *testing.T) {
	env := newSAMLEnv(t)
	tests := []struct {
		name string
		send func(t *testing.T, c *http.Client) *response
		want string
	}{
		{"unknown issuer", func(t *testing.T, c *http.Client) *response {
			return env.redirect(t, c, env.authnRequest("https://evil.example/metadata", "_u1", ""), "")
		}, "no relying-party trust"},
		{"WS-Fed party as issuer", func(t *testing.T, c *http.Client) *response {
			return env.redirect(t, c, env.authnRequest(rp.Office365Realm, "_u2", ""), "")
		}, "no relying-party trust"},
		{"ACS not registered", func(t *testing.T, c *http.Client) *response {
			return env.redirect(t, c, env.authnRequest(sp1Entity, "_a1", ` AssertionConsumerServiceURL="https://evil.example/acs"`), "")
		}, "has not registered"},
		{"ACS not registered, POST", func(t *testing.T, c *http.Client) *response {
			return env.postBinding(t, c, env.authnRequest(sp1Entity, "_a2", ` AssertionConsumerServiceURL="https://evil.example/acs"`), "")
		}, "has not registered"},
		{"SAMLRequest and wa", func(t *testing.T, c *http.Client) *response {
			return env.get(t, c, "/adfs/ls/?wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&SAMLRequest=x")
		}, "not valid"},
		{"garbage", func(t *testing.T, c *http.Client) *response {
			return env.get(t, c, "/adfs/ls/?SAMLRequest=%25%25")
		}, "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.send(t, env.browser(t))
			if r.status != http.StatusBadRequest || r.page == nil {
				t.Fatalf("want error page, got %d: %s", r.status, r.body)
			}
			if !strings.Contains(r.body, tt.want) {
				t.Errorf("error page lacks %q: %s", tt.want, r.body)
			}
			if r.page.Has("autopost") || r.page.Has("loginForm") || strings.Contains(r.body, "SAMLResponse") {
				t.Error("a bad request got a form")
			}
		})
	}
}

func TestSAML_ReplayedRequestIDRefused(t *testing.T) {
	env := newSAMLEnv(t)
	doc := env.authnRequest(sp2Entity, "_replay", "")
	if r := env.redirect(t, env.browser(t), doc, ""); r.page == nil || !r.page.Has("loginForm") {
		t.Fatalf("first use: %d %s", r.status, r.body)
	}
	for name, send := range map[string]func(*testing.T, *http.Client, string, string) *response{"redirect": env.redirect, "post": env.postBinding} {
		t.Run(name, func(t *testing.T) {
			r := send(t, env.browser(t), doc, "")
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, "already been used") || r.page.Has("loginForm") {
				t.Fatalf("replay: %d %s", r.status, r.body)
			}
		})
	}
	// The same ID from another SP is a different request.
	if r := env.redirect(t, env.browser(t), env.authnRequest(sp1Entity, "_replay", ""), ""); !r.page.Has("loginForm") {
		t.Fatalf("same ID, other SP: %d %s", r.status, r.body)
	}
}

func TestSAML_SingleSignOnAcrossSPsAndForceAuthn(t *testing.T) {
	env := newSAMLEnv(t)
	c := env.browser(t)
	r := env.login(t, c, env.redirect(t, c, env.authnRequest(sp1Entity, "_s1", ""), ""), "alice@contoso.com", "Alice-Passw0rd!")
	env.samlResponse(t, r, sp1ACS, "")
	binds := env.dir.Binds()
	env.clock.Add(10 * time.Minute)

	// A second SP: single sign-on, no password.
	r = env.redirect(t, c, env.authnRequest(sp2Entity, "_s2", ""), "back")
	env.samlResponse(t, r, sp2ACS, "back")
	if env.dir.Binds() != binds {
		t.Error("SSO sign-in bound to the directory")
	}
	// IsPassive with a session answers silently.
	r = env.redirect(t, c, env.authnRequest(sp1Entity, "_s3", ` IsPassive="true"`), "")
	env.samlResponse(t, r, sp1ACS, "")

	// ForceAuthn re-prompts despite the session.
	r = env.redirect(t, c, env.authnRequest(sp2Entity, "_s4", ` ForceAuthn="true"`), "")
	if r.page == nil || !r.page.Has("loginForm") {
		t.Fatalf("ForceAuthn did not re-prompt: %d %s", r.status, r.body)
	}
	r = env.submit(t, c, r, "loginForm", map[string]string{"UserName": "alice@contoso.com", "Password": "Alice-Passw0rd!"})
	resp := env.samlResponse(t, r, sp2ACS, "")
	if env.dir.Binds() == binds {
		t.Error("ForceAuthn sign-in did not check the password")
	}
	an := resp.FindElement("./Assertion/AuthnStatement")
	if an == nil || an.SelectAttrValue("AuthnInstant", "") != env.clock.Now().UTC().Format(token.TimeFormat) {
		t.Errorf("AuthnInstant = %v, want the fresh sign-in", an)
	}
}

func TestSAML_WSFedFlowStillWorksAlongside(t *testing.T) {
	env := newSAMLEnv(t)
	c := env.browser(t)
	if r := env.signIn(t, c, "alice@contoso.com", "Alice-Passw0rd!"); r.page == nil || !r.page.Has("autopost") {
		t.Fatalf("WS-Fed sign-in: %d %s", r.status, r.body)
	}
	// A WS-Fed request naming a SAML party is refused.
	r := env.get(t, c, "/adfs/ls/?wa=wsignin1.0&wtrealm="+url.QueryEscape(sp1Entity))
	if r.status != http.StatusBadRequest || r.page.Has("autopost") {
		t.Fatalf("WS-Fed to SAML party: %d %s", r.status, r.body)
	}
}
