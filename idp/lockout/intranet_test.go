package lockout_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/idp/lockout"
)

// originKey marks a test context as intranet; fromExtranet reads it the
// way cmd/internal/app reads the proxy-trust origin (unmarked = extranet).
type originKey struct{}

func intranetCtx(t *testing.T) context.Context {
	t.Helper()
	return context.WithValue(t.Context(), originKey{}, "intranet")
}

func fromExtranet(ctx context.Context) bool { return ctx.Value(originKey{}) != "intranet" }

// attemptIn is env.attempt with ctx as the request's context.
func (e *env) attemptIn(t *testing.T, ctx context.Context, user, ip string, o outcome) lockout.Decision {
	t.Helper()
	d, err := e.p.Check(ctx, user, ip)
	if err != nil {
		t.Fatalf("Check(%s, %s): %v", user, ip, err)
	}
	if !d.Allowed {
		return d
	}
	switch o {
	case badPassword:
		err = e.p.Failure(ctx, d)
	case goodPassword:
		err = e.p.Success(ctx, d)
	case unavailable:
		err = e.p.Release(ctx, d)
	}
	if err != nil {
		t.Fatalf("recording outcome %d: %v", o, err)
	}
	return d
}

const desk = "10.1.2.3" // an intranet client

func TestPolicy_IntranetSkipNeitherChecksNorCounts(t *testing.T) {
	for _, mode := range []lockout.Mode{lockout.ModeEnforce, lockout.ModeLogOnly} {
		for _, intranet := range []lockout.Intranet{"", lockout.IntranetSkip} {
			t.Run(string(mode)+"/"+string(intranet), func(t *testing.T) {
				e := newEnv(t, func(c *lockout.Config) { c.Mode, c.Intranet, c.FromExtranet = mode, intranet, fromExtranet })
				in := intranetCtx(t)
				for i := range 10 { // far beyond the threshold of 3
					if d := e.attemptIn(t, in, "alice", desk, badPassword); !d.Allowed || d.Reason != "" {
						t.Fatalf("intranet bad password %d = %+v, want allowed without a reason", i+1, d)
					}
				}
				if n := e.users.calls.Load(); n != 0 || e.store.writes != 0 {
					t.Fatalf("intranet attempts searched the directory %d times and wrote %d times, want neither", n, e.store.writes)
				}
				// The extranet budget is untouched: three guesses, then locked.
				for i := range 3 {
					if d := e.attempt(t, "alice", attacker, badPassword); !d.Allowed {
						t.Fatalf("extranet bad password %d refused after intranet failures", i+1)
					}
				}
				if d := e.attempt(t, "alice", attacker, badPassword); d.Reason != lockout.ReasonLockedUnfamiliar {
					t.Fatalf("4th extranet bad password = %+v, want the unfamiliar location locked", d)
				}
				before := e.store.state(t, "key-alice")
				// A locked extranet location does not refuse the intranet, and
				// a good password there changes nothing: no familiar IP, no
				// reset that would give the attacker new guesses.
				if d := e.attemptIn(t, in, "alice", desk, goodPassword); !d.Allowed {
					t.Fatalf("intranet sign-in refused by the extranet lock: %+v", d)
				}
				after := e.store.state(t, "key-alice")
				if after.Unfamiliar != before.Unfamiliar || after.Familiar != before.Familiar || !slices.Equal(after.FamiliarIPs, before.FamiliarIPs) {
					t.Fatalf("intranet success changed the state: %+v → %+v", before, after)
				}
				if slices.Contains(after.FamiliarIPs, desk) {
					t.Fatalf("intranet IP became familiar: %v", after.FamiliarIPs)
				}
				if d := e.attempt(t, "alice", attacker, badPassword); d.Reason != lockout.ReasonLockedUnfamiliar {
					t.Fatalf("extranet after the intranet success = %+v, want still locked", d)
				}
			})
		}
	}
}

