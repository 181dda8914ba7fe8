package ldapauth_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

const (
	financeDN = "CN=Finance,CN=Users,DC=contoso,DC=com"
	allStaff  = "CN=All Staff,OU=Groups,DC=contoso,DC=com"
)

// nestedDirectory serves Contoso with alice only in Finance, Finance in
// O365 Users, O365 Users in All Staff (and back: a cycle), like the Samba
// lab's nesting.
func nestedDirectory(t *testing.T, mutate func(*ldaptest.Config)) *ldaptest.Directory {
	t.Helper()
	users := ldaptest.Contoso()
	users[0].MemberOf = []string{financeDN}
	cfg := ldaptest.Config{
		Users: users,
		Groups: []ldaptest.Group{
			{DN: financeDN, MemberOf: []string{ldaptest.O365UsersGroup}},
			{DN: ldaptest.O365UsersGroup, MemberOf: []string{allStaff}},
			{DN: allStaff, MemberOf: []string{financeDN}},
		},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	return ldaptest.StartT(t, cfg)
}

func TestGroups_NestedMembershipPerLookupMode(t *testing.T) {
	d := nestedDirectory(t, nil)
	tests := []struct {
		mode string
		want []string
	}{
		{"", []string{allStaff, ldaptest.DomainUsersGroup, financeDN, ldaptest.O365UsersGroup}}, // token_groups
		{ldapauth.GroupLookupTokenGroups, []string{allStaff, ldaptest.DomainUsersGroup, financeDN, ldaptest.O365UsersGroup}},
		{ldapauth.GroupLookupInChain, []string{allStaff, financeDN, ldaptest.O365UsersGroup}}, // no primary group
		{ldapauth.GroupLookupMemberOf, []string{financeDN}},                                   // direct only
	}
	for _, tt := range tests {
		t.Run("mode "+tt.mode, func(t *testing.T) {
			c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.GroupLookup = tt.mode })
			u, err := c.Authenticate(t.Context(), "alice@contoso.com", alicePassword)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if !slices.Equal(u.Groups, tt.want) {
				t.Errorf("Groups = %q, want %q", u.Groups, tt.want)
			}
			lu, err := c.Lookup(t.Context(), "alice")
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			if !slices.Equal(lu.Groups, tt.want) {
				t.Errorf("Lookup Groups = %q, want %q", lu.Groups, tt.want)
			}
		})
	}
}

func TestGroups_NotReturnedAfterAFailedBind(t *testing.T) {
	d := nestedDirectory(t, nil)
	c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.MaxGroups = 1 })
	// Too many groups and a wrong password: the bind result wins.
	u, err := c.Authenticate(t.Context(), "alice", "wrong")
	if u != nil {
		t.Fatalf("got user %+v", u)
	}
	asError(t, err, ldapauth.ReasonBadPassword)
}

func TestGroups_MoreThanMaxGroupsFailsClosed(t *testing.T) {
	d := nestedDirectory(t, nil)
	for _, mode := range []string{ldapauth.GroupLookupTokenGroups, ldapauth.GroupLookupInChain} {
		t.Run(mode, func(t *testing.T) {
			c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.GroupLookup = mode; cfg.MaxGroups = 2 })
			u, err := c.Authenticate(t.Context(), "alice", alicePassword)
			if u != nil {
				t.Fatalf("got user %+v", u)
			}
			e := asError(t, err, ldapauth.ReasonUnknown)
			if !strings.Contains(e.Error(), "more than 2 groups") {
				t.Errorf("error %q does not name the limit", e)
			}
		})
	}
	t.Run("at the limit", func(t *testing.T) {
		c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.MaxGroups = 4 })
		if _, err := c.Authenticate(t.Context(), "alice", alicePassword); err != nil {
			t.Fatalf("Authenticate with exactly MaxGroups groups: %v", err)
		}
	})
}

func TestGroups_UnreadableTokenGroupsIsUnavailable(t *testing.T) {
	d := nestedDirectory(t, func(cfg *ldaptest.Config) { cfg.HideTokenGroups = true })
	c := newClient(t, d, nil)
	_, err := c.Authenticate(t.Context(), "alice", alicePassword)
	e := asError(t, err, ldapauth.ReasonUnavailable)
	if !strings.Contains(e.Error(), "GroupLookup") {
		t.Errorf("error %q does not say how to fix it", e)
	}
	c = newClient(t, d, func(cfg *ldapauth.Config) { cfg.GroupLookup = ldapauth.GroupLookupInChain })
	if _, err := c.Authenticate(t.Context(), "alice", alicePassword); err != nil {
		t.Errorf("in_chain does not need tokenGroups: %v", err)
	}
}

