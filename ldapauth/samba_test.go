package ldapauth_test

// The Samba AD suite: the same client against a real Samba 4 AD DC started
// by deploy/samba-ad-lab.sh. Every test runs only when FEDGATE_AD_ENV names
// the lab's env file (see package adlab); `make test-ad` and .ci/run set it.
// Test names state the AD behaviour each one proves.

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/adlab"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

// sambaClient returns a Client for the lab (LDAPS), adjusted by mutate.
func sambaClient(t *testing.T, env *adlab.Env, mutate func(*ldapauth.Config)) *ldapauth.Client {
	t.Helper()
	cfg := env.Config()
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := ldapauth.New(cfg)
	if err != nil {
		t.Fatalf("ldapauth.New: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// labUser is one account of deploy/samba-ad-lab.sh.
func labUser(env *adlab.Env, sam string) (upn, password string) {
	return sam + "@" + env.UPNSuffix, env.Password(sam)
}

// sambaAddr is the lab DC's LDAPS host:port, as a Relay target.
func sambaAddr(t *testing.T, env *adlab.Env) string {
	t.Helper()
	u, err := url.Parse(env.LDAPSURL)
	if err != nil {
		t.Fatalf("LDAPS URL: %v", err)
	}
	return u.Host
}

func TestSamba_GoodPasswordSignsInByUPNDownLevelNameAndMail(t *testing.T) {
	env := adlab.Require(t)
	c := sambaClient(t, env, func(cfg *ldapauth.Config) { cfg.AlternateLoginID = "mail" })
	upn, pw := labUser(env, "alice")
	for _, name := range []string{upn, env.Domain + `\alice`, "alice.mail@" + env.UPNSuffix} {
		t.Run(name, func(t *testing.T) {
			u, err := c.Authenticate(t.Context(), name, pw)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if u.UPN != upn || u.SAMAccountName != "alice" || !strings.HasSuffix(u.DN, ",CN=Users,"+env.BaseDN) ||
				u.Mail != "alice.mail@"+env.UPNSuffix || u.UserAccountControl&2 != 0 || len(u.ObjectGUID) != 16 {
				t.Errorf("user = %+v", u)
			}
		})
	}
}

func TestSamba_BindDiagnosticsMapToReasons(t *testing.T) {
	env := adlab.Require(t)
	c := sambaClient(t, env, nil)
	_, alicePw := labUser(env, "alice")
	tests := []struct {
		name, user, password string
		want                 ldapauth.Reason
		code                 string
	}{
		{"52e wrong password", "alice", "Wrong-Passw0rd!", ldapauth.ReasonBadPassword, "52e"},
		{"533 disabled account", "carol", env.Password("carol"), ldapauth.ReasonDisabled, "533"},
		{"701 expired account", "erin", env.Password("erin"), ldapauth.ReasonAccountExpired, "701"},
		{"773 must change password", "dave", env.Password("dave"), ldapauth.ReasonMustChangePassword, "773"},
		{"775 locked out (by the lab script)", "frank", env.Password("frank"), ldapauth.ReasonLockedOut, "775"},
		// Samba answers 52e for unknown names (see TestSamba_UnknownDNBindIs52eNot525);
		// the service-account search finds nobody first, AD's 525 meaning.
		{"unknown user: search finds nobody", "nobody@" + env.UPNSuffix, alicePw, ldapauth.ReasonNoSuchUser, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := c.Authenticate(t.Context(), tt.user, tt.password)
			if u != nil {
				t.Fatalf("got user %+v", u)
			}
			e := asError(t, err, tt.want)
			code, reason, _ := ldapauth.ParseDiagnostic(e.Diagnostic)
			if code != tt.code {
				t.Errorf("Diagnostic %q has code %q, want %q", e.Diagnostic, code, tt.code)
			}
			if tt.code != "" && (reason != tt.want || e.DC != env.LDAPSURL || !strings.Contains(e.Diagnostic, "AcceptSecurityContext")) {
				t.Errorf("error = %+v", e)
			}
		})
	}
	// A good password resets AD's bad-password count, so reruns never
	// lock alice out.
	if _, err := c.Authenticate(t.Context(), "alice@"+env.UPNSuffix, alicePw); err != nil {
		t.Errorf("Authenticate after one wrong password: %v", err)
	}
}

func TestSamba_UnknownDNBindIs52eNot525(t *testing.T) {
	env := adlab.Require(t)
	conn, err := ldap.DialURL(env.LDAPSURL, ldap.DialWithTLSConfig(env.TLSConfig()))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	err = conn.Bind("CN=nobody,CN=Users,"+env.BaseDN, "Any-Passw0rd!")
	var le *ldap.Error
	if !errors.As(err, &le) || le.ResultCode != ldap.LDAPResultInvalidCredentials {
		t.Fatalf("bind as an unknown DN: %v, want result 49", err)
	}
	// Samba cannot produce 525 (nor 530, 531, 532); those mappings are
	// unit-tested on captured Windows diagnostics (TestParseDiagnostic).
	if code, _, _ := ldapauth.ParseDiagnostic(le.Err.Error()); code != "52e" {
		t.Errorf("diagnostic %q: code %q, want 52e", le.Err, code)
	}
}

func TestSamba_ADLocksOutAfterThresholdBadPasswords(t *testing.T) {
	env := adlab.Require(t)
	c := sambaClient(t, env, nil)
	upn, pw := labUser(env, "bob")
	bob, err := c.Lookup(t.Context(), upn)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	unlock := func() {
		t.Helper()
		if err := env.Unlock(t.Context(), bob.DN); err != nil {
			t.Fatalf("unlock bob: %v", err)
		}
	}
	unlock()           // a previous, interrupted run may have left him locked
	t.Cleanup(func() { // t.Context() is already cancelled here
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := env.Unlock(ctx, bob.DN); err != nil {
			t.Errorf("unlock bob: %v", err)
		}
	})
	if _, err := c.Authenticate(t.Context(), upn, pw); err != nil { // resets badPwdCount
		t.Fatalf("Authenticate before the lockout: %v", err)
	}

	for i := 1; i <= env.LockoutThreshold; i++ {
		_, err := c.Authenticate(t.Context(), upn, "Wrong-Passw0rd!")
		asError(t, err, ldapauth.ReasonBadPassword)
	}
	// AD now refuses even the right password, with 775.
	_, err = c.Authenticate(t.Context(), upn, pw)
	e := asError(t, err, ldapauth.ReasonLockedOut)
	if code, _, _ := ldapauth.ParseDiagnostic(e.Diagnostic); code != "775" {
		t.Errorf("Diagnostic = %q, want data 775", e.Diagnostic)
	}

	unlock()
	if _, err := c.Authenticate(t.Context(), upn, pw); err != nil {
		t.Errorf("Authenticate after an administrator unlock: %v", err)
	}
}

func TestSamba_LDAPSAndStartTLSBothSignIn(t *testing.T) {
	env := adlab.Require(t)
	upn, pw := labUser(env, "alice")
	tests := []struct {
		name   string
		mutate func(*ldapauth.Config)
	}{
		{"LDAPS on 636", nil},
		{"StartTLS on 389", func(cfg *ldapauth.Config) { cfg.URLs = []string{env.StartTLSURL}; cfg.StartTLS = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sambaClient(t, env, tt.mutate)
			_, err := c.Authenticate(t.Context(), upn, "Wrong-Passw0rd!")
			asError(t, err, ldapauth.ReasonBadPassword)
			if _, err := c.Authenticate(t.Context(), upn, pw); err != nil { // also resets badPwdCount
				t.Fatalf("Authenticate: %v", err)
			}
		})
	}
}

func TestSamba_PlaintextSimpleBindIsRefusedByTheDC(t *testing.T) {
	env := adlab.Require(t)
	c := sambaClient(t, env, func(cfg *ldapauth.Config) {
		cfg.URLs = []string{env.StartTLSURL}
		cfg.InsecurePlaintextLDAP = true
	})
	upn, pw := labUser(env, "alice")
	_, err := c.Authenticate(t.Context(), upn, pw)
	e := asError(t, err, ldapauth.ReasonUnavailable)
	if !ldap.IsErrorWithCode(err, ldap.LDAPResultStrongAuthRequired) {
		t.Errorf("error %v, want result 8 strongAuthRequired (%q)", err, e.Diagnostic)
	}
}

func TestSamba_WrongCAIsRefusedBeforeAnyBind(t *testing.T) {
	env := adlab.Require(t)
	stranger := ldaptest.NewT(t).RootCAs() // a CA that did not issue the DC's certificate
	upn, pw := labUser(env, "alice")
	for _, tt := range []struct {
		name   string
		mutate func(*ldapauth.Config)
	}{
		{"LDAPS", func(cfg *ldapauth.Config) { cfg.RootCAs = stranger }},
		{"StartTLS", func(cfg *ldapauth.Config) {
			cfg.RootCAs = stranger
			cfg.URLs = []string{env.StartTLSURL}
			cfg.StartTLS = true
		}},
		{"name not in the certificate", func(cfg *ldapauth.Config) { cfg.ServerName = "dc9.fabrikam.test" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := sambaClient(t, env, tt.mutate)
			_, err := c.Authenticate(t.Context(), upn, pw)
			asError(t, err, ldapauth.ReasonUnavailable)
			var verr *tls.CertificateVerificationError
			if !errors.As(err, &verr) {
				t.Errorf("error %v does not carry the certificate verification failure", err)
			}
		})
	}
}

func TestSamba_FailsOverFromADeadFirstDCAddress(t *testing.T) {
	env := adlab.Require(t)
	dead := closedPortURL(t)
	c := sambaClient(t, env, func(cfg *ldapauth.Config) { cfg.URLs = []string{dead, env.LDAPSURL} })
	upn, pw := labUser(env, "alice")
	for range 3 {
		if _, err := c.Authenticate(t.Context(), upn, pw); err != nil {
			t.Fatalf("Authenticate with a dead first DC: %v", err)
		}
	}
	if got := dcOfBind(t, c, env); got != env.LDAPSURL {
		t.Errorf("DC = %s, want the live %s", got, env.LDAPSURL)
	}
}

func TestSamba_ReturnsToTheFirstDCWhenItComesBack(t *testing.T) {
	env := adlab.Require(t)
	first := ldaptest.NewRelayT(t, sambaAddr(t, env))
	firstURL := "ldaps://" + first.Addr()
	clock := newTestClock()
	c := sambaClient(t, env, func(cfg *ldapauth.Config) {
		cfg.URLs = []string{firstURL, env.LDAPSURL}
		cfg.Now = clock.Now
	})
	if got := dcOfBind(t, c, env); got != firstURL {
		t.Fatalf("DC = %s, want the first %s", got, firstURL)
	}
	first.Down()
	if got := dcOfBind(t, c, env); got != env.LDAPSURL {
		t.Fatalf("first DC down: DC = %s, want %s", got, env.LDAPSURL)
	}
	if err := first.Up(); err != nil {
		t.Fatalf("Up: %v", err)
	}
	clock.Advance(ldapauth.DefaultRetryInterval)
	dcOfBind(t, c, env) // starts the background probe
	ldapauth.WaitForProbes(c)
	if got := dcOfBind(t, c, env); got != firstURL {
		t.Errorf("after the first DC came back: DC = %s, want %s", got, firstURL)
	}
}

func TestSamba_BadPasswordNeverFailsOver(t *testing.T) {
	env := adlab.Require(t)
	second := ldaptest.NewRelayT(t, sambaAddr(t, env))
	c := sambaClient(t, env, func(cfg *ldapauth.Config) { cfg.URLs = []string{env.LDAPSURL, "ldaps://" + second.Addr()} })
	upn, _ := labUser(env, "alice")
	_, err := c.Authenticate(t.Context(), upn, "Wrong-Passw0rd!")
	if got := asError(t, err, ldapauth.ReasonBadPassword).DC; got != env.LDAPSURL {
		t.Errorf("DC = %s, want the first", got)
	}
	if _, err := c.Authenticate(t.Context(), upn, env.Password("alice")); err != nil { // resets badPwdCount
		t.Errorf("Authenticate: %v", err)
	}
	if n := second.Accepted(); n != 0 {
		t.Errorf("a bad password made the client contact the second DC (%d connections)", n)
	}
}

// dcOfBind returns the DC that answered a user bind: it signs in as
// frank, whom the lab script locked out for good, so the DC answers 775
// and names itself without counting a bad password against anyone.
func dcOfBind(t *testing.T, c *ldapauth.Client, env *adlab.Env) string {
	t.Helper()
	upn, pw := labUser(env, "frank")
	_, err := c.Authenticate(t.Context(), upn, pw)
	return asError(t, err, ldapauth.ReasonLockedOut).DC
}

func TestSamba_NestedGroupMembershipIsRead(t *testing.T) {
	env := adlab.Require(t)
	group := func(cn string) string { return "CN=" + cn + ",CN=Users," + env.BaseDN }
	finance, o365, domainUsers := group("Finance"), group("O365 Users"), group("Domain Users")
	builtinUsers := "CN=Users,CN=Builtin," + env.BaseDN
	tests := []struct {
		mode string
		want []string
	}{
		// tokenGroups: security groups, nested, with the primary group and
		// the domain-local BUILTIN\Users.
		{ldapauth.GroupLookupTokenGroups, []string{finance, o365, domainUsers, builtinUsers}},
		{ldapauth.GroupLookupInChain, []string{finance, o365}},
		{ldapauth.GroupLookupMemberOf, []string{finance}},
	}
	upn, pw := labUser(env, "alice")
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			c := sambaClient(t, env, func(cfg *ldapauth.Config) { cfg.GroupLookup = tt.mode })
			u, err := c.Authenticate(t.Context(), upn, pw)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.EqualFunc(u.Groups, want, strings.EqualFold) {
				t.Errorf("Groups = %q, want %q", u.Groups, want)
			}
		})
	}
}

