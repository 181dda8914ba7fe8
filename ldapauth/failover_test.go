package ldapauth_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

// testClock is a settable clock for Config.Now.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// dcOf signs in with a wrong password and returns the DC that answered.
func dcOf(t *testing.T, c *ldapauth.Client) string {
	t.Helper()
	_, err := c.Authenticate(t.Context(), "alice@contoso.com", "wrong")
	return asError(t, err, ldapauth.ReasonBadPassword).DC
}

func TestFailover_ReturnsToPreferredDCAfterRetryInterval(t *testing.T) {
	d := ldaptest.NewT(t)
	first := ldaptest.NewRelayT(t, d.Addr()) // the preferred DC, switchable
	firstURL := "ldaps://" + first.Addr()
	clock := newTestClock()
	const retry = time.Minute
	c := newClient(t, d, func(cfg *ldapauth.Config) {
		cfg.URLs = []string{firstURL, d.URL()}
		cfg.Now = clock.Now
		cfg.RetryInterval = retry
	})

	if got := dcOf(t, c); got != firstURL {
		t.Fatalf("healthy: DC = %s, want the first %s", got, firstURL)
	}

	first.Down()
	if got := dcOf(t, c); got != d.URL() {
		t.Fatalf("first DC down: DC = %s, want the second %s", got, d.URL())
	}

	if err := first.Up(); err != nil {
		t.Fatalf("Up: %v", err)
	}
	accepted := first.Accepted()
	clock.Advance(retry - time.Second)
	if got := dcOf(t, c); got != d.URL() {
		t.Errorf("inside the back-off: DC = %s, want the second", got)
	}
	ldapauth.WaitForProbes(c)
	if first.Accepted() != accepted {
		t.Error("the backed-off DC was contacted before RetryInterval passed")
	}

	clock.Advance(time.Second)
	// The first checkout after the back-off starts a background probe of
	// the first DC, so no user waits for a dead DC's dial timeout. Later
	// checkouts (possibly within the same sign-in, once the probe is
	// done) move to the first DC.
	dcOf(t, c)
	ldapauth.WaitForProbes(c)
	if first.Accepted() == accepted {
		t.Fatal("no probe of the first DC after RetryInterval")
	}
	if got := dcOf(t, c); got != firstURL {
		t.Errorf("after a good probe: DC = %s, want the first %s again", got, firstURL)
	}
	if u, err := c.Authenticate(t.Context(), "alice@contoso.com", alicePassword); err != nil || u == nil {
		t.Errorf("sign-in after failback: %v", err)
	}
}

func TestFailover_FailedProbeKeepsTheSecondDC(t *testing.T) {
	d := ldaptest.NewT(t)
	first := ldaptest.NewRelayT(t, d.Addr())
	clock := newTestClock()
	c := newClient(t, d, func(cfg *ldapauth.Config) {
		cfg.URLs = []string{"ldaps://" + first.Addr(), d.URL()}
		cfg.Now = clock.Now
	})
	first.Down()
	for range 3 {
		clock.Advance(ldapauth.DefaultRetryInterval)
		if got := dcOf(t, c); got != d.URL() {
			t.Fatalf("DC = %s, want the second while the first stays down", got)
		}
		ldapauth.WaitForProbes(c)
	}
}

func TestFailover_LogsOnceWithoutSecrets(t *testing.T) {
	var out syncBuffer
	log := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	d := ldaptest.NewT(t)
	first := ldaptest.NewRelayT(t, d.Addr())
	clock := newTestClock()
	c := newClient(t, d, func(cfg *ldapauth.Config) {
		cfg.URLs = []string{"ldaps://" + first.Addr(), d.URL()}
		cfg.Now = clock.Now
		cfg.Logger = log
	})
	first.Down()
	for range 3 {
		if _, err := c.Authenticate(t.Context(), "alice@contoso.com", alicePassword); err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
	}
	if err := first.Up(); err != nil {
		t.Fatalf("Up: %v", err)
	}
	clock.Advance(ldapauth.DefaultRetryInterval)
	dcOf(t, c)
	ldapauth.WaitForProbes(c)

	logs := out.String()
	if n := strings.Count(logs, "domain controller unreachable"); n != 1 {
		t.Errorf("%d unreachable warnings, want 1:\n%s", n, logs)
	}
	if !strings.Contains(logs, "domain controller reachable again") {
		t.Errorf("no recovery record:\n%s", logs)
	}
	for _, secret := range []string{alicePassword, d.BindPassword()} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains a password")
		}
	}
}

func TestAuthenticate_ChecksLongIdleConnectionsWithRootDSE(t *testing.T) {
	d := ldaptest.NewT(t)
	clock := newTestClock()
	c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.Now = clock.Now; cfg.PoolSize = 1 })
	signIn := func() int64 {
		t.Helper()
		before := d.Searches()
		if _, err := c.Authenticate(t.Context(), "alice", alicePassword); err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		return d.Searches() - before
	}
	signIn() // resolves and caches the group SIDs
	base := signIn()
	if got := signIn(); got != base {
		t.Fatalf("warm sign-in: %d searches, want %d", got, base)
	}
	clock.Advance(2 * time.Minute)
	// One RootDSE read per pool (search and bind) before reuse.
	if got := signIn(); got != base+2 {
		t.Errorf("after idling: %d searches, want %d", got, base+2)
	}
}

func TestInsecurePlaintextLDAP_IsLoudAndRefusedByTheDC(t *testing.T) {
	var out bytes.Buffer
	d := ldaptest.StartT(t, ldaptest.Config{StartTLS: true, Users: ldaptest.Contoso()})
	c := newClient(t, d, func(cfg *ldapauth.Config) {
		cfg.StartTLS = false
		cfg.InsecurePlaintextLDAP = true
		cfg.Logger = slog.New(slog.NewTextHandler(&out, nil))
	})
	if !strings.Contains(out.String(), "INSECURE") {
		t.Errorf("New did not warn about plaintext LDAP: %q", out.String())
	}
	_, err := c.Authenticate(t.Context(), "alice", alicePassword)
	e := asError(t, err, ldapauth.ReasonUnavailable)
	if !strings.Contains(e.Diagnostic, "integrity") {
		t.Errorf("Diagnostic = %q, want the DC's strong-auth refusal", e.Diagnostic)
	}
}
