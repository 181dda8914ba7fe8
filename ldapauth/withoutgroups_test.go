package ldapauth_test

import (
	"errors"
	"testing"

	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

// TestAuthenticate_WithoutGroups: under WithoutGroups a sign-in is one
// search and one bind, returns no groups, and fails exactly like a full
// sign-in; without it the groups come back with the user.
func TestAuthenticate_WithoutGroups(t *testing.T) {
	d := ldaptest.NewT(t, testUsers()...)
	c := newClient(t, d, nil)
	if _, err := c.Authenticate(t.Context(), "alice@contoso.com", alicePassword); err != nil { // warm the pools
		t.Fatal(err)
	}

	searches, binds := d.Searches(), d.Binds()
	u, err := c.Authenticate(ldapauth.WithoutGroups(t.Context()), "alice@contoso.com", alicePassword)
	if err != nil {
		t.Fatal(err)
	}
	if u.Groups != nil || u.DN != aliceDN || u.ImmutableID == "" {
		t.Errorf("user = %+v, want alice without groups", u)
	}
	if s, b := d.Searches()-searches, d.Binds()-binds; s != 1 || b != 1 {
		t.Errorf("%d searches and %d binds, want 1 and 1", s, b)
	}

	_, err = c.Authenticate(ldapauth.WithoutGroups(t.Context()), "alice@contoso.com", "wrong")
	var le *ldapauth.Error
	if !errors.As(err, &le) || le.Reason != ldapauth.ReasonBadPassword || le.UserDN != aliceDN {
		t.Errorf("bad password: %v, want ReasonBadPassword for %s", err, aliceDN)
	}

	full, err := c.Authenticate(t.Context(), "alice@contoso.com", alicePassword)
	if err != nil || len(full.Groups) == 0 {
		t.Fatalf("full sign-in: %+v, %v; want groups", full, err)
	}
}
