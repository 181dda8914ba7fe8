package demo_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/cmd/internal/demo"
	"github.com/fedgate/fedgate/internal/testclock"
)

// startWith starts the demo with opts, on loopback ports and a fresh data
// directory where opts leaves them empty, and closes it when the test
// ends.
func startWith(t *testing.T, opts demo.Options) *demo.Demo {
	t.Helper()
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.MSOnlineListen == "" {
		opts.MSOnlineListen = "127.0.0.1:0"
	}
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	d, err := demo.Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// startLogged is startWith with every log line, from debug level up,
// kept as JSON in the returned buffer (for "no secret is logged" checks).
func startLogged(t *testing.T, opts demo.Options) (*demo.Demo, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	opts.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return startWith(t, opts), logs
}

// startDemo starts the default demo on clk's time, logging into the
// returned buffer.
func startDemo(t *testing.T, clk *clock) (*demo.Demo, *bytes.Buffer) {
	t.Helper()
	return startLogged(t, demo.Options{Now: clk.Now})
}

// TestDemo_Office365SignInEndToEnd walks the whole flow over real HTTPS:
// simulated Microsoft Online → home-realm discovery → fedgate sign-in →
// TOTP enrollment → token auto-POST → login.srf accepts the token; then
// single sign-on on the second visit.
func TestDemo_Office365SignInEndToEnd(t *testing.T) {
	clk := testclock.New(time.Now().UTC())
	d, logs := startDemo(t, clk)
	b := newBrowser(t, d)

	p := b.get(d.MSOnlineURL + "/")
	p = b.submit(p, "signin-form", map[string]string{"login": "alice@contoso.com"})
	if !strings.HasPrefix(p.url, d.FedgateURL+"/adfs/ls/") {
		t.Fatalf("home-realm discovery landed on %s", p.url)
	}
	q, _ := url.Parse(p.url)
	if q.Query().Get("wtrealm") != "urn:federation:MicrosoftOnline" || q.Query().Get("wa") != "wsignin1.0" || q.Query().Get("wctx") == "" {
		t.Fatalf("redirect query %v", q.Query())
	}
	if got := p.Attr("userNameInput", "value"); got != "alice@contoso.com" {
		t.Errorf("user name not pre-filled: %q", got)
	}
	p, secret := b.passwordAndEnroll(p, "alice@contoso.com", "Alice-Passw0rd!", clk.Now())
	p = b.submit(p, "autopost", nil)
	if !p.Has("signed-in") {
		t.Fatalf("simulated Microsoft Online did not accept the token (%d): %s", p.status, p.body)
	}
	if p.Text("upn") != "alice@contoso.com" || p.Text("mfa") != "MFA done by the federated IdP" {
		t.Fatalf("signed in as %q, mfa %q", p.Text("upn"), p.Text("mfa"))
	}

	// Second sign-in: single sign-on, no password, no code.
	clk.Add(2 * time.Minute)
	p = b.get(d.MSOnlineURL + "/")
	p = b.submit(p, "signin-form", map[string]string{"login": "alice@contoso.com"})
	if !p.Has("autopost") {
		t.Fatalf("no SSO on the second visit: %s", p.body)
	}
	p = b.submit(p, "autopost", nil)
	if !p.Has("signed-in") || p.Text("mfa") != "MFA done by the federated IdP" {
		t.Fatalf("SSO token not accepted: %s", p.body)
	}
	for _, secretValue := range []string{"Alice-Passw0rd!", secret, d.Directory.BindPassword()} {
		if strings.Contains(logs.String(), secretValue) {
			t.Fatalf("a secret reached the log: %q", secretValue)
		}
	}
}

func TestDemo_ManagedDomainAndRefusedAccounts(t *testing.T) {
	clk := testclock.New(time.Now().UTC())
	d, logs := startDemo(t, clk)
	b := newBrowser(t, d)
	p := b.get(d.MSOnlineURL + "/")
	p = b.submit(p, "signin-form", map[string]string{"login": "someone@fabrikam.com"})
	if !p.Has("managed") {
		t.Fatalf("managed domain page missing: %s", p.body)
	}
	for _, acct := range []struct{ user, pass, reason string }{
		{"carol@contoso.com", "Carol-Passw0rd!", "disabled"},
		{"dave@contoso.com", "Dave-Passw0rd!", "password_expired"},
	} {
		p := b.get(d.MSOnlineURL + "/")
		p = b.submit(p, "signin-form", map[string]string{"login": acct.user})
		p = b.submit(p, "loginForm", map[string]string{"UserName": acct.user, "Password": acct.pass})
		if acct.reason == "password_expired" {
			// AD says 532 only after the right password: the user is told.
			if !p.Has("page-password-change") {
				t.Fatalf("%s: %s", acct.user, p.body)
			}
		} else if !strings.HasPrefix(p.Text("error"), "Incorrect user ID or password") {
			t.Fatalf("%s: %s", acct.user, p.body)
		}
		if !strings.Contains(logs.String(), `"reason":"`+acct.reason+`"`) {
			t.Fatalf("%s: reason %s not logged", acct.user, acct.reason)
		}
	}
}

// TestDemo_RestartKeepsSigningCertificate checks the data directory keeps
// the token-signing certificate across restarts.
func TestDemo_RestartKeepsSigningCertificate(t *testing.T) {
	dir := t.TempDir()
	read := func() []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "signing.crt"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for i := 0; i < 2; i++ {
		d, err := demo.Start(t.Context(), demo.Options{Listen: "127.0.0.1:0", MSOnlineListen: "127.0.0.1:0", DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		d.Close()
	}
	first := read()
	d, err := demo.Start(t.Context(), demo.Options{Listen: "127.0.0.1:0", MSOnlineListen: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !bytes.Equal(first, read()) {
		t.Fatal("signing certificate changed across restarts")
	}
	if !strings.Contains(d.Banner(), d.ConfigPath) || !strings.Contains(d.Banner(), "alice@contoso.com") {
		t.Fatalf("banner: %s", d.Banner())
	}
}

// TestDemo_WSTrustUsernameMixed posts an MSAL-shaped WS-Trust 1.3 request
// to the demo's active endpoint: bob (no MFA enrollment) gets a token that
// claims no MFA; the MEX lists the endpoint.
func TestDemo_WSTrustUsernameMixed(t *testing.T) {
	clk := testclock.New(time.Now().UTC())
	d, _ := startDemo(t, clk)
	b := newBrowser(t, d)
	mex := b.get(d.FedgateURL + "/adfs/services/trust/mex")
	if mex.status != http.StatusOK || !strings.Contains(mex.body, d.FedgateURL+"/adfs/services/trust/13/usernamemixed") {
		t.Fatalf("MEX (%d) does not list the 1.3 endpoint: %.300s", mex.status, mex.body)
	}
	post := func(user, pass, msgID string) (int, string) {
		t.Helper()
		now := clk.Now()
		env := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><s:Header>` +
			`<a:Action s:mustUnderstand="1">http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue</a:Action><a:messageID>urn:uuid:` + msgID + `</a:messageID>` +
			`<a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo><a:To s:mustUnderstand="1">` + d.FedgateURL + `/adfs/services/trust/13/usernamemixed</a:To>` +
			`<o:Security s:mustUnderstand="1" xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><u:Timestamp u:Id="_0"><u:Created>` + now.Format("2006-01-02T15:04:05.000Z") + `</u:Created><u:Expires>` + now.Add(10*time.Minute).Format("2006-01-02T15:04:05.000Z") + `</u:Expires></u:Timestamp>` +
			`<o:UsernameToken u:Id="uuid-1"><o:Username>` + user + `</o:Username><o:Password>` + pass + `</o:Password></o:UsernameToken></o:Security></s:Header>` +
			`<s:Body><trust:RequestSecurityToken xmlns:trust="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><a:EndpointReference><a:Address>urn:federation:MicrosoftOnline</a:Address></a:EndpointReference></wsp:AppliesTo>` +
			`<trust:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</trust:KeyType><trust:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</trust:RequestType></trust:RequestSecurityToken></s:Body></s:Envelope>`
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, d.FedgateURL+"/adfs/services/trust/13/usernamemixed", strings.NewReader(env))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/soap+xml; charset=utf-8")
		p := b.do(req)
		return p.status, p.body
	}
	status, body := post("bob@contoso.com", "Bob-Passw0rd!", "6a1bd4e4-4e0b-4a6f-9c36-000000000001")
	if status != http.StatusOK || !strings.Contains(body, "RequestSecurityTokenResponseCollection") || !strings.Contains(body, "bob@contoso.com") {
		t.Fatalf("usernamemixed for bob: %d %.500s", status, body)
	}
	if strings.Contains(body, "multipleauthn") {
		t.Fatal("active token claims MFA")
	}
	status, body = post("bob@contoso.com", "wrong", "6a1bd4e4-4e0b-4a6f-9c36-000000000002")
	if status != http.StatusInternalServerError || !strings.Contains(body, "FailedAuthentication") {
		t.Fatalf("wrong password: %d %.500s", status, body)
	}
}
