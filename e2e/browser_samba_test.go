//go:build unix

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/e2e/e2etest"
	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/adlab"
)

// The Samba acceptance test: `fedgate demo --directory-env` against the
// throwaway Samba AD DC of deploy/samba-ad-lab.sh, driven by headless
// Chromium through browser-samba.js. Gated like ldapauth's Samba suite
// (adlab.Require): it runs when FEDGATE_AD_ENV names the lab's env file,
// fails without it under FEDGATE_AD_REQUIRED=1 and is skipped otherwise.
//
// Every password typed is the account's right one: the lab's lockout
// threshold is shared with the ldapauth suite running against the same DC.
const (
	sambaUser       = "alice" // signs in end to end and enrolls TOTP
	sambaDisabled   = "carol" // disabled (533): the generic error
	sambaMustChange = "dave"  // must change password (773): the password-change page
	sambaShotPrefix = "samba-"
)

// TestBrowser_SambaSignIn signs a lab user in at the simulated Microsoft
// Online through fedgate bound to the real AD: TOTP enrollment, the token
// auto-POST, and the signed-in page with the ImmutableID of the user's
// objectGUID as Samba stores it (read here with ldapauth, independently of
// the demo's own sync). The disabled account gets the generic error and
// the must-change account the password-change page. Screenshots land in
// e2e/out/samba-*.png.
func TestBrowser_SambaSignIn(t *testing.T) {
	if testing.Short() {
		t.Skip("browser acceptance test against Samba AD (builds fedgate, runs Chromium): skipped under -short")
	}
	env := adlab.Require(t)
	root := e2etest.ModuleRoot(t)
	node := requireBrowser(t, root)

	upn := func(sam string) string { return sam + "@" + env.UPNSuffix }
	for _, sam := range []string{sambaUser, sambaDisabled, sambaMustChange} {
		if env.Password(sam) == "" {
			t.Fatalf("the lab env file has no password for %s (FEDGATE_AD_PASSWORD_%s)", sam, strings.ToUpper(sam))
		}
	}
	wantImmutableID := labImmutableID(t, env, upn(sambaUser))

	demo := startDemo(t, buildFedgate(t, root), "--directory-env", os.Getenv(adlab.EnvVar))
	if banner := demo.banner.String(); !strings.Contains(banner, "Active Directory at "+env.LDAPSURL) {
		t.Errorf("the banner does not name the lab directory:\n%s", banner)
	}

	walk, err := json.Marshal(map[string]map[string]string{
		"user":       {"upn": upn(sambaUser), "password": env.Password(sambaUser), "immutableID": wantImmutableID},
		"disabled":   {"upn": upn(sambaDisabled), "password": env.Password(sambaDisabled)},
		"mustChange": {"upn": upn(sambaMustChange), "password": env.Password(sambaMustChange)},
	})
	if err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(root, "e2e", "out")
	var sum sambaSummary
	runWalk(t, node, filepath.Join(root, "e2e"), "browser-samba.js", []string{demo.msonline, outDir},
		[]string{"FEDGATE_SAMBA_WALK=" + string(walk)}, outDir, "samba-summary.json", &sum)

	r := sum.Result
	t.Run("lab user signed in", func(t *testing.T) {
		if r.SignIn.UPN != upn(sambaUser) || r.SignIn.MFA != mfaDoneText || r.SignIn.ImmutableID != wantImmutableID || r.SignIn.Issuer == "" {
			t.Errorf("signed in as %q, mfa %q, ImmutableID %q, issuer %q; want %s, %q, %s",
				r.SignIn.UPN, r.SignIn.MFA, r.SignIn.ImmutableID, r.SignIn.Issuer, upn(sambaUser), mfaDoneText, wantImmutableID)
		}
		if !r.SignIn.Enrolled || !strings.HasPrefix(r.SignIn.URL, demo.msonline) ||
			r.SignIn.AutoPost.Action != strings.TrimSuffix(demo.msonline, "/")+"/login.srf" {
			t.Errorf("enrolled %v, signed-in page %s, token posted to %s", r.SignIn.Enrolled, r.SignIn.URL, r.SignIn.AutoPost.Action)
		}
	})
	// The pages are right for the right reason: fedgate logged AD's
	// sub-codes 533 and 773 as the reasons.
	t.Run("disabled user gets the generic error", func(t *testing.T) {
		if r.Disabled.User != upn(sambaDisabled) || !strings.HasPrefix(r.Disabled.Error, genericSignInPrefix) {
			t.Errorf("%s sees %q", r.Disabled.User, r.Disabled.Error)
		}
		if !strings.Contains(demo.logs.String(), "reason=disabled") {
			t.Error("fedgate logged no reason=disabled")
		}
	})
	t.Run("must-change user gets the password-change page", func(t *testing.T) {
		if r.MustChange.User != upn(sambaMustChange) || !strings.HasPrefix(r.MustChange.URL, demo.fedgate+"/adfs/ls/") {
			t.Errorf("%s at %s", r.MustChange.User, r.MustChange.URL)
		}
		if !strings.Contains(demo.logs.String(), "reason=must_change_password") {
			t.Error("fedgate logged no reason=must_change_password")
		}
	})
	if len(sum.CSPViolations)+len(sum.PageErrors) > 0 {
		t.Errorf("CSP violations %s; page errors %s", sum.CSPViolations, sum.PageErrors)
	}
	checkShots(t, sum.Pages, sambaShotPrefix, outDir, requiredSambaShots)

	logs := demo.logs.String() + demo.banner.String()
	for _, secret := range []string{env.BindPassword, env.AdminPassword, env.Password(sambaUser), env.Password(sambaDisabled), env.Password(sambaMustChange)} {
		if strings.Contains(logs, secret) {
			t.Errorf("a lab password reached fedgate's output (%d characters)", len(secret))
		}
	}
}

// labImmutableID reads upn's ImmutableID from the lab with ldapauth, the
// client fedgate itself uses: base64 of the objectGUID Samba stores.
func labImmutableID(t *testing.T, env *adlab.Env, upn string) string {
	t.Helper()
	c, err := ldapauth.New(env.Config())
	if err != nil {
		t.Fatalf("ldapauth.New: %v", err)
	}
	defer c.Close()
	u, err := c.Lookup(t.Context(), upn)
	if err != nil {
		t.Fatalf("look up %s in the lab: %v", upn, err)
	}
	if len(u.ObjectGUID) != 16 || u.ImmutableID == "" {
		t.Fatalf("%s: objectGUID %d bytes, ImmutableID %q", upn, len(u.ObjectGUID), u.ImmutableID)
	}
	return u.ImmutableID
}

// requiredSambaShots are pages the walk must have captured (names without
// the samba-NN- prefix).
var requiredSambaShots = []string{
	"msonline-signin", "fedgate-password", "enroll-qr", "fedgate-autopost", "msonline-signed-in",
	"fedgate-password-disabled", "fedgate-disabled", "fedgate-password-must-change", "fedgate-password-change",
}

// sambaSummary is browser-samba.js's JSON summary.
type sambaSummary struct {
	walkResult
	Result struct {
		SignIn struct {
			signedIn
			Enrolled bool
		}
		Disabled   struct{ User, Error string }
		MustChange struct{ User, URL, Heading, Error string }
	}
	Pages                     []walkPage
	PageErrors, CSPViolations []json.RawMessage
}
