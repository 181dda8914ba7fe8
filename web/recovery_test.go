package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/fedgate/fedgate/mfa"
)

// portalRecoveryCodes generates a new set on the security page and
// returns the codes shown.
func (e *testEnv) portalRecoveryCodes(t *testing.T, c *http.Client, page *response) []string {
	t.Helper()
	r := e.submit(t, c, page, "recoveryForm", nil)
	if r.status != http.StatusOK || !r.page.Has("recoveryCodes") {
		t.Fatalf("recovery codes page: status %d: %s", r.status, r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on the page showing recovery codes", cc)
	}
	codes := strings.Fields(r.page.Text("recoveryCodes"))
	if len(codes) != mfa.RecoveryCodeCount {
		t.Fatalf("page shows %d codes, want %d: %s", len(codes), mfa.RecoveryCodeCount, r.body)
	}
	return codes
}

// toCodePage signs user in with the password and returns the code page.
func (e *testEnv) toCodePage(t *testing.T, user, pass string) (*http.Client, *response) {
	t.Helper()
	c := e.browser(t)
	r := e.get(t, c, signInQuery)
	r = e.submit(t, c, r, "loginForm", map[string]string{"UserName": user, "Password": pass})
	if !r.page.Has("mfaForm") || !r.page.Has("recoveryForm") {
		t.Fatalf("want the code page with a recovery form: %s", r.body)
	}
	return c, r
}

func TestPortal_RecoveryCodesShownOnce(t *testing.T) {
	env, _ := newPortalEnv(t)
	c := env.browser(t)
	page, _ := env.portalSignIn(t, c, "alice@contoso.com", "Alice-Passw0rd!")
	if got := page.page.Text("recoveryCount"); got != "0" {
		t.Fatalf("remaining before generating = %q, want 0", got)
	}
	codes := env.portalRecoveryCodes(t, c, page)
	again := env.get(t, c, portalPath)
	if got := again.page.Text("recoveryCount"); got != "10" {
		t.Fatalf("remaining after generating = %q, want 10", got)
	}
	for _, code := range codes {
		if strings.Contains(again.body, code) {
			t.Fatalf("security page shows code %s again", code)
		}
	}
	// A new set replaces the old one.
	fresh := env.portalRecoveryCodes(t, c, again)
	for i := range fresh {
		if fresh[i] == codes[i] {
			t.Fatalf("regenerated code %d equals the old one", i)
		}
	}
	if strings.Contains(env.logs.String(), codes[0]) || strings.Contains(env.logs.String(), fresh[0]) {
		t.Fatal("a recovery code reached the log")
	}
}

func TestPortal_RecoveryFormNeedsCSRF(t *testing.T) {
	env, _ := newPortalEnv(t)
	c := env.browser(t)
	page, _ := env.portalSignIn(t, c, "alice@contoso.com", "Alice-Passw0rd!")
	r := env.submit(t, c, page, "recoveryForm", map[string]string{"csrf": strings.Repeat("A", 43)})
	if r.status != http.StatusForbidden || r.page.Has("recoveryCodes") {
		t.Fatalf("forged form: status %d: %s", r.status, r.body)
	}
}

func TestPassive_SignInWithRecoveryCode(t *testing.T) {
	env, _ := newPortalEnv(t)
	pc := env.browser(t)
	page, _ := env.portalSignIn(t, pc, "alice@contoso.com", "Alice-Passw0rd!")
	codes := env.portalRecoveryCodes(t, pc, page)

	c, r := env.toCodePage(t, "alice@contoso.com", "Alice-Passw0rd!")
	r = env.submit(t, c, r, "recoveryForm", map[string]string{"recoveryCode": strings.ToLower(codes[3])})
	if r.status != http.StatusOK || !r.page.Has("autopost") {
		t.Fatalf("recovery code refused: %d %s", r.status, r.body)
	}
	if _, mfaDone := claims(t, r); !mfaDone {
		t.Fatal("token from a recovery-code sign-in does not claim MFA")
	}

	// The same code is refused from a fresh sign-in.
	c, r = env.toCodePage(t, "alice@contoso.com", "Alice-Passw0rd!")
	r = env.submit(t, c, r, "recoveryForm", map[string]string{"recoveryCode": codes[3]})
	if r.page.Has("autopost") || !strings.Contains(r.page.Text("error"), "recovery code didn't work") {
		t.Fatalf("reused recovery code accepted: %s", r.body)
	}
	// The page is the code page again, with both forms.
	if !r.page.Has("mfaForm") || !r.page.Has("recoveryForm") {
		t.Fatalf("after a refused code: %s", r.body)
	}
	if got := env.get(t, pc, portalPath).page.Text("recoveryCount"); got != "9" {
		t.Fatalf("remaining after one use = %q, want 9", got)
	}
}

func TestPassive_WrongRecoveryCodesLockMFA(t *testing.T) {
	env, _ := newPortalEnv(t)
	pc := env.browser(t)
	page, secret := env.portalSignIn(t, pc, "alice@contoso.com", "Alice-Passw0rd!")
	codes := env.portalRecoveryCodes(t, pc, page)

	c, r := env.toCodePage(t, "alice@contoso.com", "Alice-Passw0rd!")
	for range mfa.DefaultMaxFailures {
		r = env.submit(t, c, r, "recoveryForm", map[string]string{"recoveryCode": "22222-22222"})
	}
	if !strings.Contains(r.page.Text("error"), "Too many") {
		t.Fatalf("five wrong recovery codes did not lock: %s", r.body)
	}
	r = env.submit(t, c, r, "recoveryForm", map[string]string{"recoveryCode": codes[0]})
	if r.page.Has("autopost") {
		t.Fatal("locked MFA accepted a recovery code")
	}
	env.clock.Add(30 * time.Second)
	code, err := totp.GenerateCode(secret, env.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	r = env.submit(t, c, r, "mfaForm", map[string]string{"code": code})
	if r.page.Has("autopost") || !strings.Contains(r.page.Text("error"), "Too many") {
		t.Fatalf("locked MFA accepted an authenticator code: %s", r.body)
	}
}

func TestPassive_RecoveryFormStateIsStepBound(t *testing.T) {
	env, _ := newPortalEnv(t)
	pc := env.browser(t)
	page, _ := env.portalSignIn(t, pc, "alice@contoso.com", "Alice-Passw0rd!")
	codes := env.portalRecoveryCodes(t, pc, page)
	c, r := env.toCodePage(t, "alice@contoso.com", "Alice-Passw0rd!")
	// The recovery form's state posted as the code form (step mismatch).
	f, err := r.page.Form("recoveryForm")
	if err != nil {
		t.Fatal(err)
	}
	f.Fields.Set("step", "mfa")
	f.Fields.Set("code", "000000")
	if got := env.post(t, c, f.Action, f.Fields); got.status != http.StatusBadRequest {
		t.Fatalf("recovery state with step mfa: status %d", got.status)
	}
	// The code form's state cannot carry a recovery code.
	f, err = r.page.Form("mfaForm")
	if err != nil {
		t.Fatal(err)
	}
	f.Fields.Set("step", "recovery")
	f.Fields.Set("recoveryCode", codes[0])
	if got := env.post(t, c, f.Action, f.Fields); got.status != http.StatusBadRequest {
		t.Fatalf("code state with step recovery: status %d", got.status)
	}
}
