package web_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/fedgate/fedgate/apppass"
	"github.com/fedgate/fedgate/web"
)

const portalPath = "/adfs/portal/security"

// newPortalEnv is newTestEnv with app passwords on the same store.
func newPortalEnv(t *testing.T) (*testEnv, *apppass.Service) {
	t.Helper()
	var svc *apppass.Service
	env := newTestEnv(t, func(c *web.Config) {
		var err error
		svc, err = apppass.New(apppass.Config{Store: c.Audit.(apppass.Store), Params: apppass.Params{Memory: 8, Time: 1, Threads: 1},
			Now: c.Now, Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))})
		if err != nil {
			t.Fatal(err)
		}
		c.AppPasswords = svc
	})
	return env, svc
}

// portalSignIn signs a new user in on the security page itself
// (password, then authenticator enrollment) and returns the page and the
// TOTP secret.
func (e *testEnv) portalSignIn(t *testing.T, c *http.Client, user, pass string) (*response, string) {
	t.Helper()
	r := e.get(t, c, portalPath)
	if r.status != http.StatusOK || !r.page.Has("loginForm") {
		t.Fatalf("portal without session: status %d, want the sign-in page: %s", r.status, r.body)
	}
	r = e.submit(t, c, r, "loginForm", map[string]string{"UserName": user, "Password": pass})
	if !r.page.Has("enrollForm") {
		t.Fatalf("want enrollment page: %s", r.body)
	}
	secret := r.page.Text("secret")
	code, err := totp.GenerateCode(secret, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	r = e.submit(t, c, r, "enrollForm", map[string]string{"code": code})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != portalPath || r.page != nil && r.page.Has("autopost") {
		t.Fatalf("portal sign-in end: status %d location %q: %s", r.status, r.header.Get("Location"), r.body)
	}
	r = e.get(t, c, portalPath)
	if !r.page.Has("portal-user") {
		t.Fatalf("portal page not shown after sign-in: %s", r.body)
	}
	return r, secret
}

func TestPortal_RequiresRecentMFASession(t *testing.T) {
	t.Run("sign-in on the page issues no token and opens it", func(t *testing.T) {
		env, _ := newPortalEnv(t)
		r, _ := env.portalSignIn(t, env.browser(t), "alice@contoso.com", "Alice-Passw0rd!")
		if got := r.page.Text("portal-user"); got != "alice@contoso.com" {
			t.Fatalf("portal user %q", got)
		}
		if !r.page.Has("replaceForm") || !r.page.Has("createForm") || !r.page.Has("noAppPasswords") {
			t.Fatalf("portal page lacks its sections: %s", r.body)
		}
	})
	t.Run("an MFA session from a relying-party sign-in opens it", func(t *testing.T) {
		env, _ := newPortalEnv(t)
		c := env.browser(t)
		env.signIn(t, c, "alice@contoso.com", "Alice-Passw0rd!")
		if r := env.get(t, c, portalPath); !r.page.Has("portal-user") {
			t.Fatalf("portal not opened with MFA session: %s", r.body)
		}
		// The second factor is too old after an hour: sign in again.
		env.clock.Add(61 * time.Minute)
		if r := env.get(t, c, portalPath); !r.page.Has("loginForm") || r.page.Has("portal-user") {
			t.Fatalf("stale MFA opened the portal: %s", r.body)
		}
	})
	t.Run("a session without MFA does not open it", func(t *testing.T) {
		env, _ := newPortalEnv(t)
		c := env.browser(t)
		r := env.get(t, c, portalPath)
		r = env.submit(t, c, r, "loginForm", map[string]string{"UserName": "alice@contoso.com", "Password": "Alice-Passw0rd!"})
		if !r.page.Has("enrollForm") {
			t.Fatalf("password alone did not lead to the second factor: %s", r.body)
		}
		if r := env.get(t, c, portalPath); r.page.Has("portal-user") {
			t.Fatal("portal opened after the password step only")
		}
	})
	t.Run("a portal flow cannot be turned into a token", func(t *testing.T) {
		env, _ := newPortalEnv(t)
		c := env.browser(t)
		r, _ := env.portalSignIn(t, c, "alice@contoso.com", "Alice-Passw0rd!")
		f, err := r.page.Form("createForm")
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []string{"portal", "mfa", "password"} {
			f.Fields.Set("step", step)
			if r := env.post(t, c, "/adfs/ls/", f.Fields); r.status != http.StatusBadRequest || strings.Contains(r.body, "wresult") {
				t.Fatalf("portal state posted to /adfs/ls/ as %s: status %d: %s", step, r.status, r.body)
			}
		}
	})
	t.Run("POST without a session or with an old page goes back", func(t *testing.T) {
		env, svc := newPortalEnv(t)
		c := env.browser(t)
		page, _ := env.portalSignIn(t, c, "alice@contoso.com", "Alice-Passw0rd!")
		userID := userIDOf(t, env, "alice")
		env.clock.Add(11 * time.Minute) // page state older than the flow lifetime
		r := env.submit(t, c, page, "createForm", map[string]string{"name": "late"})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != portalPath {
			t.Fatalf("old page POST: status %d: %s", r.status, r.body)
		}
		page = env.get(t, c, portalPath)
		env.get(t, c, "/adfs/ls/?wa=wsignout1.0") // ends the session, keeps the CSRF cookie
		r = env.submit(t, c, page, "createForm", map[string]string{"name": "signed out"})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != portalPath {
			t.Fatalf("signed-out POST: status %d: %s", r.status, r.body)
		}
		if l, _ := svc.List(t.Context(), userID); len(l) != 0 {
			t.Fatalf("refused POSTs created %v", l)
		}
	})
}

func TestPortal_AppPasswords(t *testing.T) {
	env, svc := newPortalEnv(t)
	c := env.browser(t)
	page, _ := env.portalSignIn(t, c, "alice@contoso.com", "Alice-Passw0rd!")

	r := env.submit(t, c, page, "createForm", map[string]string{"name": "Outlook 2010"})
	password := r.page.Text("app-password")
	if r.status != http.StatusOK || len(password) != apppass.Len+apppass.Groups-1 || r.page.Text("created-name") != "Outlook 2010" {
		t.Fatalf("created page: status %d password %q: %s", r.status, password, r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on the page showing the password", cc)
	}

	// Shown once: the page lists it by name only.
	r = env.get(t, c, portalPath)
	if strings.Contains(r.body, password) {
		t.Fatal("the portal page shows the app password again")
	}
	if !r.page.Has("appPasswords") || !strings.Contains(r.body, "Outlook 2010") || !strings.Contains(r.body, "Never") {
		t.Fatalf("portal list: %s", r.body)
	}

	userID := userIDOf(t, env, "alice")
	if ok, err := svc.Verify(t.Context(), userID, password); err != nil || !ok {
		t.Fatalf("Verify new app password = %v, %v", ok, err)
	}
	r = env.get(t, c, portalPath)
	if strings.Contains(r.body, "Never") {
		t.Fatal("last use not shown after a use")
	}

	// Invalid name.
	if r := env.submit(t, c, r, "createForm", map[string]string{"name": " "}); !r.page.Has("error") {
		t.Fatalf("empty name accepted: %s", r.body)
	}

	// CSRF: the form value must match the cookie.
	if r := env.submit(t, c, r, "createForm", map[string]string{"name": "x", "csrf": strings.Repeat("A", 43)}); r.status != http.StatusForbidden {
		t.Fatalf("forged CSRF: status %d", r.status)
	}

	// Revoke.
	list, _ := svc.List(t.Context(), userID)
	if len(list) != 1 {
		t.Fatalf("list %v", list)
	}
	r = env.submit(t, c, r, "revoke-"+list[0].ID, nil)
	if !r.page.Has("notice") || r.page.Has("appPasswords") {
		t.Fatalf("after revoke: %s", r.body)
	}
	if ok, err := svc.Verify(t.Context(), userID, password); err != nil || ok {
		t.Fatalf("Verify revoked = %v, %v", ok, err)
	}

	// Another browser of another user cannot revoke alice's passwords.
	created, err := svc.Create(t.Context(), userID, "phone")
	if err != nil {
		t.Fatal(err)
	}
	cb := env.browser(t)
	bobPage, _ := env.portalSignIn(t, cb, "bob@contoso.com", "Bob-Passw0rd!")
	f, err := bobPage.page.Form("createForm")
	if err != nil {
		t.Fatal(err)
	}
	f.Fields.Set("action", "revoke")
	f.Fields.Set("id", created.ID)
	if r := env.post(t, cb, portalPath, f.Fields); !r.page.Has("error") {
		t.Fatalf("bob revoking alice's password: %s", r.body)
	}
	if l, _ := svc.List(t.Context(), userID); len(l) != 1 {
		t.Fatal("bob revoked alice's app password")
	}
	// Alice's page state is refused in bob's browser (session of another
	// user; bob's CSRF cookie is replaced by alice's value for the test).
	fa, err := env.get(t, c, portalPath).page.Form("createForm")
	if err != nil {
		t.Fatal(err)
	}
	cb.Jar.SetCookies(mustURL(t, env.srv.URL+"/adfs/"), []*http.Cookie{{Name: "fedgate_csrf", Value: fa.Fields.Get("csrf"), Path: "/adfs/"}})
	if r := env.post(t, cb, portalPath, fa.Fields); r.status != http.StatusSeeOther {
		t.Fatalf("alice's form in bob's session: status %d: %s", r.status, r.body)
	}
	if l, _ := svc.List(t.Context(), userID); len(l) != 1 {
		t.Fatal("alice's form changed something in bob's session")
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// userIDOf finds the ImmutableID the server used for user from the store.
func userIDOf(t *testing.T, env *testEnv, user string) string {
	t.Helper()
	recs, err := env.store.ListTOTP(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if strings.HasPrefix(r.AccountName, user+"@") {
			return r.UserID
		}
	}
	t.Fatalf("no enrollment for %s", user)
	return ""
}

func TestPortal_ReplaceAuthenticator(t *testing.T) {
	env, _ := newPortalEnv(t)
	c := env.browser(t)
	page, oldSecret := env.portalSignIn(t, c, "alice@contoso.com", "Alice-Passw0rd!")
	r := env.submit(t, c, page, "replaceForm", nil)
	newSecret := r.page.Text("secret")
	if !r.page.Has("reenrollForm") || newSecret == "" || newSecret == oldSecret ||
		!strings.HasPrefix(r.page.Attr("qr", "src"), "data:image/png;base64,") {
		t.Fatalf("re-enrollment page: %s", r.body)
	}
	env.clock.Add(time.Minute) // the sign-in code's time step is spent
	// A code of the old authenticator does not confirm the new one.
	oldCode, _ := totp.GenerateCode(oldSecret, env.clock.Now())
	r = env.submit(t, c, r, "reenrollForm", map[string]string{"code": oldCode})
	if !r.page.Has("reenrollForm") || !r.page.Has("error") || r.page.Text("secret") != newSecret {
		t.Fatalf("wrong code: %s", r.body)
	}
	// The old authenticator still works until then.
	if !totpWorks(t, env, oldSecret) {
		t.Fatal("old authenticator stopped working before the replacement was confirmed")
	}
	env.clock.Add(time.Minute)
	newCode, _ := totp.GenerateCode(newSecret, env.clock.Now())
	r = env.submit(t, c, r, "reenrollForm", map[string]string{"code": newCode})
	if !r.page.Has("notice") || !r.page.Has("portal-user") {
		t.Fatalf("after replacing: %s", r.body)
	}
	env.clock.Add(time.Minute)
	if totpWorks(t, env, oldSecret) {
		t.Fatal("old authenticator still works after the replacement")
	}
	env.clock.Add(time.Minute)
	if !totpWorks(t, env, newSecret) {
		t.Fatal("new authenticator does not work")
	}
}

// totpWorks signs alice in on the portal with a fresh browser, using a
// code of secret.
func totpWorks(t *testing.T, env *testEnv, secret string) bool {
	t.Helper()
	c := env.browser(t)
	r := env.get(t, c, portalPath)
	r = env.submit(t, c, r, "loginForm", map[string]string{"UserName": "alice@contoso.com", "Password": "Alice-Passw0rd!"})
	if !r.page.Has("mfaForm") {
		t.Fatalf("want code page: %s", r.body)
	}
	code, _ := totp.GenerateCode(secret, env.clock.Now())
	r = env.submit(t, c, r, "mfaForm", map[string]string{"code": code})
	return r.status == http.StatusSeeOther
}
