package wstrust_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"testing"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/wstrust"
	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/proxytrust"
)

const (
	deskIP         = "10.20.30.40"  // an intranet client, connecting directly
	internetIP     = "203.0.113.77" // an extranet client, behind the proxy
	viaProxyHeader = "X-Test-Via-Proxy"
)

// withOrigin stands in for the web handler's proxy-trust middleware, which
// runs before these endpoints in fedgate: a request carrying
// viaProxyHeader came through a trusted proxy from that address; any other
// came directly from deskIP. Without proxy trust every request is
// extranet, as web marks them.
func withOrigin(proxyTrust bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := proxytrust.Origin{ClientIP: netip.MustParseAddr(deskIP), Extranet: !proxyTrust}
		if ip := r.Header.Get(viaProxyHeader); ip != "" && proxyTrust {
			o = proxytrust.Origin{ClientIP: netip.MustParseAddr(ip), Extranet: true, Proxy: "wap1.contoso.com"}
		}
		next.ServeHTTP(w, r.WithContext(proxytrust.WithOrigin(r.Context(), o)))
	})
}

// originExtranet answers lockout.Config.FromExtranet as cmd/internal/app's
// RequestExtranet does.
func originExtranet(ctx context.Context) bool {
	o, ok := proxytrust.OriginFrom(ctx)
	return !ok || o.Extranet
}

// newIntranetEnv is the handler with the real extranet lockout policy
// (enforce, default thresholds) on the test store, handling intranet
// attempts as intranet says; network location and client IP come from
// the origin, as cmd/internal/app wires them.
func newIntranetEnv(t *testing.T, intranet lockout.Intranet, proxyTrust bool) *testEnv {
	t.Helper()
	var env *testEnv
	env = newTestEnv(t, func(c *wstrust.Config) {
		client := c.Auth.(*ldapauth.Client)
		p, err := lockout.New(lockout.Config{
			Mode: lockout.ModeEnforce, Intranet: intranet, FromExtranet: originExtranet,
			Store: storeOf(c), Resolver: immutableIDResolver(client), Now: c.Now, Logger: c.Logger,
		})
		if err != nil {
			t.Fatal(err)
		}
		c.Lockout = p
		c.Inside = func(r *http.Request) bool { return !originExtranet(r.Context()) }
		c.ClientIP = func(r *http.Request) string { return proxytrust.ClientIP(r.Context()) }
	})
	env.router = withOrigin(proxyTrust, env.router)
	return env
}

// storeOf returns the test store, which is the Config's replay cache.
func storeOf(c *wstrust.Config) lockout.Store { return c.Replay.(lockout.Store) }

// immutableIDResolver keys accounts by ImmutableID (the base64 objectGUID
// in the test directory), like cmd/internal/app.DirectoryResolver.
func immutableIDResolver(c *ldapauth.Client) lockout.Resolver {
	return lockout.ResolverFunc(func(ctx context.Context, username string) (string, bool, error) {
		u, err := c.Lookup(ctx, username)
		if errors.Is(err, ldapauth.ErrInvalidCredentials) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		return u.ImmutableID, true, nil
	})
}

// signIn posts alice's usernamemixed request with pass, from the intranet
// or through the proxy from internetIP, and reports the response and
// whether the password reached the directory (a bind as the user).
func (e *testEnv) signIn(t *testing.T, viaProxy bool, pass string) (res *result, reached bool) {
	t.Helper()
	binds := e.dir.Binds()
	res = e.post(t, wstrust.Trust13, bytes.NewReader(e.msal(wstrust.Trust13, aliceUPN, pass).bytes()), func(r *http.Request) {
		if viaProxy {
			r.Header.Set(viaProxyHeader, internetIP)
		}
	})
	return res, e.dir.Binds() > binds
}

func (e *testEnv) lockoutState(t *testing.T) (lockout.State, bool) {
	t.Helper()
	st, ok, err := e.store.GetLockout(t.Context(), aliceImmID)
	if err != nil {
		t.Fatal(err)
	}
	return st, ok
}

