package demo_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/pquerna/otp/totp"

	"github.com/fedgate/fedgate/cmd/internal/demo"
	"github.com/fedgate/fedgate/e2e/e2etest"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/internal/testclock"
	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/web/proxy"
)

// The proxy deployment of these tests, all on loopback:
//
//	browser on the internet (127.0.0.2, .3) ─TLS─▶ fedgate-proxy (web/proxy, public certificate)
//	    ─mutual TLS, proxy-trust client certificate─▶ fedgate (demo, listening on 127.0.0.1)
//	browser inside (127.0.0.1) ─TLS─▶ fedgate directly
//
// Both browsers use the same URL (the federation service name resolves to
// the proxy outside and to fedgate inside, as split-horizon DNS does); the
// internet browser's dialer stands in for the public DNS answer.
const (
	wapName     = "wap1.contoso.com"
	internetIP  = "127.0.0.2"
	attackerIP  = "127.0.0.3"
	insideIP    = "127.0.0.1"
	spoofedIP   = "203.0.113.50"
	o365Realm   = "urn:federation:MicrosoftOnline"
	claimInside = "http://schemas.microsoft.com/ws/2012/01/insidecorporatenetwork"
	claimAMR    = "http://schemas.microsoft.com/claims/authnmethodsreferences"
	signInPath  = "/adfs/ls/?wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx=bench"
)

// syncBuffer is a log sink shared by the servers' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// published is the demo behind an enrolled fedgate-proxy.
type published struct {
	d        *demo.Demo
	clk      *clock
	logs     *syncBuffer
	proxy    *proxy.Proxy
	front    *httptest.Server
	kp       *proxy.KeyPair
	fedHost  string // host:port of fedgate, as in every URL
	pki      *tls.Config
	certFile string
	keyFile  string
}

// publish starts the demo with the Office 365 MFA policy mfa, enrolls a
// proxy over HTTPS with a one-time token, as `fedgate-proxy enroll` does,
// and starts it on its own public TLS listener.
func publish(tb testing.TB, mfa string, clk *clock) *published {
	tb.Helper()
	ctx := context.Background()
	p := &published{clk: clk, logs: &syncBuffer{}}
	var err error
	p.d, err = demo.Start(ctx, demo.Options{
		Listen: "127.0.0.1:0", MSOnlineListen: "127.0.0.1:0", DataDir: tb.TempDir(), Office365MFA: mfa,
		Logger: slog.New(slog.NewJSONHandler(p.logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Now: clk.Now,
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.d.Close)
	u, err := url.Parse(p.d.FedgateURL)
	if err != nil {
		tb.Fatal(err)
	}
	p.fedHost, p.pki = u.Host, p.d.ClientTLS

	// On fedgate: `fedgate proxy-trust issue --name wap1.contoso.com`.
	tok, _, err := p.d.App.ProxyTrust.IssueToken(ctx, wapName, 0)
	if err != nil {
		tb.Fatal(err)
	}
	// On the proxy: generate the key, send only the CSR and the token.
	key, err := proxytrust.NewKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	csr, err := proxytrust.NewCSR(key, rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := p.enrollClient(nil).Enroll(ctx, tok, csr)
	if err != nil {
		tb.Fatalf("enroll: %v", err)
	}
	// The token is single use.
	var se *proxytrust.ServerError
	if _, err := p.enrollClient(nil).Enroll(ctx, tok, csr); !errors.As(err, &se) || se.Status != http.StatusUnauthorized {
		tb.Fatalf("second enrollment with the same token: %v, want 401", err)
	}
	dir := tb.TempDir()
	p.certFile, p.keyFile = filepath.Join(dir, "proxy-trust.crt"), filepath.Join(dir, "proxy-trust.key")
	if err := proxy.WriteKeyPair(p.certFile, p.keyFile, b.ChainPEM, key); err != nil {
		tb.Fatal(err)
	}
	if p.kp, err = proxy.LoadKeyPair(p.certFile, p.keyFile, nil); err != nil {
		tb.Fatal(err)
	}
	p.proxy, err = proxy.New(proxy.Config{
		FederationName: "sts.contoso.com",
		Nodes:          []proxy.Node{{URL: p.d.FedgateURL}},
		RootCAs:        p.d.ClientTLS.RootCAs,
		ClientCert:     p.kp,
		Now:            clk.Now,
		Logger:         slog.New(slog.NewJSONHandler(p.logs, nil)),
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.proxy.CloseIdleConnections)
	// The public certificate: the demo's, valid for 127.0.0.1.
	public, err := tls.LoadX509KeyPair(filepath.Join(p.d.DataDir, "tls.crt"), filepath.Join(p.d.DataDir, "tls.key"))
	if err != nil {
		tb.Fatal(err)
	}
	p.front = httptest.NewUnstartedServer(p.proxy.Handler())
	p.front.Config.DisableGeneralOptionsHandler = true // as cmd/fedgate-proxy sets it
	p.front.TLS = &tls.Config{Certificates: []tls.Certificate{public}, MinVersion: tls.VersionTLS12}
	p.front.StartTLS()
	tb.Cleanup(p.front.Close)
	return p
}

// enrollClient is the proxy's HTTPS client to fedgate, pinned to the demo
// CA, presenting cert when not nil.
func (p *published) enrollClient(cert *tls.Certificate) *proxytrust.Client {
	cfg := p.pki.Clone()
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &proxytrust.Client{
		ServerURL:  p.d.FedgateURL,
		HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}},
		Now:        p.clk.Now,
	}
}

// client returns an HTTP client that dials from the loopback address from;
// viaProxy sends connections for fedgate's host to the proxy instead.
func (p *published) client(from string, viaProxy bool, jar http.CookieJar) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	front := strings.TrimPrefix(p.front.URL, "https://")
	tr := &http.Transport{
		TLSClientConfig: p.pki.Clone(), MaxIdleConnsPerHost: 64,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if viaProxy && addr == p.fedHost {
				addr = front
			}
			return d.DialContext(ctx, network, addr)
		},
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: tr}
}

// browserAt is a browser at address from.
func (p *published) browserAt(t *testing.T, from string, viaProxy bool) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, c: p.client(from, viaProxy, jar)}
}

