package web_test

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/sqlite"
	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/proxytrust/proxytrusttest"
	"github.com/fedgate/fedgate/web"
)

// deskIP is an intranet client reaching fedgate directly.
const deskIP = "10.20.30.40"

// originExtranet is how cmd/internal/app answers lockout.Config.FromExtranet
// (app.RequestExtranet, which this package cannot import): the origin the
// proxy-trust middleware recorded, extranet when none was.
func originExtranet(ctx context.Context) bool {
	o, ok := proxytrust.OriginFrom(ctx)
	return !ok || o.Extranet
}

// intranetEnv is a server with extranet lockout (enforce, default
// thresholds) handling intranet sign-ins as intranet says, with proxy
// trust on (an enrolled proxy in front) or off.
type intranetEnv struct {
	*extranetEnv
	proxyCert *tls.Certificate // nil with proxy trust off
}

func newIntranetEnv(t *testing.T, intranet lockout.Intranet, proxyTrust bool) *intranetEnv {
	t.Helper()
	e := &intranetEnv{extranetEnv: &extranetEnv{}}
	e.testEnv = newTestEnv(t, func(c *web.Config) {
		p, err := lockout.New(lockout.Config{
			Mode: lockout.ModeEnforce, Intranet: intranet, FromExtranet: originExtranet,
			Store: c.Audit.(*sqlite.Store), Resolver: directoryResolver(c.Auth.(*ldapauth.Client)),
			Now: c.Now, Logger: c.Logger,
		})
		if err != nil {
			t.Fatal(err)
		}
		c.Lockout = p
		if proxyTrust {
			e.auth, err = proxytrust.New(proxytrust.Config{
				CA: proxytrusttest.NewCA(t, c.Now()), Store: proxytrusttest.NewStore(c.Now), Now: c.Now, Rand: rand.Reader,
			})
			if err != nil {
				t.Fatal(err)
			}
			c.ProxyTrust = e.auth
		}
	})
	if proxyTrust {
		pair := proxytrusttest.Enroll(t, e.auth, proxyName)
		e.proxyCert = &pair
	}
	return e
}

// from returns a fresh browser at ip: through the enrolled proxy when
// viaProxy, else connecting to fedgate directly.
func (e *intranetEnv) from(t *testing.T, ip string, viaProxy bool) *http.Client {
	t.Helper()
	c := e.browserFrom(t, ip)
	if viaProxy {
		if e.proxyCert == nil {
			t.Fatal("no proxy without proxy trust")
		}
		c.Transport = e.proxyTransport(t, *e.proxyCert, ip)
	}
	return c
}

// passwordAttempt submits alice's name and pass from c and reports the page
// and whether the password reached the directory (a bind as the user).
func (e *intranetEnv) passwordAttempt(t *testing.T, c *http.Client, pass string) (r *response, reached bool) {
	t.Helper()
	binds := e.dir.Binds()
	r = e.passwordStep(t, c, pass)
	return r, e.dir.Binds() > binds
}

func (e *intranetEnv) state(t *testing.T) (lockout.State, bool) {
	t.Helper()
	st, ok, err := e.store.GetLockout(t.Context(), aliceKey)
	if err != nil {
		t.Fatal(err)
	}
	return st, ok
}