// refusals counts the audited failures with reason, per client IP.
func (e *testEnv) refusals(t *testing.T, reason string) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, ev := range e.auditEvents(t) {
		if ev.Result == "failure" && ev.Reason == reason {
			n[ev.ClientIP]++
		}
	}
	return n
}

func deniedFault(t *testing.T, res *result) {
	t.Helper()
	assertFault(t, res, 500, "s:Sender", wstrust.NSTrust13, "FailedAuthentication", "MSIS7068: Access denied.")
}

func TestUsernameMixedLockout_IntranetSkipNeitherChecksNorCounts(t *testing.T) {
	env := newIntranetEnv(t, lockout.IntranetSkip, true)
	for i := range 2 * lockout.DefaultThreshold {
		res, reached := env.signIn(t, false, fmt.Sprintf("typo-%d", i))
		deniedFault(t, res)
		if !reached {
			t.Fatalf("intranet bad password %d did not reach the directory", i+1)
		}
	}
	if st, ok := env.lockoutState(t); ok {
		t.Fatalf("intranet bad passwords were counted: %+v", st)
	}
	// The extranet budget is whole.
	for i := range lockout.DefaultThreshold {
		if _, reached := env.signIn(t, true, fmt.Sprintf("guess-%d", i)); !reached {
			t.Fatalf("extranet guess %d refused after intranet typos", i+1)
		}
	}
	res, reached := env.signIn(t, true, alicePass)
	deniedFault(t, res)
	if reached {
		t.Fatal("a locked extranet location reached the directory")
	}
	before, _ := env.lockoutState(t)
	// Inside, alice is not checked; her sign-in changes nothing.
	if res, reached := env.signIn(t, false, alicePass); !reached || res.status != http.StatusOK {
		t.Fatalf("intranet sign-in while the extranet location is locked: %d %.300s", res.status, res.body)
	}
	after, _ := env.lockoutState(t)
	if slices.Contains(after.FamiliarIPs, deskIP) || after.Unfamiliar != before.Unfamiliar || after.Familiar != before.Familiar {
		t.Fatalf("intranet sign-in changed the lockout state: %+v → %+v", before, after)
	}
	if got := env.refusals(t, lockout.ReasonLockedUnfamiliar); got[internetIP] != 1 || len(got) != 1 {
		t.Fatalf("lockout refusals per client IP = %v, want one for %s", got, internetIP)
	}
}

func TestUsernameMixedLockout_IntranetCountLocksInsideToo(t *testing.T) {
	env := newIntranetEnv(t, lockout.IntranetCount, true)
	for i := range lockout.DefaultThreshold {
		if _, reached := env.signIn(t, false, fmt.Sprintf("spray-%d", i)); !reached {
			t.Fatalf("intranet guess %d refused early", i+1)
		}
	}
	for _, viaProxy := range []bool{false, true} {
		res, reached := env.signIn(t, viaProxy, alicePass)
		deniedFault(t, res)
		if reached {
			t.Fatalf("viaProxy=%v: a locked location reached the directory", viaProxy)
		}
	}
	if got := env.refusals(t, lockout.ReasonLockedUnfamiliar); got[deskIP] != 1 || got[internetIP] != 1 {
		t.Fatalf("lockout refusals per client IP = %v, want one inside and one through the proxy", got)
	}
}

func TestUsernameMixedLockout_WithoutProxyTrustEverythingCounts(t *testing.T) {
	for _, intranet := range []lockout.Intranet{lockout.IntranetSkip, lockout.IntranetCount} {
		t.Run(string(intranet), func(t *testing.T) {
			env := newIntranetEnv(t, intranet, false)
			for i := range lockout.DefaultThreshold {
				if _, reached := env.signIn(t, false, fmt.Sprintf("typo-%d", i)); !reached {
					t.Fatalf("bad password %d refused early", i+1)
				}
			}
			res, reached := env.signIn(t, false, alicePass)
			deniedFault(t, res)
			if reached {
				t.Fatal("a locked location reached the directory")
			}
			if st, _ := env.lockoutState(t); st.Unfamiliar.Count != lockout.DefaultThreshold {
				t.Fatalf("unfamiliar count = %d, want %d", st.Unfamiliar.Count, lockout.DefaultThreshold)
			}
		})
	}
}
