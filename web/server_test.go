package web_test

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/fedgate/fedgate/idp/metadata"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/sqlite"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/internal/testclock"
	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
	"github.com/fedgate/fedgate/mfa"
	"github.com/fedgate/fedgate/web"
	"github.com/fedgate/fedgate/web/webtest"
)

const replyURL = "https://rp.example.test/login.srf"

// clock is a settable test clock.
type clock = testclock.Clock

// testEnv is a fedgate web server on real parts: the in-process LDAP
// directory, a SQLite store, the MFA service and the token issuer.
type testEnv struct {
	srv     *httptest.Server
	dir     *ldaptest.Directory
	store   *sqlite.Store
	clock   *clock
	logs    *bytes.Buffer
	keys    token.KeySet
	parties *rp.Registry
}

func newTestEnv(t *testing.T, mutate ...func(*web.Config)) *testEnv {
	t.Helper()
	env := &testEnv{clock: testclock.New(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)), logs: &bytes.Buffer{}}
	env.dir = ldaptest.NewT(t)
	client, err := ldapauth.New(env.dir.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	env.store, err = sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "fedgate.db"), store.WithNow(env.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.store.Close() })
	m, err := mfa.New(mfa.Config{Store: env.store, Key: bytes.Repeat([]byte{7}, 32), Issuer: "Contoso", Now: env.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	kp, err := token.GenerateKeyPair("test signing", 24*time.Hour, env.clock.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	env.keys = token.KeySet{Current: kp}
	issuer, err := token.New(token.Config{Issuer: "http://sts.contoso.com/adfs/services/trust", Keys: env.keys, Now: env.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	md, err := metadata.Build(metadata.Config{EntityID: "http://sts.contoso.com/adfs/services/trust",
		PassiveURL: "https://sts.contoso.com/adfs/ls/", Keys: env.keys, Now: env.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	env.parties, err = rp.NewRegistry(rp.Office365(rp.MFAAlways, replyURL))
	if err != nil {
		t.Fatal(err)
	}
	cfg := web.Config{
		Parties: env.parties, Auth: client, MFA: m, Tokens: issuer, Audit: env.store,
		SessionKey: bytes.Repeat([]byte{9}, 32), Brand: "Contoso", Metadata: func() []byte { return md },
		Now: env.clock.Now, Logger: slog.New(slog.NewJSONHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, f := range mutate {
		f(&cfg)
	}
	s, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	env.srv = httptest.NewUnstartedServer(withTestClientIP(s.Handler()))
	if cfg.ProxyTrust != nil {
		// As cmd/internal/app configures fedgate's listener; client
		// certificates are checked against the test clock.
		env.srv.TLS = cfg.ProxyTrust.Verifier().ServerTLSConfig(&tls.Config{Time: env.clock.Now, MinVersion: tls.VersionTLS12})
	}
	env.srv.StartTLS()
	t.Cleanup(env.srv.Close)
	return env
}

// testClientIPHeader lets a test choose the client IP the server sees as
// the connection peer (see browserFrom); only this test wrapper reads it.
const testClientIPHeader = "X-Test-Client-IP"

func withTestClientIP(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ip := r.Header.Get(testClientIPHeader); ip != "" {
			r.RemoteAddr = net.JoinHostPort(ip, "50000")
			r.Header.Del(testClientIPHeader)
		}
		h.ServeHTTP(w, r)
	})
}

// browser is a cookie-keeping client that does not follow redirects, so
// tests see every hop.
func (e *testEnv) browser(t *testing.T) *http.Client {
	t.Helper()
	// A copy: httptest.Server.Client returns one shared client, and each
	// browser needs its own cookie jar.
	c := new(http.Client)
	*c = *e.srv.Client()
	c.Jar = e.newJar()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

type response struct {
	status int
	header http.Header
	body   string
	page   *webtest.Page
}

func do(t *testing.T, c *http.Client, req *http.Request) *response {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := &response{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		if r.page, err = webtest.Parse(r.body); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func (e *testEnv) get(t *testing.T, c *http.Client, pathAndQuery string) *response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+pathAndQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, c, req)
}

func (e *testEnv) post(t *testing.T, c *http.Client, path string, form url.Values) *response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, c, req)
}

// submit posts the page's form with extra fields set.
func (e *testEnv) submit(t *testing.T, c *http.Client, r *response, formID string, set map[string]string) *response {
	t.Helper()
	if r.page == nil {
		t.Fatalf("not an HTML page (status %d): %s", r.status, r.body)
	}
	f, err := r.page.Form(formID)
	if err != nil {
		t.Fatalf("%v; page: %s", err, r.body)
	}
	for k, v := range set {
		f.Fields.Set(k, v)
	}
	return e.post(t, c, f.Action, f.Fields)
}

const signInQuery = "/adfs/ls/?wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx=LoginOptions%3D3%26estsredirect%3D2"

// signIn walks password → enrollment → auto-POST page.
func (e *testEnv) signIn(t *testing.T, c *http.Client, user, pass string) *response {
	t.Helper()
	r, _ := e.enroll(t, c, user, pass)
	return r
}

// enroll signs a new user in, enrolling an authenticator, and returns the
// final page and the TOTP secret shown on the enrollment page.
func (e *testEnv) enroll(t *testing.T, c *http.Client, user, pass string) (*response, string) {
	t.Helper()
	var secret string
	r := e.get(t, c, signInQuery)
	if r.status != http.StatusOK || !r.page.Has("loginForm") {
		t.Fatalf("sign-in page: status %d body %s", r.status, r.body)
	}
	r = e.submit(t, c, r, "loginForm", map[string]string{"UserName": user, "Password": pass})
	switch {
	case r.page != nil && r.page.Has("enrollForm"):
		secret = r.page.Text("secret")
		if u := r.page.Text("otpauth-uri"); !strings.HasPrefix(u, "otpauth://totp/") || !strings.Contains(u, "secret="+secret) {
			t.Fatalf("enrollment page URI %q", u)
		}
		if !strings.HasPrefix(r.page.Attr("qr", "src"), "data:image/png;base64,") {
			t.Fatal("enrollment page has no QR image")
		}
		code, err := totp.GenerateCode(secret, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		r = e.submit(t, c, r, "enrollForm", map[string]string{"code": code})
	case r.page != nil && r.page.Has("mfaForm"):
		t.Fatalf("user %s unexpectedly enrolled", user)
	}
	return r, secret
}

func TestPassive_FullSignInIssuesTokenToRegisteredReply(t *testing.T) {
	env := newTestEnv(t)
	c := env.browser(t)
	r := env.signIn(t, c, "alice@contoso.com", "Alice-Passw0rd!")
	if r.status != http.StatusOK || !r.page.Has("autopost") {
		t.Fatalf("want auto-POST page, got %d: %s", r.status, r.body)
	}
	f, err := r.page.Form("autopost")
	if err != nil {
		t.Fatal(err)
	}
	if f.Action != replyURL || f.Method != "POST" {
		t.Fatalf("form action %q method %q", f.Action, f.Method)
	}
	if f.Fields.Get("wa") != "wsignin1.0" || f.Fields.Get("wctx") != "LoginOptions=3&estsredirect=2" {
		t.Fatalf("fields %v", f.Fields)
	}
	wresult := f.Fields.Get("wresult")
	for _, want := range []string{"RequestSecurityTokenResponse", "urn:federation:MicrosoftOnline", "alice@contoso.com", token.MultipleAuthn} {
		if !strings.Contains(wresult, want) {
			t.Errorf("wresult lacks %q", want)
		}
	}
	csp := r.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self' https://rp.example.test") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if strings.Contains(r.body, "<script>") {
		t.Error("auto-POST page has inline script")
	}
}

func TestPassive_SecondVisitIsSingleSignOn(t *testing.T) {
	env := newTestEnv(t)
	c := env.browser(t)
	if r := env.signIn(t, c, "alice@contoso.com", "Alice-Passw0rd!"); !r.page.Has("autopost") {
		t.Fatalf("first sign-in failed: %s", r.body)
	}
	binds := env.dir.Binds()
	env.clock.Add(10 * time.Minute)
	r := env.get(t, c, signInQuery)
	if !r.page.Has("autopost") {
		t.Fatalf("second visit did not sign in silently: %s", r.body)
	}
	if env.dir.Binds() != binds {
		t.Error("SSO sign-in bound to the directory")
	}
	// wfresh=0 asks for fresh authentication.
	if r := env.get(t, c, signInQuery+"&wfresh=0"); !r.page.Has("loginForm") {
		t.Fatalf("wfresh=0 did not re-prompt: %s", r.body)
	}
	// wfresh=5 with a 10-minute-old sign-in re-prompts too.
	if r := env.get(t, c, signInQuery+"&wfresh=5"); !r.page.Has("loginForm") {
		t.Fatalf("wfresh=5 did not re-prompt: %s", r.body)
	}
	// After the session lifetime, the password is needed again.
	env.clock.Add(9 * time.Hour)
	if r := env.get(t, c, signInQuery); !r.page.Has("loginForm") {
		t.Fatalf("expired session reused: %s", r.body)
	}
}

func TestPassive_EnrolledUserEntersCodeAndReplayIsRefused(t *testing.T) {
	env := newTestEnv(t)
	r, secret := env.enroll(t, env.browser(t), "bob@contoso.com", "Bob-Passw0rd!")
	if !r.page.Has("autopost") || secret == "" {
		t.Fatalf("enrollment sign-in failed: %s", r.body)
	}
	toCodePage := func() (*http.Client, *response) {
		t.Helper()
		c := env.browser(t)
		r := env.get(t, c, signInQuery)
		r = env.submit(t, c, r, "loginForm", map[string]string{"UserName": "bob@contoso.com", "Password": "Bob-Passw0rd!"})
		if !r.page.Has("mfaForm") {
			t.Fatalf("want code page: %s", r.body)
		}
		return c, r
	}
	code := func() string {
		c, err := totp.GenerateCode(secret, env.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// The enrollment code's time step is used up: the same code is refused.
	c, page := toCodePage()
	r = env.submit(t, c, page, "mfaForm", map[string]string{"code": code()})
	if r.page.Has("autopost") || !strings.Contains(r.page.Text("error"), "already been used") {
		t.Fatalf("replayed code accepted: %s", r.body)
	}
	// The next step's code works.
	env.clock.Add(30 * time.Second)
	r = env.submit(t, c, r, "mfaForm", map[string]string{"code": code()})
	if !r.page.Has("autopost") {
		t.Fatalf("valid code refused: %s", r.body)
	}
	// Five wrong codes lock MFA, even for the right code.
	env.clock.Add(30 * time.Second)
	c, page = toCodePage()
	for i := 0; i < 5; i++ {
		page = env.submit(t, c, page, "mfaForm", map[string]string{"code": "000000"})
	}
	r = env.submit(t, c, page, "mfaForm", map[string]string{"code": code()})
	if r.page.Has("autopost") || !strings.Contains(r.page.Text("error"), "Too many") {
		t.Fatalf("locked MFA accepted a code: %s", r.body)
	}
	// The lock expires.
	env.clock.Add(6 * time.Minute)
	r = env.submit(t, c, r, "mfaForm", map[string]string{"code": code()})
	if !r.page.Has("autopost") {
		t.Fatalf("code refused after the lock expired: %s", r.body)
	}
}

func TestPassive_BadRequestsRenderErrorPage(t *testing.T) {
	env := newTestEnv(t)
	c := env.browser(t)
	tests := []struct {
		name, query string
		status      int
	}{
		{"unknown realm", "/adfs/ls/?wa=wsignin1.0&wtrealm=urn%3Aevil", http.StatusBadRequest},
		{"unregistered wreply", signInQuery + "&wreply=https%3A%2F%2Fevil.example%2Fcollect", http.StatusBadRequest},
		{"missing wa", "/adfs/ls/?wtrealm=urn%3afederation%3aMicrosoftOnline", http.StatusBadRequest},
		{"unknown wa", "/adfs/ls/?wa=wsignin9&wtrealm=urn%3afederation%3aMicrosoftOnline", http.StatusBadRequest},
		{"oversized query", signInQuery + "&wctx=" + strings.Repeat("A", 9000), http.StatusBadRequest},
		{"unknown path", "/adfs/nothing", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.get(t, c, tt.query)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d", r.status, tt.status)
			}
			if r.header.Get("Location") != "" {
				t.Fatal("error answered with a redirect")
			}
			id := r.page.Text("activity-id")
			if id == "" || !r.page.Has("error-message") {
				t.Fatalf("no branded error page with activity ID: %s", r.body)
			}
			if !strings.Contains(env.logs.String(), id) {
				t.Fatalf("activity ID %s not in the log", id)
			}
			if strings.Contains(r.body, "evil.example") && tt.name == "unregistered wreply" {
				t.Fatal("error page echoes the unregistered reply URL")
			}
		})
	}
}

func TestPassive_SecurityHeaders(t *testing.T) {
	env := newTestEnv(t)
	r := env.get(t, env.browser(t), signInQuery)
	want := map[string]string{
		"X-Frame-Options":        "DENY",
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "no-store",
	}
	for k, v := range want {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	csp := r.header.Get("Content-Security-Policy")
	for _, part := range []string{"frame-ancestors 'none'", "script-src 'self'", "default-src 'none'"} {
		if !strings.Contains(csp, part) {
			t.Errorf("CSP %q lacks %q", csp, part)
		}
	}
	if !strings.HasPrefix(r.header.Get("Strict-Transport-Security"), "max-age=") {
		t.Error("no HSTS")
	}
	for _, c := range r.header.Values("Set-Cookie") {
		if !strings.Contains(c, "Secure") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite") {
			t.Errorf("cookie without Secure/HttpOnly/SameSite: %s", c)
		}
	}
}

func TestPassive_CSRF(t *testing.T) {
	env := newTestEnv(t)
	c := env.browser(t)
	page := env.get(t, c, signInQuery)
	f, err := page.page.Form("loginForm")
	if err != nil {
		t.Fatal(err)
	}
	f.Fields.Set("UserName", "alice@contoso.com")
	f.Fields.Set("Password", "Alice-Passw0rd!")
	tests := []struct {
		name   string
		mutate func(url.Values)
		client *http.Client
	}{
		{"no csrf field", func(v url.Values) { v.Del("csrf") }, c},
		{"wrong csrf field", func(v url.Values) { v.Set("csrf", strings.Repeat("A", 43)) }, c},
		{"no cookie (other browser)", func(url.Values) {}, env.browser(t)},
		{"no state", func(v url.Values) { v.Del("state") }, c},
		{"tampered state", func(v url.Values) { v.Set("state", v.Get("state")[:20]+"AAAA"+v.Get("state")[24:]) }, c},
	}
	binds := env.dir.Binds()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := url.Values{}
			for k, vals := range f.Fields {
				v[k] = append([]string(nil), vals...)
			}
			tt.mutate(v)
			r := env.post(t, tt.client, "/adfs/ls/", v)
			if r.status != http.StatusForbidden {
				t.Fatalf("status %d, want 403: %s", r.status, r.body)
			}
		})
	}
	if env.dir.Binds() != binds {
		t.Fatal("a forged form reached the directory")
	}
}

func TestPassive_FailedPasswordsGetOneGenericMessage(t *testing.T) {
	env := newTestEnv(t)
	tests := []struct {
		name, user, pass, reason string
	}{
		{"bad password", "alice@contoso.com", "wrong", "bad_password"},
		{"unknown user", "nobody@contoso.com", "Whatever-1", "no_such_user"},
		{"disabled", "carol@contoso.com", "Carol-Passw0rd!", "disabled"},
		{"expired password, wrong password", "dave@contoso.com", "Wrong-Passw0rd!", "bad_password"},
		{"filter metacharacters", "*)(userPrincipalName=*", "x", "no_such_user"},
	}
	var messages []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := env.browser(t)
			r := env.get(t, c, signInQuery)
			r = env.submit(t, c, r, "loginForm", map[string]string{"UserName": tt.user, "Password": tt.pass})
			if !r.page.Has("loginForm") || r.page.Has("autopost") {
				t.Fatalf("not refused: %s", r.body)
			}
			messages = append(messages, r.page.Text("error"))
			if !strings.Contains(env.logs.String(), `"reason":"`+tt.reason+`"`) {
				t.Fatalf("log lacks reason %s", tt.reason)
			}
		})
	}
	for _, m := range messages {
		if m != messages[0] || m == "" {
			t.Fatalf("messages differ: %q", messages)
		}
	}
	events, err := env.store.ListAudit(t.Context(), time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]bool{}
	for _, e := range events {
		reasons[e.Reason] = true
	}
	for _, tt := range tests {
		if !reasons[tt.reason] {
			t.Errorf("audit lacks reason %s (have %v)", tt.reason, reasons)
		}
	}
}

