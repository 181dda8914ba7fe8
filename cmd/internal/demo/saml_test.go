package demo_test

import (
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/cmd/internal/demo"
	"github.com/fedgate/fedgate/internal/testclock"
)

// TestDemo_SAML2SignInEndToEnd runs the demo in the Entra SAML 2.0
// federation profile: home-realm discovery → AuthnRequest (HTTP-Redirect)
// → fedgate password + TOTP enrollment → SAMLResponse auto-POST →
// login.srf accepts it with MFA; the RelayState is single-use.
func TestDemo_SAML2SignInEndToEnd(t *testing.T) {
	clk := testclock.New(time.Now().UTC())
	d := startWith(t, demo.Options{Protocol: "saml2", Logger: slog.New(slog.DiscardHandler), Now: clk.Now})
	b := newBrowser(t, d)

	p := b.get(d.MSOnlineURL + "/")
	p = b.submit(p, "signin-form", map[string]string{"login": "alice@contoso.com"})
	if !strings.HasPrefix(p.url, d.FedgateURL+"/adfs/ls/") {
		t.Fatalf("home-realm discovery landed on %s", p.url)
	}
	u, _ := url.Parse(p.url)
	if q := u.Query(); q.Get("SAMLRequest") == "" || q.Get("RelayState") == "" || q.Has("wa") {
		t.Fatalf("redirect query %v", q)
	}
	p, _ = b.passwordAndEnroll(p, "alice@contoso.com", "Alice-Passw0rd!", clk.Now())
	f, err := p.Form("autopost")
	if err != nil || f.Fields.Get("SAMLResponse") == "" || f.Fields.Get("RelayState") == "" || f.Action != d.MSOnlineURL+"/login.srf" {
		t.Fatalf("no SAML auto-POST to login.srf (%v): %s", err, p.body)
	}
	signedIn := b.submit(p, "autopost", nil)
	if !signedIn.Has("signed-in") {
		t.Fatalf("simulated Microsoft Online did not accept the SAML response (%d): %s", signedIn.status, signedIn.body)
	}
	if signedIn.Text("upn") != "alice@contoso.com" || signedIn.Text("mfa") != "MFA done by the federated IdP" {
		t.Fatalf("signed in as %q, mfa %q", signedIn.Text("upn"), signedIn.Text("mfa"))
	}

	// The same form again: the RelayState is spent.
	again := b.submit(p, "autopost", nil)
	if again.Has("signed-in") || !strings.Contains(again.Text("reason"), "RelayState") {
		t.Fatalf("replayed response accepted (%d): %s", again.status, again.body)
	}
}

func TestDemo_RejectsUnknownProtocol(t *testing.T) {
	_, err := demo.Start(t.Context(), demo.Options{Listen: "127.0.0.1:0", MSOnlineListen: "127.0.0.1:0", DataDir: t.TempDir(), Protocol: "oidc"})
	if err == nil || !strings.Contains(err.Error(), "--protocol") {
		t.Fatalf("err = %v", err)
	}
}
