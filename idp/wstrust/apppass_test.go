package wstrust_test

import (
	"bytes"
	"testing"

	"github.com/fedgate/fedgate/apppass"
	"github.com/fedgate/fedgate/idp/wstrust"
)

// TestUsernameMixed_RealAppPasswords runs policy app_password against the
// real apppass.Service on the real store: an enrolled user gets a token
// (without MFA) for an app password created for them, a fault for their
// directory password, and a fault once the app password is revoked.
func TestUsernameMixed_RealAppPasswords(t *testing.T) {
	var svc *apppass.Service
	env := newTestEnv(t, func(c *wstrust.Config) {
		var err error
		svc, err = apppass.New(apppass.Config{Store: c.Replay.(apppass.Store), Params: apppass.Params{Memory: 8, Time: 1, Threads: 1}, Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		c.AppPasswords = svc
	})
	env.policy = wstrust.AppPassword
	env.enroll(t, aliceImmID, aliceUPN)
	created, err := svc.Create(t.Context(), aliceImmID, "Outlook 2010")
	if err != nil {
		t.Fatal(err)
	}
	other, err := svc.Create(t.Context(), bobImmID, "bob's phone")
	if err != nil {
		t.Fatal(err)
	}

	post := func(user, password string) *result {
		return env.post(t, wstrust.Trust13, bytes.NewReader(env.msal(wstrust.Trust13, user, password).bytes()))
	}
	t.Run("app password gets a token without MFA", func(t *testing.T) {
		got := env.checkToken(t, post(aliceUPN, created.Password))
		if got.UPN != aliceUPN || got.MFA {
			t.Fatalf("token for %s MFA=%v, want %s without MFA", got.UPN, got.MFA, aliceUPN)
		}
		list, err := svc.List(t.Context(), aliceImmID)
		if err != nil || len(list) != 1 || !list[0].LastUsedAt.Equal(env.clock.Now().UTC()) {
			t.Fatalf("List = %+v, %v; want last use recorded", list, err)
		}
	})
	t.Run("directory password is refused", func(t *testing.T) {
		assertFault(t, post(aliceUPN, alicePass), 500, "s:Sender", wstrust.NSTrust13, "FailedAuthentication", "MSIS7068: Access denied.")
	})
	t.Run("another user's app password is refused", func(t *testing.T) {
		assertFault(t, post(aliceUPN, other.Password), 500, "s:Sender", wstrust.NSTrust13, "FailedAuthentication", "MSIS7068: Access denied.")
	})
	t.Run("revoked app password is refused", func(t *testing.T) {
		if ok, err := svc.Revoke(t.Context(), aliceImmID, created.ID); err != nil || !ok {
			t.Fatalf("Revoke = %v, %v", ok, err)
		}
		assertFault(t, post(aliceUPN, created.Password), 500, "s:Sender", wstrust.NSTrust13, "FailedAuthentication", "MSIS7068: Access denied.")
	})
}