// toFedgate starts at the simulated Microsoft Online and follows home-realm
// discovery to fedgate's sign-in page.
func (p *published) toFedgate(b *browser, user string) *page {
	b.t.Helper()
	pg := b.get(p.d.MSOnlineURL + "/")
	pg = b.submit(pg, "signin-form", map[string]string{"login": user})
	if !strings.HasPrefix(pg.url, p.d.FedgateURL+"/adfs/ls/") {
		b.t.Fatalf("home-realm discovery landed on %s", pg.url)
	}
	return pg
}

// validate runs the auto-POST page's wresult through the independent
// WS-Fed relying party (passport-wsfed-saml2) with the signing
// certificate and returns the claims it read.
func (p *published) validate(t *testing.T, pg *page) map[string]any {
	t.Helper()
	f, err := pg.Form("autopost")
	if err != nil {
		t.Fatalf("no token auto-POST page (%d): %s", pg.status, pg.body)
	}
	node, dir := e2etest.Node(t)
	res := e2etest.Run(t, dir, []byte(f.Fields.Get("wresult")), node, "rp-validate.js", "wsfed",
		filepath.Join(p.d.DataDir, "signing.crt"), o365Realm)
	if !res.OK {
		t.Fatalf("the relying party rejected the token:\n%s", res.Output)
	}
	var profile map[string]any
	if err := json.Unmarshal([]byte(res.Stdout), &profile); err != nil {
		t.Fatalf("profile is not JSON: %v\n%s", err, res.Stdout)
	}
	return profile
}

func hasMFA(profile map[string]any) bool {
	switch v := profile[claimAMR].(type) {
	case string:
		return strings.HasSuffix(v, "/multipleauthn")
	case []any:
		for _, x := range v {
			if s, _ := x.(string); strings.HasSuffix(s, "/multipleauthn") {
				return true
			}
		}
	}
	return false
}