func TestSamba_ImmutableIDFromObjectGUIDOrConsistencyGuid(t *testing.T) {
	env := adlab.Require(t)
	// The raw objectGUID as the service account reads it.
	conn, err := ldap.DialURL(env.LDAPSURL, ldap.DialWithTLSConfig(env.TLSConfig()))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	if err := conn.Bind(env.BindDN, env.BindPassword); err != nil {
		t.Fatalf("bind: %v", err)
	}
	res, err := conn.Search(ldap.NewSearchRequest(env.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		1, 0, false, "(sAMAccountName=alice)", []string{"objectGUID"}, nil))
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("search alice: %v", err)
	}
	aliceGUID := base64.StdEncoding.EncodeToString(res.Entries[0].GetRawAttributeValue("objectGUID"))

	tests := []struct {
		name, source, user, want string
	}{
		{"objectGUID by default", "", "alice", aliceGUID},
		{"mS-DS-ConsistencyGuid when set", ldapauth.ImmutableIDConsistencyGUID, "bob", base64.StdEncoding.EncodeToString([]byte("fedgate-lab-guid"))},
		{"objectGUID when mS-DS-ConsistencyGuid is empty", ldapauth.ImmutableIDConsistencyGUID, "alice", aliceGUID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sambaClient(t, env, func(cfg *ldapauth.Config) { cfg.ImmutableIDSource = tt.source })
			upn, _ := labUser(env, tt.user)
			u, err := c.Lookup(t.Context(), upn)
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			if u.ImmutableID != tt.want {
				t.Errorf("ImmutableID = %q, want %q", u.ImmutableID, tt.want)
			}
		})
	}
}

