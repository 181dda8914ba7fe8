package ldapauth_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

const (
	alicePassword = "Alice-Passw0rd!"
	aliceDN       = "CN=Alice Anderson,CN=Users,DC=contoso,DC=com"
)

// testUsers is Contoso() plus one account per remaining AD state and a
// UTF-8 name.
func testUsers() []ldaptest.User {
	mk := func(sam string, set func(*ldaptest.User)) ldaptest.User {
		u := ldaptest.User{
			DN:             "CN=" + sam + ",CN=Users,DC=contoso,DC=com",
			UPN:            sam + "@contoso.com",
			SAMAccountName: sam,
			Password:       "Pw-" + sam,
		}
		set(&u)
		return u
	}
	return append(ldaptest.Contoso(),
		mk("erin", func(u *ldaptest.User) { u.MustChangePassword = true }),
		mk("frank", func(u *ldaptest.User) { u.LockedOut = true }),
		mk("grace", func(u *ldaptest.User) { u.AccountExpired = true }),
		mk("zoë", func(*ldaptest.User) {}),
	)
}

// newClient returns a Client for d, with cfg adjusted by mutate, closed at
// test end.
func newClient(t testing.TB, d *ldaptest.Directory, mutate func(*ldapauth.Config)) *ldapauth.Client {
	t.Helper()
	cfg := d.ClientConfig()
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

// asError asserts err is an *ldapauth.Error with the given reason and the
// matching sentinel.
func asError(t *testing.T, err error, want ldapauth.Reason) *ldapauth.Error {
	t.Helper()
	var e *ldapauth.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not *ldapauth.Error", err, err)
	}
	if e.Reason != want {
		t.Fatalf("Reason = %v, want %v (err: %v)", e.Reason, want, err)
	}
	credential := want.IsCredentialFailure()
	if got := errors.Is(err, ldapauth.ErrInvalidCredentials); got != credential {
		t.Errorf("errors.Is(err, ErrInvalidCredentials) = %v, want %v", got, credential)
	}
	if got := errors.Is(err, ldapauth.ErrUnavailable); got != (want == ldapauth.ReasonUnavailable) {
		t.Errorf("errors.Is(err, ErrUnavailable) = %v", got)
	}
	return e
}

func TestAuthenticate_GoodLogin(t *testing.T) {
	d := ldaptest.NewT(t, testUsers()...)
	c := newClient(t, d, nil)
	for _, name := range []string{"alice@contoso.com", `CORP\alice`, "alice", "ALICE@CONTOSO.COM", `contoso.com\alice`} {
		t.Run(name, func(t *testing.T) {
			u, err := c.Authenticate(t.Context(), name, alicePassword)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if u.DN != aliceDN || u.UPN != "alice@contoso.com" || u.SAMAccountName != "alice" ||
				u.DisplayName != "Alice Anderson" || u.Mail != "alice@contoso.com" || u.UserAccountControl != 512 {
				t.Errorf("user = %+v", u)
			}
			if want := []string{ldaptest.DomainUsersGroup, ldaptest.O365UsersGroup}; !slices.Equal(u.Groups, want) {
				t.Errorf("Groups = %q, want %q", u.Groups, want)
			}
		})
	}
	t.Run("UTF-8 name", func(t *testing.T) {
		if _, err := c.Authenticate(t.Context(), "zoë@contoso.com", "Pw-zoë"); err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
	})
}

func TestAuthenticate_ImmutableIDIsBase64OfStoredGUID(t *testing.T) {
	d := ldaptest.NewT(t)
	c := newClient(t, d, nil)
	tests := []struct{ user, password, want string }{
		// o365-reference §4: raw 45 6f 9a 2a 2c 0b 1d 4a 9e 3f 5d 6c 7b 8a 9f 01
		{"alice@contoso.com", alicePassword, "RW+aKiwLHUqeP11se4qfAQ=="},
		{"bob@contoso.com", "Bob-Passw0rd!", "JLX2E74/mk2m9Jf30wGM3Q=="},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			u, err := c.Authenticate(t.Context(), tt.user, tt.password)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if u.ImmutableID != tt.want {
				t.Errorf("ImmutableID = %q, want %q", u.ImmutableID, tt.want)
			}
			if len(u.ObjectGUID) != 16 {
				t.Errorf("ObjectGUID has %d bytes", len(u.ObjectGUID))
			}
		})
	}
}

