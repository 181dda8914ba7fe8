package web_test

import (
	"crypto/rand"
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/pquerna/otp/totp"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/proxytrust/proxytrusttest"
	"github.com/fedgate/fedgate/web"
)

const (
	proxyName   = "wap1.contoso.com"
	internetIP  = "203.0.113.9"
	spoofedIP   = "198.51.100.66"
	proxyPeerIP = "192.0.2.10" // the proxy's own address, as fedgate sees the connection
)

// extranetEnv is a fedgate web server with proxy trust on, a browser
// inside the corporate network and the same browser (sharing cookies) on
// the internet, reaching fedgate through an enrolled proxy.
type extranetEnv struct {
	*testEnv
	auth           *proxytrust.Authority
	inside, remote *http.Client
}

// newExtranetEnv starts the server with the Office 365 trust under policy
// (nil policy: proxy trust off).
func newExtranetEnv(t *testing.T, policy rp.MFAPolicy, proxyTrust bool) *extranetEnv {
	t.Helper()
	e := &extranetEnv{}
	e.testEnv = newTestEnv(t, func(c *web.Config) {
		parties, err := rp.NewRegistry(rp.Office365(policy, replyURL))
		if err != nil {
			t.Fatal(err)
		}
		c.Parties = parties
		if !proxyTrust {
			return
		}
		e.auth, err = proxytrust.New(proxytrust.Config{
			CA: proxytrusttest.NewCA(t, c.Now()), Store: proxytrusttest.NewStore(c.Now), Now: c.Now, Rand: rand.Reader,
		})
		if err != nil {
			t.Fatal(err)
		}
		c.ProxyTrust = e.auth
	})
	e.inside = e.browser(t)
	e.remote = e.browser(t)
	e.remote.Jar = e.inside.Jar // one browser, two networks
	if proxyTrust {
		e.remote.Transport = e.proxyTransport(t, proxytrusttest.Enroll(t, e.auth, proxyName), internetIP)
	}
	return e
}