func (e *intranetEnv) audit(t *testing.T) []store.AuditEvent {
	t.Helper()
	events, err := e.store.ListAudit(t.Context(), time.Time{}, store.MaxAuditList)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// lockoutRefusals counts the audited refusals with reason.
func (e *intranetEnv) lockoutRefusals(t *testing.T, reason string) int {
	t.Helper()
	n := 0
	for _, ev := range e.audit(t) {
		if ev.Result == "failure" && ev.Reason == reason {
			n++
		}
	}
	return n
}

// TestLockoutIntranet_SkipNeitherChecksNorCounts: with proxy trust on and
// intranet: skip, bad passwords typed inside reach AD every time, are
// not counted and do not lock the extranet locations; a locked extranet
// location does not refuse the intranet, and an intranet sign-in does not
// make the internal IP familiar.
func TestLockoutIntranet_SkipNeitherChecksNorCounts(t *testing.T) {
	e := newIntranetEnv(t, lockout.IntranetSkip, true)
	desk := e.from(t, deskIP, false)
	for i := range 2 * lockout.DefaultThreshold {
		r, reached := e.passwordAttempt(t, desk, fmt.Sprintf("typo-%d", i))
		refused(t, r)
		if !reached {
			t.Fatalf("intranet bad password %d did not reach the directory", i+1)
		}
	}
	if st, ok := e.state(t); ok {
		t.Fatalf("intranet bad passwords were counted: %+v", st)
	}
	if n := e.lockoutRefusals(t, lockout.ReasonLockedUnfamiliar); n != 0 {
		t.Fatalf("%d intranet attempts refused by extranet lockout", n)
	}

	// The extranet budget is whole: the attacker gets exactly the
	// threshold, then the unfamiliar location locks.
	attacker := e.from(t, unfamiliarIP, true)
	for i := range lockout.DefaultThreshold {
		if r, reached := e.passwordAttempt(t, attacker, fmt.Sprintf("guess-%d", i)); !reached {
			t.Fatalf("extranet guess %d refused after intranet typos: %s", i+1, r.body)
		}
	}
	if r, reached := e.passwordAttempt(t, attacker, alicePass); reached || r.page.Has("enrollForm") {
		t.Fatalf("locked extranet location reached the directory: %s", r.body)
	}
	before, _ := e.state(t)

	// Inside, alice is not checked: the right password gets through.
	if r, reached := e.passwordAttempt(t, e.from(t, deskIP, false), alicePass); !reached || !r.page.Has("enrollForm") {
		t.Fatalf("intranet sign-in refused while the extranet location is locked: %s", r.body)
	}
	after, _ := e.state(t)
	if slices.Contains(after.FamiliarIPs, deskIP) || after.Unfamiliar != before.Unfamiliar || after.Familiar != before.Familiar {
		t.Fatalf("intranet sign-in changed the lockout state: %+v → %+v", before, after)
	}
	// Nor did it hand the attacker new guesses.
	if r, reached := e.passwordAttempt(t, attacker, "guess-again"); reached {
		t.Fatalf("extranet location unlocked by an intranet sign-in: %s", r.body)
	}
	if ev := e.audit(t); ev[len(ev)-1].Reason != lockout.ReasonLockedUnfamiliar || ev[len(ev)-1].ClientIP != unfamiliarIP {
		t.Fatalf("last audit event %+v, want the attacker's refusal", ev[len(ev)-1])
	}
}

// TestLockoutIntranet_CountLocksInsideToo: intranet: count keeps today's
// behaviour, every sign-in counted, so spraying inside is stopped before
// AD locks the account (and locks the same location for the extranet).
func TestLockoutIntranet_CountLocksInsideToo(t *testing.T) {
	e := newIntranetEnv(t, lockout.IntranetCount, true)
	desk := e.from(t, deskIP, false)
	for i := range lockout.DefaultThreshold {
		if r, reached := e.passwordAttempt(t, desk, fmt.Sprintf("spray-%d", i)); !reached {
			t.Fatalf("intranet guess %d refused early: %s", i+1, r.body)
		}
	}
	if st, _ := e.state(t); st.Unfamiliar.Count != lockout.DefaultThreshold {
		t.Fatalf("unfamiliar count after %d intranet bad passwords = %d", lockout.DefaultThreshold, st.Unfamiliar.Count)
	}
	for _, c := range []*http.Client{e.from(t, deskIP, false), e.from(t, unfamiliarIP, true)} {
		r, reached := e.passwordAttempt(t, c, alicePass)
		refused(t, r)
		if reached {
			t.Fatal("a locked location reached the directory")
		}
	}
	if n := e.lockoutRefusals(t, lockout.ReasonLockedUnfamiliar); n != 2 {
		t.Fatalf("%d lockout refusals audited, want 2 (inside, then through the proxy)", n)
	}
	// A good password inside still makes the desk familiar, as before.
	e2 := newIntranetEnv(t, lockout.IntranetCount, true)
	if r, _ := e2.passwordAttempt(t, e2.from(t, deskIP, false), alicePass); !r.page.Has("enrollForm") {
		t.Fatalf("intranet sign-in: %s", r.body)
	}
	if st, _ := e2.state(t); !slices.Equal(st.FamiliarIPs, []string{deskIP}) {
		t.Fatalf("familiar IPs after an intranet sign-in = %v, want [%s]", st.FamiliarIPs, deskIP)
	}
}

// TestLockoutIntranet_WithoutProxyTrustEverythingCounts: a single node
// without proxy trust cannot tell intranet from extranet, so every
// sign-in is extranet and counted whatever intranet says.
func TestLockoutIntranet_WithoutProxyTrustEverythingCounts(t *testing.T) {
	for _, intranet := range []lockout.Intranet{lockout.IntranetSkip, lockout.IntranetCount} {
		t.Run(string(intranet), func(t *testing.T) {
			e := newIntranetEnv(t, intranet, false)
			for i := range lockout.DefaultThreshold {
				if _, reached := e.passwordAttempt(t, e.from(t, deskIP, false), fmt.Sprintf("typo-%d", i)); !reached {
					t.Fatalf("bad password %d refused early", i+1)
				}
			}
			r, reached := e.passwordAttempt(t, e.from(t, deskIP, false), alicePass)
			refused(t, r)
			if reached {
				t.Fatal("a locked location reached the directory")
			}
			if n := e.lockoutRefusals(t, lockout.ReasonLockedUnfamiliar); n != 1 {
				t.Fatalf("%d lockout refusals audited, want 1", n)
			}
		})
	}
}