func TestAuthenticate_FailureReasons(t *testing.T) {
	d := ldaptest.NewT(t, testUsers()...)
	c := newClient(t, d, nil)
	tests := []struct {
		name, user, password string
		want                 ldapauth.Reason
		wantCode             string
	}{
		{"bad password", "alice@contoso.com", "wrong", ldapauth.ReasonBadPassword, "52e"},
		{"disabled", "carol@contoso.com", "Carol-Passw0rd!", ldapauth.ReasonDisabled, "533"},
		{"password expired", "dave@contoso.com", "Dave-Passw0rd!", ldapauth.ReasonPasswordExpired, "532"},
		{"must change password", "erin", "Pw-erin", ldapauth.ReasonMustChangePassword, "773"},
		{"locked out", `CORP\frank`, "Pw-frank", ldapauth.ReasonLockedOut, "775"},
		{"account expired", "grace@contoso.com", "Pw-grace", ldapauth.ReasonAccountExpired, "701"},
		{"unknown user", "nobody@contoso.com", "whatever", ldapauth.ReasonNoSuchUser, ""},
		{"over-long password", "alice", strings.Repeat("p", ldapauth.MaxPasswordLen+1), ldapauth.ReasonBadPassword, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := c.Authenticate(t.Context(), tt.user, tt.password)
			if u != nil {
				t.Errorf("got user %+v on failure", u)
			}
			e := asError(t, err, tt.want)
			if code, _, _ := ldapauth.ParseDiagnostic(e.Diagnostic); code != tt.wantCode {
				t.Errorf("Diagnostic %q has code %q, want %q", e.Diagnostic, code, tt.wantCode)
			}
			if tt.wantCode != "" && e.DC != d.URL() {
				t.Errorf("DC = %q, want %q", e.DC, d.URL())
			}
			// Lockout counts against the account found, whatever was typed.
			if wantDN := tt.wantCode != ""; (e.UserDN != "") != wantDN || wantDN && !strings.HasPrefix(e.UserDN, "CN=") {
				t.Errorf("UserDN = %q", e.UserDN)
			}
		})
	}
}

func TestAuthenticate_EmptyPasswordIssuesNoBind(t *testing.T) {
	d := ldaptest.NewT(t)
	c := newClient(t, d, nil)
	for _, pw := range []string{"", "\x00", "\x00\x00\x00"} {
		binds, searches := d.Binds(), d.Searches()
		_, err := c.Authenticate(t.Context(), "alice@contoso.com", pw)
		asError(t, err, ldapauth.ReasonEmptyPassword)
		if d.Binds() != binds || d.Searches() != searches {
			t.Errorf("password %q: binds %d->%d, searches %d->%d; want no I/O", pw, binds, d.Binds(), searches, d.Searches())
		}
	}
}

func TestAuthenticate_InvalidUsernameIsRefusedBeforeIO(t *testing.T) {
	d := ldaptest.NewT(t)
	c := newClient(t, d, nil)
	for name, user := range map[string]string{
		"empty":        "",
		"too long":     strings.Repeat("a", ldapauth.MaxUsernameLen+1),
		"invalid UTF8": "alice\xff",
		"NUL":          "alice\x00",
		"only NUL":     "\x00",
	} {
		t.Run(name, func(t *testing.T) {
			searches := d.Searches()
			_, err := c.Authenticate(t.Context(), user, alicePassword)
			asError(t, err, ldapauth.ReasonNoSuchUser)
			if d.Searches() != searches {
				t.Error("a search was issued for an invalid username")
			}
		})
	}
}