func TestSamba_FilterInjectionMatchesNothing(t *testing.T) {
	env := adlab.Require(t)
	c := sambaClient(t, env, func(cfg *ldapauth.Config) { cfg.AlternateLoginID = "mail" })
	_, alicePw := labUser(env, "alice")
	inputs := []string{
		"*", "al*", "*@" + env.UPNSuffix, "*)(sAMAccountName=*", "alice)(|(sAMAccountName=*",
		"*)(|(objectClass=*", `\2a`, "alice\x00", "alice\x00x", env.Domain + `\*`, "tri*", "tri\\2acky(1)@" + env.UPNSuffix,
	}
	for _, in := range inputs {
		t.Run(in, func(t *testing.T) {
			u, err := c.Authenticate(t.Context(), in, alicePw)
			if u != nil {
				t.Fatalf("input %q signed in as %s", in, u.DN)
			}
			asError(t, err, ldapauth.ReasonNoSuchUser)
		})
	}
	t.Run("metacharacters in a real UPN match literally", func(t *testing.T) {
		u, err := c.Authenticate(t.Context(), "tri*cky(1)@"+env.UPNSuffix, env.Password("tricky"))
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		if u.SAMAccountName != "tricky" {
			t.Errorf("signed in as %q", u.SAMAccountName)
		}
	})
}