// proxyTransport acts as fedgate-proxy: it presents pair and forwards
// client as X-MS-Forwarded-Client-IP.
func (e *extranetEnv) proxyTransport(t *testing.T, pair tls.Certificate, client string) http.RoundTripper {
	t.Helper()
	tr := e.srv.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.Certificates = []tls.Certificate{pair}
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set(proxytrust.HeaderForwardedClientIP, client)
		r.Header.Set(proxytrust.HeaderProxy, proxyName)
		r.Header.Set(testClientIPHeader, proxyPeerIP)
		return tr.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// passwordStep opens the sign-in page and submits alice's password.
func (e *extranetEnv) passwordStep(t *testing.T, c *http.Client, pass string) *response {
	t.Helper()
	r := e.get(t, c, signInQuery)
	if !r.page.Has("loginForm") {
		t.Fatalf("sign-in page: %d %s", r.status, r.body)
	}
	return e.submit(t, c, r, "loginForm", map[string]string{"UserName": "alice@contoso.com", "Password": pass})
}

// claims reads the token on an auto-POST page: the insidecorporatenetwork
// value and whether it claims MFA.
func claims(t *testing.T, r *response) (inside string, mfa bool) {
	t.Helper()
	if r.page == nil || !r.page.Has("autopost") {
		t.Fatalf("want the token auto-POST page, got %d: %s", r.status, r.body)
	}
	f, err := r.page.Form("autopost")
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(f.Fields.Get("wresult")); err != nil {
		t.Fatal(err)
	}
	inside = "(absent)"
	for _, a := range doc.FindElements("//Attribute") {
		v := a.FindElement("AttributeValue")
		switch a.SelectAttrValue("AttributeName", "") {
		case "insidecorporatenetwork":
			inside = v.Text()
		case "authnmethodsreferences":
			for _, v := range a.FindElements("AttributeValue") {
				mfa = mfa || strings.HasSuffix(v.Text(), "/multipleauthn")
			}
		}
	}
	return inside, mfa
}

// enrollOn completes the enrollment page r and returns the next page and
// the secret.
func (e *extranetEnv) enrollOn(t *testing.T, c *http.Client, r *response) (*response, string) {
	t.Helper()
	if r.page == nil || !r.page.Has("enrollForm") {
		t.Fatalf("want the MFA enrollment page, got %d: %s", r.status, r.body)
	}
	secret := r.page.Text("secret")
	code, err := totp.GenerateCode(secret, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return e.submit(t, c, r, "enrollForm", map[string]string{"code": code}), secret
}

func TestExtranet_MFAPolicyAndInsideClaim(t *testing.T) {
	tests := []struct {
		name       string
		policy     rp.MFAPolicy
		proxyTrust bool
		viaProxy   bool
		wantMFA    bool
		wantInside string
	}{
		{"always, inside", rp.MFAAlways, true, false, true, "true"},
		{"always, extranet", rp.MFAAlways, true, true, true, "false"},
		{"extranet_only, inside", rp.MFAExtranetOnly, true, false, false, "true"},
		{"extranet_only, extranet", rp.MFAExtranetOnly, true, true, true, "false"},
		{"never, inside", rp.MFANever, true, false, false, "true"},
		{"never, extranet", rp.MFANever, true, true, false, "false"},
		// Without proxy trust nothing can be told apart: all extranet.
		{"extranet_only, proxy trust off", rp.MFAExtranetOnly, false, false, true, "false"},
		{"never, proxy trust off", rp.MFANever, false, false, false, "false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newExtranetEnv(t, tt.policy, tt.proxyTrust)
			c := e.inside
			if tt.viaProxy {
				c = e.remote
			}
			r := e.passwordStep(t, c, alicePass)
			if tt.wantMFA {
				r, _ = e.enrollOn(t, c, r)
			}
			inside, mfa := claims(t, r)
			if inside != tt.wantInside || mfa != tt.wantMFA {
				t.Fatalf("token: insidecorporatenetwork=%s mfa=%v; want %s, %v", inside, mfa, tt.wantInside, tt.wantMFA)
			}
		})
	}
}

func TestExtranet_WAuthMultipleAuthnDemandsMFAInside(t *testing.T) {
	e := newExtranetEnv(t, rp.MFAExtranetOnly, true)
	r := e.get(t, e.inside, signInQuery+"&wauth=http%3a%2f%2fschemas.microsoft.com%2fclaims%2fmultipleauthn")
	r = e.submit(t, e.inside, r, "loginForm", map[string]string{"UserName": "alice@contoso.com", "Password": alicePass})
	r, _ = e.enrollOn(t, e.inside, r)
	if inside, mfa := claims(t, r); inside != "true" || !mfa {
		t.Fatalf("insidecorporatenetwork=%s mfa=%v; want true, true", inside, mfa)
	}
}

// TestExtranet_InsideSessionWithoutMFAIsNotReusedFromExtranet: a laptop
// signs in at the office with the password alone (extranet_only), then
// goes home with the SSO cookie. From the extranet the session must not
// issue a token without the second factor.
func TestExtranet_InsideSessionWithoutMFAIsNotReusedFromExtranet(t *testing.T) {
	e := newExtranetEnv(t, rp.MFAExtranetOnly, true)
	if inside, mfa := claims(t, e.passwordStep(t, e.inside, alicePass)); inside != "true" || mfa {
		t.Fatalf("office sign-in: insidecorporatenetwork=%s mfa=%v", inside, mfa)
	}
	binds := e.dir.Binds()
	e.clock.Add(5 * time.Minute)
	// Inside, the session is reused silently.
	if inside, mfa := claims(t, e.get(t, e.inside, signInQuery)); inside != "true" || mfa {
		t.Fatalf("office SSO: insidecorporatenetwork=%s mfa=%v", inside, mfa)
	}
	// From home the same session asks for the second factor (not the
	// password again).
	r := e.get(t, e.remote, signInQuery)
	if r.page == nil || r.page.Has("autopost") || r.page.Has("loginForm") {
		t.Fatalf("extranet SSO with a password-only session: want the MFA step, got %d: %s", r.status, r.body)
	}
	r, _ = e.enrollOn(t, e.remote, r)
	if inside, mfa := claims(t, r); inside != "false" || !mfa {
		t.Fatalf("extranet token: insidecorporatenetwork=%s mfa=%v; want false, true", inside, mfa)
	}
	if e.dir.Binds() != binds {
		t.Error("the SSO sign-ins bound to the directory")
	}
	// The session now carries MFA: reused silently from home.
	e.clock.Add(time.Minute)
	if inside, mfa := claims(t, e.get(t, e.remote, signInQuery)); inside != "false" || !mfa {
		t.Fatalf("extranet SSO with MFA: insidecorporatenetwork=%s mfa=%v", inside, mfa)
	}
}

func auditIPs(t *testing.T, e *extranetEnv) []string {
	t.Helper()
	events, err := e.store.ListAudit(t.Context(), time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	var ips []string
	for _, ev := range events {
		ips = append(ips, ev.ClientIP)
	}
	return ips
}

func TestExtranet_ForwardedClientIPOnlyFromATrustedProxy(t *testing.T) {
	e := newExtranetEnv(t, rp.MFAExtranetOnly, true)
	// Directly, with forged headers: ignored. The request is intranet and
	// the client IP is the connection's.
	e.inside.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set("X-MS-Forwarded-Client-IP", spoofedIP)
		r.Header.Set("x_ms_proxy", proxyName)
		r.Header.Set("X-Forwarded-For", spoofedIP)
		return e.srv.Client().Transport.RoundTrip(r)
	})
	if r := e.passwordStep(t, e.inside, "wrong"); !strings.HasPrefix(r.page.Text("error"), "Incorrect user ID or password") {
		t.Fatalf("wrong password: %s", r.body)
	}
	if inside, _ := claims(t, e.passwordStep(t, e.inside, alicePass)); inside != "true" {
		t.Fatalf("forged headers made a direct request extranet (insidecorporatenetwork=%s)", inside)
	}
	// Through the proxy, from another browser: honoured.
	e.remote.Jar = e.browser(t).Jar
	r := e.passwordStep(t, e.remote, "wrong")
	if !strings.HasPrefix(r.page.Text("error"), "Incorrect user ID or password") {
		t.Fatalf("wrong password via proxy: %s", r.body)
	}
	ips := auditIPs(t, e)
	want := []string{"127.0.0.1", "127.0.0.1", internetIP}
	if strings.Join(ips, " ") != strings.Join(want, " ") {
		t.Fatalf("audit client IPs %v, want %v", ips, want)
	}
	if strings.Contains(e.logs.String(), spoofedIP) {
		t.Error("a forged client IP reached the log")
	}
}

