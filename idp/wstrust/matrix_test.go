package wstrust_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/fedgate/fedgate/idp/wstrust"
)

// TestUsernameMixed_LegacyPolicyMatrix runs the whole matrix through the
// handler with real parts: alice is enrolled in MFA, bob is not; each has
// an app password. Every cell ends in a verified token or the generic
// FailedAuthentication fault, and the audit trail names the reason.
func TestUsernameMixed_LegacyPolicyMatrix(t *testing.T) {
	type user struct {
		name, upn, password, appPassword string
		enrolled                         bool
	}
	alice := user{"enrolled", aliceUPN, alicePass, aliceAppPass, true}
	bob := user{"not_enrolled", bobUPN, bobPass, bobAppPass, false}

	tests := []struct {
		user   user
		policy wstrust.LegacyPolicy
		inside bool
		app    bool
		token  bool
		reason string // audit reason of a refusal
	}{
		{bob, wstrust.DenyEnrolled, false, false, true, ""},
		{bob, wstrust.DenyEnrolled, true, false, true, ""},
		{bob, wstrust.DenyEnrolled, false, true, false, "bad_password"}, // app passwords are not tried
		{bob, wstrust.DenyEnrolled, true, true, false, "bad_password"},
		{bob, wstrust.InsideOnly, false, false, true, ""},
		{bob, wstrust.InsideOnly, true, false, true, ""},
		{bob, wstrust.InsideOnly, false, true, false, "bad_password"},
		{bob, wstrust.InsideOnly, true, true, false, "bad_password"},
		{bob, wstrust.AppPassword, false, false, true, ""},
		{bob, wstrust.AppPassword, true, false, true, ""},
		{bob, wstrust.AppPassword, false, true, true, ""},
		{bob, wstrust.AppPassword, true, true, true, ""},

		{alice, wstrust.DenyEnrolled, false, false, false, "legacy_policy:mfa_enrolled"},
		{alice, wstrust.DenyEnrolled, true, false, false, "legacy_policy:mfa_enrolled"},
		{alice, wstrust.DenyEnrolled, false, true, false, "bad_password"},
		{alice, wstrust.DenyEnrolled, true, true, false, "bad_password"},
		{alice, wstrust.InsideOnly, false, false, false, "legacy_policy:outside_corporate_network"},
		{alice, wstrust.InsideOnly, true, false, true, ""},
		{alice, wstrust.InsideOnly, false, true, false, "bad_password"},
		{alice, wstrust.InsideOnly, true, true, false, "bad_password"},
		{alice, wstrust.AppPassword, false, false, false, "legacy_policy:app_password_required"},
		{alice, wstrust.AppPassword, true, false, false, "legacy_policy:app_password_required"},
		{alice, wstrust.AppPassword, false, true, true, ""},
		{alice, wstrust.AppPassword, true, true, true, ""},
	}
	env := newTestEnv(t)
	env.enroll(t, aliceImmID, aliceUPN)
	where := map[bool]string{true: "inside", false: "outside"}
	cred := map[bool]string{true: "app_password", false: "password"}
	for _, tt := range tests {
		name := tt.user.name + "/" + string(tt.policy) + "/" + where[tt.inside] + "/" + cred[tt.app]
		t.Run(name, func(t *testing.T) {
			env.policy = tt.policy
			pw := tt.user.password
			if tt.app {
				pw = tt.user.appPassword
			}
			for _, v := range []wstrust.Version{wstrust.Trust2005, wstrust.Trust13} {
				res := env.post(t, v, bytes.NewReader(env.msal(v, tt.user.upn, pw).bytes()), func(r *http.Request) {
					if tt.inside {
						r.Header.Set(insideHeader, "1")
					}
				})
				if !tt.token {
					assertFault(t, res, 500, "s:Sender", v.Namespace(), "FailedAuthentication", "MSIS7068: Access denied.")
					assertAudit(t, env, "failure", tt.reason)
					continue
				}
				got := env.checkToken(t, res)
				if got.UPN != tt.user.upn || got.MFA {
					t.Errorf("token for %s with MFA=%v, want %s without MFA", got.UPN, got.MFA, tt.user.upn)
				}
				if got.InsideCorporateNetwork == nil || *got.InsideCorporateNetwork != tt.inside {
					t.Errorf("insidecorporatenetwork = %v, want %v", got.InsideCorporateNetwork, tt.inside)
				}
				wantReason := ""
				if tt.app {
					wantReason = "app_password"
				}
				assertAudit(t, env, "success", wantReason)
			}
		})
	}
}