func TestImmutableID_SourceConsistencyGuidFallsBackToObjectGUID(t *testing.T) {
	users := ldaptest.Contoso()
	users[1].ConsistencyGUID = []byte("fedgate-lab-guid")
	d := ldaptest.NewT(t, users...)
	tests := []struct {
		name, source, user, want string
		wantConsistency          bool
	}{
		{"default objectGUID ignores ConsistencyGuid", "", "bob", "JLX2E74/mk2m9Jf30wGM3Q==", false},
		{"ConsistencyGuid set", ldapauth.ImmutableIDConsistencyGUID, "bob", "ZmVkZ2F0ZS1sYWItZ3VpZA==", true},
		{"ConsistencyGuid empty: objectGUID", ldapauth.ImmutableIDConsistencyGUID, "alice", "RW+aKiwLHUqeP11se4qfAQ==", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.ImmutableIDSource = tt.source })
			u, err := c.Lookup(t.Context(), tt.user)
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			if u.ImmutableID != tt.want {
				t.Errorf("ImmutableID = %q, want %q", u.ImmutableID, tt.want)
			}
			if (u.ConsistencyGUID != nil) != tt.wantConsistency {
				t.Errorf("ConsistencyGUID = %q", u.ConsistencyGUID)
			}
		})
	}
}

func TestAlternateLoginID_MailSignsInAndStaysEscapedOnce(t *testing.T) {
	users := ldaptest.Contoso()
	users[0].Mail = "alice.mail@contoso.com"
	d := ldaptest.NewT(t, users...)
	c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.AlternateLoginID = "mail" })
	for _, name := range []string{"alice.mail@contoso.com", "alice@contoso.com", `CORP\alice`} {
		t.Run(name, func(t *testing.T) {
			u, err := c.Authenticate(t.Context(), name, alicePassword)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if u.UPN != "alice@contoso.com" {
				t.Errorf("UPN = %q", u.UPN)
			}
		})
	}
	t.Run("injection", func(t *testing.T) {
		_, err := c.Authenticate(t.Context(), "*)(mail=*", alicePassword)
		asError(t, err, ldapauth.ReasonNoSuchUser)
		const lit = `\2a\29\28mail=\2a`
		want := "(&(objectClass=user)(|(userPrincipalName=" + lit + ")(sAMAccountName=" + lit + ")(mail=" + lit + ")))"
		if got := d.LastFilter(); got != want {
			t.Errorf("filter sent = %s, want %s", got, want)
		}
	})
	t.Run("mail equal to another user's UPN is ambiguous", func(t *testing.T) {
		users := ldaptest.Contoso()
		users[0].Mail = "bob@contoso.com"
		d := ldaptest.NewT(t, users...)
		c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.AlternateLoginID = "mail" })
		_, err := c.Authenticate(t.Context(), "bob@contoso.com", "Bob-Passw0rd!")
		asError(t, err, ldapauth.ReasonAmbiguousUser)
	})
}

func TestGroups_SIDTranslationsAreCachedForFiveMinutes(t *testing.T) {
	d := nestedDirectory(t, nil)
	clock := newTestClock()
	c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.Now = clock.Now })
	searches := func() int64 {
		t.Helper()
		before := d.Searches()
		u, err := c.Authenticate(t.Context(), "alice", alicePassword)
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		if len(u.Groups) != 4 {
			t.Fatalf("Groups = %q", u.Groups)
		}
		return d.Searches() - before
	}
	if got := searches(); got != 3 { // user, tokenGroups, resolve
		t.Errorf("first sign-in: %d searches, want 3", got)
	}
	if got := searches(); got != 2 { // membership is still read live
		t.Errorf("cached: %d searches, want 2", got)
	}
	clock.Advance(5 * time.Minute)
	if got := searches(); got != 3+2 { // resolve again, plus two idle checks
		t.Errorf("after 5 minutes: %d searches, want 5", got)
	}
}

func TestResolve_IsOneSearchWithoutGroups(t *testing.T) {
	d := nestedDirectory(t, nil)
	c := newClient(t, d, nil)
	if _, err := c.Resolve(t.Context(), "bob"); err != nil { // warm the search pool
		t.Fatalf("Resolve: %v", err)
	}
	searches, binds := d.Searches(), d.Binds()
	u, err := c.Resolve(t.Context(), "  ALICE@contoso.com ")
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if u.DN != aliceDN || u.ImmutableID != "RW+aKiwLHUqeP11se4qfAQ==" || u.Groups != nil {
		t.Errorf("Resolve = %+v", u)
	}
	if d.Searches()-searches != 1 || d.Binds() != binds {
		t.Errorf("Resolve issued %d searches and %d binds, want 1 and 0", d.Searches()-searches, d.Binds()-binds)
	}
	_, err = c.Resolve(t.Context(), "nobody")
	asError(t, err, ldapauth.ReasonNoSuchUser)
}