func TestPassive_EmptyPasswordIssuesNoBind(t *testing.T) {
	env := newTestEnv(t)
	c := env.browser(t)
	binds, searches := env.dir.Binds(), env.dir.Searches()
	r := env.get(t, c, signInQuery)
	r = env.submit(t, c, r, "loginForm", map[string]string{"UserName": "alice@contoso.com", "Password": ""})
	if r.page.Text("error") == "" {
		t.Fatalf("no error: %s", r.body)
	}
	if env.dir.Binds() != binds || env.dir.Searches() != searches {
		t.Fatal("empty password reached the directory")
	}
}

func TestPassive_OversizedBody(t *testing.T) {
	env := newTestEnv(t)
	c := env.browser(t)
	r := env.post(t, c, "/adfs/ls/", url.Values{"state": {strings.Repeat("A", 100<<10)}})
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", r.status)
	}
}

func TestSignOut(t *testing.T) {
	env := newTestEnv(t)
	c := env.browser(t)
	if r := env.signIn(t, c, "alice@contoso.com", "Alice-Passw0rd!"); !r.page.Has("autopost") {
		t.Fatal("sign-in failed")
	}
	if r := env.get(t, c, "/adfs/ls/?wa=wsignout1.0&wreply=https%3A%2F%2Fevil.example%2F"); r.status != http.StatusBadRequest || r.header.Get("Location") != "" {
		t.Fatalf("unregistered sign-out wreply: %d %s", r.status, r.header.Get("Location"))
	}
	r := env.get(t, c, "/adfs/ls/?wa=wsignout1.0&wreply="+url.QueryEscape(replyURL))
	if r.status != http.StatusFound || r.header.Get("Location") != replyURL {
		t.Fatalf("sign-out: %d %q", r.status, r.header.Get("Location"))
	}
	if r := env.get(t, c, signInQuery); !r.page.Has("loginForm") {
		t.Fatal("session survived sign-out")
	}
	if r := env.get(t, c, "/adfs/ls/?wa=wsignoutcleanup1.0"); r.status != http.StatusOK || !r.page.Has("page-signed-out") {
		t.Fatalf("cleanup: %d", r.status)
	}
}