func TestAuthenticate_FilterMetacharactersMatchNothing(t *testing.T) {
	d := ldaptest.NewT(t)
	c := newClient(t, d, nil)
	if _, err := c.Lookup(t.Context(), "alice"); err != nil { // warm the search pool
		t.Fatalf("Lookup: %v", err)
	}
	tests := []struct{ name, input, literal string }{
		{"star", "*", `\2a`},
		{"open paren", "(", `\28`},
		{"close paren", ")", `\29`},
		{"backslash", `\`, `\5c`},
		{"injection", "*)(uid=*", `\2a\29\28uid=\2a`},
		{"or-injection", "alice)(|(sAMAccountName=*", `alice\29\28|\28sAMAccountName=\2a`},
		{"prefix wildcard", "al*", `al\2a`},
		{"down-level wildcard", `CORP\*`, `\2a`},
		{"pre-escaped star", `\2a`, `\5c2a`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			searches, binds := d.Searches(), d.Binds()
			_, err := c.Authenticate(t.Context(), tt.input, alicePassword)
			asError(t, err, ldapauth.ReasonNoSuchUser)
			if got := d.Searches() - searches; got != 1 {
				t.Errorf("%d searches issued, want exactly 1", got)
			}
			if got := d.Binds() - binds; got != 0 {
				t.Errorf("%d binds issued, want 0", got)
			}
			want := "(&(objectClass=user)(|(userPrincipalName=" + tt.literal + ")(sAMAccountName=" + tt.literal + ")))"
			if got := d.LastFilter(); got != want {
				t.Errorf("filter sent = %s, want %s", got, want)
			}
		})
	}
}

func TestAuthenticate_AmbiguousUser(t *testing.T) {
	users := ldaptest.Contoso()
	users[1].Mail = users[0].Mail // alice and bob share a mail address
	d := ldaptest.NewT(t, users...)
	c := newClient(t, d, func(cfg *ldapauth.Config) {
		cfg.UserFilter = "(&(objectClass=user)(mail={username}))"
	})
	binds := d.Binds()
	_, err := c.Authenticate(t.Context(), "alice@contoso.com", alicePassword)
	asError(t, err, ldapauth.ReasonAmbiguousUser)
	if got := d.Binds() - binds; got != 1 { // the service bind only
		t.Errorf("%d binds issued, want only the service bind", got)
	}
}

func TestLookup_FindsUserWithoutBinding(t *testing.T) {
	d := ldaptest.NewT(t)
	c := newClient(t, d, nil)
	if _, err := c.Lookup(t.Context(), "bob"); err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	binds := d.Binds()
	u, err := c.Lookup(t.Context(), `CORP\alice`)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if u.DN != aliceDN || u.ImmutableID != "RW+aKiwLHUqeP11se4qfAQ==" {
		t.Errorf("Lookup = %+v", u)
	}
	if d.Binds() != binds {
		t.Error("Lookup issued a bind")
	}
	_, err = c.Lookup(t.Context(), "nobody")
	asError(t, err, ldapauth.ReasonNoSuchUser)
	// Lookup works for accounts that could not sign in.
	if _, err := c.Lookup(t.Context(), "carol"); err != nil {
		t.Errorf("Lookup(disabled carol): %v", err)
	}
}

// closedPortURL returns an ldaps:// URL on 127.0.0.1 where nothing listens.
func closedPortURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return "ldaps://" + addr
}

func TestAuthenticate_DirectoryDownIsUnavailable(t *testing.T) {
	t.Run("never reachable", func(t *testing.T) {
		d := ldaptest.NewT(t)
		c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.URLs = []string{closedPortURL(t)} })
		_, err := c.Authenticate(t.Context(), "alice", alicePassword)
		asError(t, err, ldapauth.ReasonUnavailable)
		if ldapauth.ReasonUnavailable.IsCredentialFailure() {
			t.Error("an outage counts as a credential failure")
		}
	})
	t.Run("goes down after use", func(t *testing.T) {
		d, err := ldaptest.Start(ldaptest.Config{Users: ldaptest.Contoso()})
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		c := newClient(t, d, nil)
		if _, err := c.Authenticate(t.Context(), "alice", alicePassword); err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		if err := d.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		_, err = c.Authenticate(t.Context(), "alice", alicePassword)
		asError(t, err, ldapauth.ReasonUnavailable)
		_, err = c.Lookup(t.Context(), "alice")
		asError(t, err, ldapauth.ReasonUnavailable)
	})
}

func TestAuthenticate_FailsOverFromDeadFirstURL(t *testing.T) {
	d := ldaptest.NewT(t)
	c := newClient(t, d, func(cfg *ldapauth.Config) {
		cfg.URLs = []string{closedPortURL(t), d.URL()}
	})
	for range 3 {
		if _, err := c.Authenticate(t.Context(), "alice@contoso.com", alicePassword); err != nil {
			t.Fatalf("Authenticate with a dead first DC: %v", err)
		}
	}
	_, err := c.Authenticate(t.Context(), "alice@contoso.com", "wrong")
	e := asError(t, err, ldapauth.ReasonBadPassword)
	if e.DC != d.URL() {
		t.Errorf("DC = %q, want the live %q", e.DC, d.URL())
	}
}

func TestAuthenticate_DoesNotFailOverOnBindResult(t *testing.T) {
	live := ldaptest.NewT(t)
	other := ldaptest.NewT(t, ldaptest.User{
		DN: aliceDN, UPN: "alice@contoso.com", SAMAccountName: "alice", Password: "other-password",
	})
	c := newClient(t, live, func(cfg *ldapauth.Config) { cfg.URLs = append(cfg.URLs, other.URL()) })
	_, err := c.Authenticate(t.Context(), "alice", "other-password")
	asError(t, err, ldapauth.ReasonBadPassword)
	if other.Binds() != 0 || other.Searches() != 0 {
		t.Error("a bind result made the client fail over to the second DC")
	}
}

func TestAuthenticate_WrongCAIsUnavailable(t *testing.T) {
	stranger := ldaptest.NewT(t)
	for _, startTLS := range []bool{false, true} {
		t.Run(fmt.Sprintf("StartTLS=%v", startTLS), func(t *testing.T) {
			d := ldaptest.StartT(t, ldaptest.Config{StartTLS: startTLS, Users: ldaptest.Contoso()})
			c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.RootCAs = stranger.RootCAs() })
			binds := d.Binds()
			_, err := c.Authenticate(t.Context(), "alice", alicePassword)
			asError(t, err, ldapauth.ReasonUnavailable)
			var verr *tls.CertificateVerificationError
			if !errors.As(err, &verr) {
				t.Errorf("error %v does not carry the TLS verification failure", err)
			}
			if d.Binds() != binds {
				t.Error("credentials were sent over an unverified connection")
			}
		})
	}
}

func TestAuthenticate_ServerNameMismatchIsUnavailable(t *testing.T) {
	d := ldaptest.NewT(t)
	c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.ServerName = "dc1.contoso.com" })
	_, err := c.Authenticate(t.Context(), "alice", alicePassword)
	asError(t, err, ldapauth.ReasonUnavailable)
}

func TestAuthenticate_StartTLS(t *testing.T) {
	d, err := ldaptest.Start(ldaptest.Config{StartTLS: true, Users: ldaptest.Contoso()})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	c := newClient(t, d, nil)
	if _, err := c.Authenticate(t.Context(), "alice@contoso.com", alicePassword); err != nil {
		t.Fatalf("Authenticate over StartTLS: %v", err)
	}
	_, err = c.Authenticate(t.Context(), "alice@contoso.com", "wrong")
	asError(t, err, ldapauth.ReasonBadPassword)
}

func TestAuthenticate_RejectedServiceAccountIsUnavailable(t *testing.T) {
	d := ldaptest.NewT(t)
	c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.BindPassword = "not-the-service-password" })
	_, err := c.Authenticate(t.Context(), "alice", alicePassword)
	e := asError(t, err, ldapauth.ReasonUnavailable)
	if code, _, _ := ldapauth.ParseDiagnostic(e.Diagnostic); code != "52e" {
		t.Errorf("Diagnostic = %q, want the service bind's 52e", e.Diagnostic)
	}
}

func TestAuthenticate_CancelledContextIsUnavailable(t *testing.T) {
	d := ldaptest.NewT(t)
	c := newClient(t, d, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.Authenticate(ctx, "alice", alicePassword)
	asError(t, err, ldapauth.ReasonUnavailable)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}
}

func TestAuthenticate_RecoversFromDroppedConnections(t *testing.T) {
	d := ldaptest.NewT(t)
	c := newClient(t, d, nil)
	for round := range 3 {
		if _, err := c.Authenticate(t.Context(), "alice", alicePassword); err != nil {
			t.Fatalf("round %d: Authenticate: %v", round, err)
		}
		d.DropConnections() // DC restart / idle timeout behind the pool's back
	}
}

func TestAuthenticate_ConcurrentUse(t *testing.T) {
	d := ldaptest.NewT(t)
	c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.PoolSize = 2 })
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 16 {
		wg.Go(func() {
			for range 4 {
				user, pw, wantErr := "alice", alicePassword, false
				if i%2 == 1 {
					user, pw, wantErr = "bob", "wrong", true
				}
				_, err := c.Authenticate(t.Context(), user, pw)
				if (err != nil) != wantErr || wantErr && !errors.Is(err, ldapauth.ErrInvalidCredentials) {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Authenticate: %v", err)
	}
}

func TestClose_LaterCallsAreUnavailable(t *testing.T) {
	d := ldaptest.NewT(t)
	c := newClient(t, d, nil)
	if _, err := c.Authenticate(t.Context(), "alice", alicePassword); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	_, err := c.Authenticate(t.Context(), "alice", alicePassword)
	asError(t, err, ldapauth.ReasonUnavailable)
}