func TestExtranet_RevokedOrForeignProxyCertificateIsRefused(t *testing.T) {
	e := newExtranetEnv(t, rp.MFAExtranetOnly, true)
	if r := e.get(t, e.remote, signInQuery); r.status != http.StatusOK {
		t.Fatalf("enrolled proxy refused: %d", r.status)
	}
	if _, err := e.auth.RevokeProxy(t.Context(), proxyName); err != nil {
		t.Fatal(err)
	}
	binds := e.dir.Binds()
	r := e.get(t, e.remote, signInQuery)
	if r.status != http.StatusForbidden || r.page != nil {
		t.Fatalf("revoked proxy: status %d, want the plain 403: %s", r.status, r.body)
	}
	// A certificate for the same name from another CA fails the handshake.
	other, err := proxytrust.New(proxytrust.Config{CA: proxytrusttest.NewCA(t, e.clock.Now()), Store: proxytrusttest.NewStore(e.clock.Now), Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	foreign := &http.Client{Transport: e.proxyTransport(t, proxytrusttest.Enroll(t, other, proxyName), internetIP)}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+signInQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := foreign.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a certificate from a foreign CA was accepted: %d", resp.StatusCode)
	}
	if e.dir.Binds() != binds {
		t.Error("a refused proxy reached the directory")
	}
}

func TestProxyTrust_EnrollmentEndpointsMountedWithoutCSRF(t *testing.T) {
	for _, on := range []bool{true, false} {
		e := newExtranetEnv(t, rp.MFAAlways, on)
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+proxytrust.PathEstablishTrust, strings.NewReader("not a CSR"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", proxytrust.ContentTypeCSR)
		req.Header.Set("Authorization", "Bearer x")
		r := do(t, e.inside, req)
		want := http.StatusUnauthorized // reached the authority: no CSRF cookie needed
		if !on {
			want = http.StatusNotFound
		}
		if r.status != want {
			t.Fatalf("proxy trust %v: EstablishTrust status %d, want %d: %s", on, r.status, want, r.body)
		}
	}
}