func TestPolicy_IntranetCountTreatsIntranetLikeExtranet(t *testing.T) {
	e := newEnv(t, func(c *lockout.Config) { c.Intranet, c.FromExtranet = lockout.IntranetCount, fromExtranet })
	in := intranetCtx(t)
	for i := range 3 {
		if d := e.attemptIn(t, in, "alice", desk, badPassword); !d.Allowed {
			t.Fatalf("intranet bad password %d refused", i+1)
		}
	}
	if d := e.attemptIn(t, in, "alice", desk, goodPassword); d.Allowed || d.Reason != lockout.ReasonLockedUnfamiliar {
		t.Fatalf("4th intranet attempt = %+v, want refused: the unfamiliar location is locked", d)
	}
	// The intranet budget is the extranet one.
	if d := e.attempt(t, "alice", attacker, badPassword); d.Allowed {
		t.Fatal("extranet attempt allowed although intranet failures locked the unfamiliar location")
	}
	// A good password from the intranet makes the internal IP familiar,
	// as before this option existed.
	e2 := newEnv(t, func(c *lockout.Config) { c.Intranet, c.FromExtranet = lockout.IntranetCount, fromExtranet })
	e2.attemptIn(t, in, "alice", desk, goodPassword)
	if ips := e2.store.state(t, "key-alice").FamiliarIPs; !slices.Equal(ips, []string{desk}) {
		t.Fatalf("familiar IPs after an intranet success = %v, want [%s]", ips, desk)
	}
}

// TestPolicy_WithoutOriginEveryAttemptCounts: without FromExtranet (no
// proxy trust) there is no intranet, whatever Intranet says.
func TestPolicy_WithoutOriginEveryAttemptCounts(t *testing.T) {
	for _, intranet := range []lockout.Intranet{lockout.IntranetSkip, lockout.IntranetCount} {
		t.Run(string(intranet), func(t *testing.T) {
			e := newEnv(t, func(c *lockout.Config) { c.Intranet = intranet })
			in := intranetCtx(t) // ignored: nothing reads it
			for range 3 {
				e.attemptIn(t, in, "alice", desk, badPassword)
			}
			if d := e.attemptIn(t, in, "alice", desk, badPassword); d.Allowed {
				t.Fatalf("4th attempt = %+v, want refused", d)
			}
			if got := e.store.state(t, "key-alice").Unfamiliar.Count; got != 3 {
				t.Fatalf("unfamiliar count = %d, want 3", got)
			}
		})
	}
}

func TestNew_RejectsUnknownIntranet(t *testing.T) {
	cfg := lockout.Config{Store: newMemStore(), Resolver: &accounts{}, Intranet: "sometimes"}
	for name, err := range map[string]error{"New": errOf(lockout.New(cfg)), "NewAdmin": errOf(lockout.NewAdmin(cfg))} {
		if err == nil || !strings.HasPrefix(err.Error(), "lockout: ") || !strings.Contains(err.Error(), `intranet "sometimes" is not supported; use skip or count`) {
			t.Errorf("%s err = %v, want the unsupported intranet value named with the allowed ones", name, err)
		}
	}
}

func errOf[T any](_ T, err error) error { return err }

// TestPolicy_IntranetCountDoesNotAskTheOrigin: with IntranetCount the
// origin cannot matter, so FromExtranet is not called.
func TestPolicy_IntranetCountDoesNotAskTheOrigin(t *testing.T) {
	e := newEnv(t, func(c *lockout.Config) {
		c.Intranet = lockout.IntranetCount
		c.FromExtranet = func(context.Context) bool { t.Error("FromExtranet called with IntranetCount"); return false }
	})
	if d := e.attempt(t, "alice", desk, badPassword); !d.Allowed {
		t.Fatalf("attempt = %+v, want allowed", d)
	}
	if got := e.store.state(t, "key-alice").Unfamiliar.Count; got != 1 {
		t.Fatalf("unfamiliar count = %d, want 1", got)
	}
}