// audit returns the audit events recorded so far.
func (p *published) audit(t *testing.T) []store.AuditEvent {
	t.Helper()
	events, err := p.d.App.Store.ListAudit(t.Context(), time.Time{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func (p *published) code(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, p.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestProxy_ExtranetDemandsMFAIntranetDoesNot is the demo flow under the
// Office 365 policy extranet_only: through fedgate-proxy the user must
// enroll a second factor and the token says insidecorporatenetwork=false;
// directly, the password is enough and the token says true. Both tokens
// are checked by the Node.js WS-Fed relying party and by the simulated
// Microsoft Online.
func TestProxy_ExtranetDemandsMFAIntranetDoesNot(t *testing.T) {
	p := publish(t, "extranet_only", testclock.New(time.Now().UTC()))

	t.Run("extranet", func(t *testing.T) {
		b := p.browserAt(t, internetIP, true)
		pg := p.toFedgate(b, "alice@contoso.com")
		pg = b.submit(pg, "loginForm", map[string]string{"UserName": "alice@contoso.com", "Password": "Alice-Passw0rd!"})
		secret := pg.Text("secret")
		if secret == "" {
			t.Fatalf("MFA was not demanded through the proxy: %s", pg.body)
		}
		pg = b.submit(pg, "enrollForm", map[string]string{"code": p.code(t, secret)})
		profile := p.validate(t, pg)
		if profile[claimInside] != "false" || !hasMFA(profile) {
			t.Fatalf("extranet token: insidecorporatenetwork=%v, authnmethodsreferences=%v; want false and multipleauthn",
				profile[claimInside], profile[claimAMR])
		}
		pg = b.submit(pg, "autopost", nil)
		if !pg.Has("signed-in") || pg.Text("inside-corporate-network") != "false" || pg.Text("mfa") != "MFA done by the federated IdP" {
			t.Fatalf("Microsoft Online: %s", pg.body)
		}
	})
	t.Run("intranet", func(t *testing.T) {
		b := p.browserAt(t, insideIP, false)
		pg := p.toFedgate(b, "alice@contoso.com")
		pg = b.submit(pg, "loginForm", map[string]string{"UserName": "alice@contoso.com", "Password": "Alice-Passw0rd!"})
		if pg.Has("mfaForm") || pg.Has("enrollForm") {
			t.Fatalf("MFA demanded from inside under extranet_only: %s", pg.body)
		}
		profile := p.validate(t, pg)
		if profile[claimInside] != "true" || hasMFA(profile) {
			t.Fatalf("intranet token: insidecorporatenetwork=%v, authnmethodsreferences=%v; want true and no MFA",
				profile[claimInside], profile[claimAMR])
		}
		pg = b.submit(pg, "autopost", nil)
		if !pg.Has("signed-in") || pg.Text("inside-corporate-network") != "true" || pg.Text("mfa") != "No MFA claim" {
			t.Fatalf("Microsoft Online: %s", pg.body)
		}
	})
	var ips []string
	for _, e := range p.audit(t) {
		if e.Result == "success" || e.Result == "mfa_enrolled" {
			ips = append(ips, e.Result+"@"+e.ClientIP)
		}
	}
	want := "mfa_enrolled@" + internetIP + " success@" + internetIP + " success@" + insideIP
	if strings.Join(ips, " ") != want {
		t.Fatalf("audit %v, want %s", ips, want)
	}
}

// TestProxy_ForwardedClientIPIsBelievedOnlyFromTheProxy: a client that
// sends X-MS-Forwarded-Client-IP straight to fedgate is ignored (its own
// address is recorded and the request stays intranet); a client that sends
// it to the proxy has it replaced by its real address.
func TestProxy_ForwardedClientIPIsBelievedOnlyFromTheProxy(t *testing.T) {
	p := publish(t, "extranet_only", testclock.New(time.Now().UTC()))
	spoof := func(c *http.Client) {
		inner := c.Transport
		c.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
			r = r.Clone(r.Context())
			r.Header.Set("X-MS-Forwarded-Client-IP", spoofedIP)
			r.Header.Set("X-MS-Proxy", wapName)
			r.Header.Set("X-Forwarded-For", spoofedIP)
			return inner.RoundTrip(r)
		})
	}
	direct := p.browserAt(t, insideIP, false)
	spoof(direct.c)
	pg := p.toFedgate(direct, "bob@contoso.com")
	pg = direct.submit(pg, "loginForm", map[string]string{"UserName": "bob@contoso.com", "Password": "Bob-Passw0rd!"})
	if pg.Has("mfaForm") || pg.Has("enrollForm") {
		t.Fatalf("a forged header made a direct request extranet: %s", pg.body)
	}
	if profile := p.validate(t, pg); profile[claimInside] != "true" {
		t.Fatalf("direct request with a forged header: insidecorporatenetwork=%v, want true", profile[claimInside])
	}

	remote := p.browserAt(t, internetIP, true)
	spoof(remote.c)
	pg = p.toFedgate(remote, "bob@contoso.com")
	pg = remote.submit(pg, "loginForm", map[string]string{"UserName": "bob@contoso.com", "Password": "wrong"})
	if !strings.HasPrefix(pg.Text("error"), "Incorrect user ID or password") {
		t.Fatalf("wrong password: %s", pg.body)
	}
	var got []string
	for _, e := range p.audit(t) {
		got = append(got, e.Result+"@"+e.ClientIP)
	}
	if want := "success@" + insideIP + " failure@" + internetIP; strings.Join(got, " ") != want {
		t.Fatalf("audit %v, want %s", got, want)
	}
	if strings.Contains(p.logs.String(), spoofedIP) {
		t.Error("the forged client IP reached a log line")
	}
}

// TestProxy_LockoutCountsTheForwardedClientIP: extranet smart lockout sees
// the internet clients' addresses, not the proxy's. Bad passwords from an
// attacker lock the attacker's (unfamiliar) location, while alice keeps
// signing in from her familiar address through the same proxy.
func TestProxy_LockoutCountsTheForwardedClientIP(t *testing.T) {
	p := publish(t, "extranet_only", testclock.New(time.Now().UTC()))
	passwordStep := func(b *browser, pass string) *page {
		t.Helper()
		pg := p.toFedgate(b, "alice@contoso.com")
		return b.submit(pg, "loginForm", map[string]string{"UserName": "alice@contoso.com", "Password": pass})
	}
	alice := p.browserAt(t, internetIP, true)
	if pg := passwordStep(alice, "Alice-Passw0rd!"); !pg.Has("enrollForm") {
		t.Fatalf("alice's first sign-in: %s", pg.body)
	}
	attacker := p.browserAt(t, attackerIP, true)
	for i := range 4 {
		if pg := passwordStep(attacker, "guess-"+string(rune('a'+i))); !strings.HasPrefix(pg.Text("error"), "Incorrect") {
			t.Fatalf("guess %d: %s", i, pg.body)
		}
	}
	binds := p.d.Directory.Binds()
	if pg := passwordStep(attacker, "Alice-Passw0rd!"); pg.Has("enrollForm") || !strings.HasPrefix(pg.Text("error"), "Incorrect") {
		t.Fatalf("the locked location got in with the right password: %s", pg.body)
	}
	if p.d.Directory.Binds() != binds {
		t.Fatal("a locked-out attempt reached the directory")
	}
	if pg := passwordStep(alice, "Alice-Passw0rd!"); !pg.Has("enrollForm") {
		t.Fatalf("alice was locked out from her familiar address: %s", pg.body)
	}
	locked := 0
	for _, e := range p.audit(t) {
		if strings.HasPrefix(e.Reason, "extranet_lockout") {
			locked++
			if e.ClientIP != attackerIP || e.Reason != "extranet_lockout_unfamiliar" {
				t.Errorf("lockout event %+v, want the attacker's address and the unfamiliar location", e)
			}
		}
	}
	if locked != 1 {
		t.Fatalf("%d lockout refusals audited, want 1", locked)
	}
}

// TestProxy_RevokedProxyIsRefused: once `fedgate proxy-trust revoke` has
// run, fedgate answers every request over the proxy's certificate with 403
// and refuses to renew it, while direct access continues.
func TestProxy_RevokedProxyIsRefused(t *testing.T) {
	p := publish(t, "extranet_only", testclock.New(time.Now().UTC()))
	remote := p.browserAt(t, internetIP, true)
	if pg := remote.get(p.d.FedgateURL + signInPath); !pg.Has("loginForm") {
		t.Fatalf("enrolled proxy: %d %s", pg.status, pg.body)
	}
	if _, err := p.d.App.ProxyTrust.RevokeProxy(t.Context(), wapName); err != nil {
		t.Fatal(err)
	}
	binds := p.d.Directory.Binds()
	pg := remote.get(p.d.FedgateURL + signInPath)
	if pg.status != http.StatusForbidden || pg.Has("loginForm") {
		t.Fatalf("revoked proxy: status %d, want 403: %s", pg.status, pg.body)
	}
	form := url.Values{"UserName": {"alice@contoso.com"}, "Password": {"Alice-Passw0rd!"}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, p.d.FedgateURL+"/adfs/ls/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if pg := remote.do(req); pg.status != http.StatusForbidden {
		t.Fatalf("POST through the revoked proxy: %d", pg.status)
	}
	if p.d.Directory.Binds() != binds {
		t.Fatal("a request over the revoked certificate reached the directory")
	}
	// Renewal with the revoked certificate is refused too.
	key, err := proxytrust.NewKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := proxytrust.NewCSR(key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var se *proxytrust.ServerError
	if _, err := p.enrollClient(p.kp.Certificate()).Renew(t.Context(), csr); !errors.As(err, &se) || se.Status != http.StatusForbidden {
		t.Fatalf("renewal with a revoked certificate: %v, want 403", err)
	}
	if pg := p.browserAt(t, insideIP, false).get(p.d.FedgateURL + signInPath); !pg.Has("loginForm") {
		t.Fatalf("direct access after the revocation: %d", pg.status)
	}
}

// usernameMixed posts an MSAL-shaped WS-Trust 1.3 request for user with
// client c and returns the status and body.
func (p *published) usernameMixed(t *testing.T, c *http.Client, user, pass, msgID string) (int, string) {
	t.Helper()
	now := p.clk.Now()
	to := p.d.FedgateURL + "/adfs/services/trust/13/usernamemixed"
	env := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><s:Header>` +
		`<a:Action s:mustUnderstand="1">http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue</a:Action><a:messageID>urn:uuid:` + msgID + `</a:messageID>` +
		`<a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo><a:To s:mustUnderstand="1">` + to + `</a:To>` +
		`<o:Security s:mustUnderstand="1" xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><u:Timestamp u:Id="_0"><u:Created>` + now.Format("2006-01-02T15:04:05.000Z") + `</u:Created><u:Expires>` + now.Add(10*time.Minute).Format("2006-01-02T15:04:05.000Z") + `</u:Expires></u:Timestamp>` +
		`<o:UsernameToken u:Id="uuid-1"><o:Username>` + user + `</o:Username><o:Password>` + pass + `</o:Password></o:UsernameToken></o:Security></s:Header>` +
		`<s:Body><trust:RequestSecurityToken xmlns:trust="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><a:EndpointReference><a:Address>` + o365Realm + `</a:Address></a:EndpointReference></wsp:AppliesTo>` +
		`<trust:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</trust:KeyType><trust:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</trust:RequestType></trust:RequestSecurityToken></s:Body></s:Envelope>`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, to, strings.NewReader(env))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/soap+xml; charset=utf-8")
	b := &browser{t: t, c: c}
	pg := b.do(req)
	return pg.status, pg.body
}

// insideClaim returns the insidecorporatenetwork value of the token in a
// WS-Trust response.
func insideClaim(t *testing.T, body string) string {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(body); err != nil {
		t.Fatalf("response is not XML: %v", err)
	}
	a := doc.FindElement("//Attribute[@AttributeName='insidecorporatenetwork']/AttributeValue")
	if a == nil {
		t.Fatalf("no insidecorporatenetwork claim: %.500s", body)
	}
	return a.Text()
}

// TestProxy_WSTrustSeesTheNetworkLocation: the active endpoints get the
// same answer as the passive ones: insidecorporatenetwork from the
// proxy-trust layer and the forwarded client address for audit.
func TestProxy_WSTrustSeesTheNetworkLocation(t *testing.T) {
	p := publish(t, "extranet_only", testclock.New(time.Now().UTC()))
	tests := []struct {
		name, from string
		viaProxy   bool
		inside     string
	}{
		{"direct", insideIP, false, "true"},
		{"through the proxy", internetIP, true, "false"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := p.usernameMixed(t, p.client(tt.from, tt.viaProxy, nil), "bob@contoso.com", "Bob-Passw0rd!",
				"6a1bd4e4-4e0b-4a6f-9c36-00000000010"+string(rune('0'+i)))
			if status != http.StatusOK {
				t.Fatalf("usernamemixed: %d %.500s", status, body)
			}
			if got := insideClaim(t, body); got != tt.inside {
				t.Fatalf("insidecorporatenetwork = %s, want %s", got, tt.inside)
			}
			events := p.audit(t)
			if last := events[len(events)-1]; last.Protocol == "wsfed" || last.ClientIP != tt.from {
				t.Fatalf("audit %+v, want the WS-Trust sign-in from %s", last, tt.from)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