// TestSamba_PoolSurvivesDCDroppingConnections shows the pool replacing
// connections the DC (here: the path to it) closed behind its back.
func TestSamba_PoolSurvivesDCDroppingConnections(t *testing.T) {
	env := adlab.Require(t)
	path := ldaptest.NewRelayT(t, sambaAddr(t, env))
	c := sambaClient(t, env, func(cfg *ldapauth.Config) { cfg.URLs = []string{"ldaps://" + path.Addr()} })
	upn, pw := labUser(env, "alice")
	for round := range 3 {
		if _, err := c.Authenticate(t.Context(), upn, pw); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		path.Down() // cuts every pooled connection
		if err := path.Up(); err != nil {
			t.Fatalf("Up: %v", err)
		}
	}
}

// TestSamba_ReadDomainLockoutPolicyMatchesTheLab reads the policy that
// deploy/samba-ad-lab.sh sets with samba-tool: threshold 5 (the env
// file's FEDGATE_AD_LOCKOUT_THRESHOLD), counter reset after 30 minutes and
// lockout until an administrator unlocks (duration 0, stored as -2^63).
// Reading it binds as nobody but the service account and locks nothing.
func TestSamba_ReadDomainLockoutPolicyMatchesTheLab(t *testing.T) {
	env := adlab.Require(t)
	want := ldapauth.DomainLockoutPolicy{Threshold: env.LockoutThreshold, ObservationWindow: 30 * time.Minute, Duration: 0}
	for _, tt := range []struct {
		name   string
		mutate func(*ldapauth.Config)
	}{
		{"LDAPS, base DN is the domain", nil},
		{"StartTLS, base DN below the domain", func(cfg *ldapauth.Config) {
			cfg.URLs, cfg.StartTLS, cfg.BaseDN = []string{env.StartTLSURL}, true, "CN=Users,"+env.BaseDN
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sambaClient(t, env, tt.mutate).ReadDomainLockoutPolicy(t.Context())
			if err != nil {
				t.Fatalf("ReadDomainLockoutPolicy: %v", err)
			}
			if got != want {
				t.Fatalf("policy = %+v, want %+v", got, want)
			}
		})
	}
}

// TestSamba_LookupObjectGUIDsFindsAccountsByStoredGUID: the lockout key
// (base64 objectGUID) of a lab user leads back to the user.
func TestSamba_LookupObjectGUIDsFindsAccountsByStoredGUID(t *testing.T) {
	env := adlab.Require(t)
	c := sambaClient(t, env, nil)
	var guids [][]byte
	want := map[string]bool{}
	for _, sam := range []string{"alice", "bob", "tricky"} {
		u, err := c.Resolve(t.Context(), sam)
		if err != nil {
			t.Fatalf("Resolve(%s): %v", sam, err)
		}
		guids = append(guids, u.ObjectGUID)
		want[u.UPN] = true
	}
	guids = append(guids, make([]byte, 16)) // no such account
	got, err := c.LookupObjectGUIDs(t.Context(), guids)
	if err != nil {
		t.Fatalf("LookupObjectGUIDs: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("found %d accounts, want %d", len(got), len(want))
	}
	for _, u := range got {
		if !want[u.UPN] || base64.StdEncoding.EncodeToString(u.ObjectGUID) != u.ImmutableID {
			t.Errorf("unexpected user %+v", u)
		}
	}
}