func TestMetadataAndProbe(t *testing.T) {
	env := newTestEnv(t)
	c := env.browser(t)
	for _, p := range []string{"/FederationMetadata/2007-06/FederationMetadata.xml", "/federationmetadata/2007-06/federationmetadata.xml"} {
		r := env.get(t, c, p)
		if r.status != http.StatusOK || !strings.Contains(r.body, "EntityDescriptor") {
			t.Fatalf("%s: %d", p, r.status)
		}
		if _, _, certs, err := metadata.ParseSigningCertificates([]byte(r.body)); err != nil || len(certs) == 0 || !certs[0].Equal(env.keys.Current.Cert) {
			t.Fatalf("metadata certs: %v", err)
		}
	}
	if r := env.get(t, c, "/adfs/probe"); r.status != http.StatusOK {
		t.Fatalf("probe: %d", r.status)
	}
}

func TestPassive_ExpiredPasswordPointsToPasswordChange(t *testing.T) {
	const changeURL = "https://passwords.contoso.com/change"
	env := newTestEnv(t, func(c *web.Config) { c.PasswordChangeURL = changeURL })
	c := env.browser(t)
	r := env.get(t, c, signInQuery)
	r = env.submit(t, c, r, "loginForm", map[string]string{"UserName": "dave@contoso.com", "Password": "Dave-Passw0rd!"})
	if !r.page.Has("page-password-change") || r.page.Has("autopost") {
		t.Fatalf("no password-change page: %s", r.body)
	}
	if got := r.page.Attr("change-password", "href"); got != changeURL {
		t.Fatalf("link %q, want %q", got, changeURL)
	}
	if !strings.Contains(r.page.Text("error"), "expired") {
		t.Fatalf("message %q", r.page.Text("error"))
	}
	if !strings.Contains(env.logs.String(), `"reason":"password_expired"`) {
		t.Fatal("reason not logged")
	}
}
