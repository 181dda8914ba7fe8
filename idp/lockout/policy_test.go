package lockout_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
)

const (
	home     = "10.0.0.5"
	attacker = "198.51.100.7"
)

func TestPolicy_UnfamiliarLockLeavesFamiliarIPWorking(t *testing.T) {
	e := newEnv(t)
	e.attempt(t, "alice", home, goodPassword) // home becomes familiar
	for i := range 3 {
		if d := e.attempt(t, "alice@contoso.com", attacker, badPassword); !d.Allowed || d.Familiar {
			t.Fatalf("bad password %d: %+v, want allowed from an unfamiliar IP", i+1, d)
		}
	}
	d := e.attempt(t, `CORP\alice`, attacker, goodPassword)
	if d.Allowed || d.Reason != lockout.ReasonLockedUnfamiliar {
		t.Fatalf("4th attempt from %s = %+v, want refused with %s", attacker, d, lockout.ReasonLockedUnfamiliar)
	}
	if want := e.clock.Now().Add(30 * time.Minute); !d.RetryAt.Equal(want) {
		t.Errorf("RetryAt = %v, want %v", d.RetryAt, want)
	}
	if d := e.attempt(t, "Alice", "203.0.113.50", badPassword); d.Allowed {
		t.Fatal("another unfamiliar IP shares the unfamiliar budget, want refused")
	}
	if d := e.attempt(t, "alice", home, goodPassword); !d.Allowed || !d.Familiar {
		t.Fatalf("familiar IP during the attack = %+v, want allowed and familiar", d)
	}
	// A familiar success does not hand the attacker new guesses.
	if d := e.attempt(t, "alice", attacker, badPassword); d.Allowed {
		t.Fatal("unfamiliar location unlocked by a familiar success")
	}
}

func TestPolicy_LockedLocationAllowsOneAttemptPerWindow(t *testing.T) {
	e := newEnv(t)
	for range 3 {
		e.attempt(t, "alice", attacker, badPassword)
	}
	steps := []struct {
		name    string
		advance time.Duration
		outcome outcome
		allowed bool
	}{
		{"just before the window ends", 30*time.Minute - time.Second, badPassword, false},
		{"window over: one attempt", time.Second, badPassword, true},
		{"right after it: locked again", 0, badPassword, false},
		{"half a window later", 15 * time.Minute, badPassword, false},
		{"next window: one attempt", 15 * time.Minute, badPassword, true},
		{"next window: good password", 30 * time.Minute, goodPassword, true},
		{"after a good password the IP is familiar with its own budget", 0, badPassword, true},
	}
	for _, st := range steps {
		e.clock.Add(st.advance)
		if d := e.attempt(t, "alice", attacker, st.outcome); d.Allowed != st.allowed {
			t.Fatalf("%s: Allowed = %v, want %v (%+v)", st.name, d.Allowed, st.allowed, d)
		}
	}
	if st := e.store.state(t, "key-alice"); st.Unfamiliar.Count != 0 || st.Familiar.Count != 1 {
		t.Fatalf("counts after the success and one failure = %+v, want unfamiliar 0, familiar 1", st)
	}
}

func TestPolicy_FamiliarCounterHasItsOwnThreshold(t *testing.T) {
	e := newEnv(t)
	e.attempt(t, "alice", home, goodPassword)
	for i := range 5 {
		if d := e.attempt(t, "alice", home, badPassword); !d.Allowed || !d.Familiar {
			t.Fatalf("familiar bad password %d refused: %+v", i+1, d)
		}
	}
	if d := e.attempt(t, "alice", home, goodPassword); d.Allowed || d.Reason != lockout.ReasonLockedFamiliar {
		t.Fatalf("6th familiar attempt = %+v, want refused with %s", d, lockout.ReasonLockedFamiliar)
	}
	// The user's own typos do not lock her out from elsewhere, and a
	// success from an unfamiliar IP clears both counters.
	if d := e.attempt(t, "alice", "203.0.113.9", goodPassword); !d.Allowed || d.Familiar {
		t.Fatalf("unfamiliar IP while familiar is locked = %+v", d)
	}
	st := e.store.state(t, "key-alice")
	if !st.Familiar.IsZero() || !st.Unfamiliar.IsZero() {
		t.Fatalf("counters after an unfamiliar success = %+v", st)
	}
	if want := []string{home, "203.0.113.9"}; strings.Join(st.FamiliarIPs, ",") != strings.Join(want, ",") {
		t.Fatalf("familiar IPs = %v, want %v", st.FamiliarIPs, want)
	}
}

func TestPolicy_OutageCountsNothing(t *testing.T) {
	e := newEnv(t)
	for range 20 {
		if d := e.attempt(t, "alice", attacker, unavailable); !d.Allowed {
			t.Fatalf("refused during an outage: %+v", d)
		}
	}
	if st, ok, _ := e.store.GetLockout(t.Context(), "key-alice"); ok {
		t.Fatalf("state after 20 outages = %+v, want none", st)
	}
	// An outage during a locked location's one attempt does not use it up.
	for range 3 {
		e.attempt(t, "alice", attacker, badPassword)
	}
	e.clock.Add(30 * time.Minute)
	if d := e.attempt(t, "alice", attacker, unavailable); !d.Allowed {
		t.Fatal("window over but refused")
	}
	if d := e.attempt(t, "alice", attacker, badPassword); !d.Allowed {
		t.Fatal("the outage used up the attempt of this window")
	}
	if got := e.store.state(t, "key-alice").Unfamiliar.Count; got != 4 {
		t.Fatalf("count = %d, want 4", got)
	}
}

func TestPolicy_UnknownUsersStoreNothing(t *testing.T) {
	e := newEnv(t)
	for i := range 50 {
		if d := e.attempt(t, fmt.Sprintf("nobody%d@contoso.com", i), attacker, badPassword); !d.Allowed {
			t.Fatalf("unknown user refused: %+v", d)
		}
	}
	if e.store.writes != 0 || len(e.store.m) != 0 {
		t.Fatalf("%d writes, %d rows for unknown users, want none", e.store.writes, len(e.store.m))
	}
}

func TestPolicy_RefusedAttemptWritesNothing(t *testing.T) {
	e := newEnv(t)
	for range 3 {
		e.attempt(t, "alice", attacker, badPassword)
	}
	before := e.store.writes
	for range 10 {
		e.attempt(t, "alice", attacker, badPassword)
	}
	if e.store.writes != before {
		t.Fatalf("refused attempts wrote %d times", e.store.writes-before)
	}
}

func TestPolicy_LogOnlyNeverRefusesButReports(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, func(c *lockout.Config) {
		c.Mode = lockout.ModeLogOnly
		c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	})
	for range 3 {
		e.attempt(t, "alice", attacker, badPassword)
	}
	for i := range 3 {
		d := e.attempt(t, "alice", attacker, badPassword)
		if !d.Allowed || d.Reason != lockout.ReasonLockedUnfamiliar {
			t.Fatalf("log-only attempt %d = %+v, want allowed with reason", i+4, d)
		}
	}
	if got := e.store.state(t, "key-alice").Unfamiliar.Count; got != 6 {
		t.Fatalf("log-only count = %d, want 6", got)
	}
	if !strings.Contains(logs.String(), "would refuse attempt (log_only)") {
		t.Fatalf("log-only refusal not logged: %s", logs.String())
	}
	if strings.Contains(logs.String(), "key-alice") {
		t.Fatalf("account key logged above Debug: %s", logs.String())
	}
}

func TestPolicy_ErrorsFailClosedInEnforceAndOpenInLogOnly(t *testing.T) {
	tests := []struct {
		name   string
		mode   lockout.Mode
		break_ func(e *env)
	}{
		{"resolver", lockout.ModeEnforce, func(e *env) { e.users.err = errBoom }},
		{"store", lockout.ModeEnforce, func(e *env) { e.store.err = errBoom }},
		{"resolver", lockout.ModeLogOnly, func(e *env) { e.users.err = errBoom }},
		{"store", lockout.ModeLogOnly, func(e *env) { e.store.err = errBoom }},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode)+"/"+tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *lockout.Config) { c.Mode = tt.mode })
			tt.break_(e)
			d, err := e.p.Check(t.Context(), "alice", attacker)
			if tt.mode == lockout.ModeEnforce {
				if !errors.Is(err, errBoom) || d.Allowed {
					t.Fatalf("Check = %+v, %v; want refused with the cause", d, err)
				}
				if !strings.HasPrefix(err.Error(), "lockout: ") {
					t.Errorf("error %q lacks the package prefix", err)
				}
				return
			}
			if err != nil || !d.Allowed {
				t.Fatalf("Check = %+v, %v; want allowed", d, err)
			}
			// Nothing was counted, so the outcome calls are no-ops.
			e.store.err, e.users.err = nil, nil
			if err := e.p.Failure(t.Context(), d); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := e.store.GetLockout(t.Context(), "key-alice"); ok {
				t.Fatal("state written for an unchecked attempt")
			}
		})
	}
}

func TestPolicy_ModeOffTouchesNothing(t *testing.T) {
	e := newEnv(t, func(c *lockout.Config) { c.Mode = lockout.ModeOff; c.Store = nil; c.Resolver = nil })
	for range 10 {
		d, err := e.p.Check(t.Context(), "alice", attacker)
		if err != nil || !d.Allowed {
			t.Fatalf("Check = %+v, %v", d, err)
		}
		for _, f := range []func() error{
			func() error { return e.p.Failure(t.Context(), d) },
			func() error { return e.p.Success(t.Context(), d) },
			func() error { return e.p.Release(t.Context(), d) },
		} {
			if err := f(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := e.users.calls.Load(); n != 0 {
		t.Fatalf("resolver called %d times in mode off", n)
	}
}

func TestPolicy_FamiliarIPsCappedAt20(t *testing.T) {
	e := newEnv(t)
	for i := range lockout.MaxFamiliarIPs + 5 {
		e.attempt(t, "alice", fmt.Sprintf("192.0.2.%d", i+1), goodPassword)
	}
	ips := e.store.state(t, "key-alice").FamiliarIPs
	if len(ips) != lockout.MaxFamiliarIPs || ips[0] != "192.0.2.6" || ips[len(ips)-1] != "192.0.2.25" {
		t.Fatalf("familiar IPs = %v, want the 20 most recent, 192.0.2.6 … 192.0.2.25", ips)
	}
	if d := e.attempt(t, "alice", "192.0.2.1", badPassword); d.Familiar {
		t.Fatal("dropped IP still familiar")
	}
}

func TestPolicy_IPsAreComparedCanonically(t *testing.T) {
	e := newEnv(t)
	e.attempt(t, "alice", "::ffff:10.0.0.5", goodPassword)
	if d := e.attempt(t, "alice", "10.0.0.5", badPassword); !d.Familiar {
		t.Fatal("IPv4-mapped and plain IPv4 differ")
	}
	e.attempt(t, "alice", "not-an-ip", goodPassword)
	if ips := e.store.state(t, "key-alice").FamiliarIPs; len(ips) != 1 {
		t.Fatalf("a non-IP became familiar: %v", ips)
	}
}

func TestNew_Config(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *lockout.Config)
		want   string // "" = valid
	}{
		{"defaults", func(c *lockout.Config) { c.Mode, c.Threshold, c.FamiliarThreshold, c.ObservationWindow = "", 0, 0, 0 }, ""},
		{"bad mode", func(c *lockout.Config) { c.Mode = "strict" }, `mode "strict" is not supported`},
		{"threshold too high", func(c *lockout.Config) { c.Threshold = lockout.MaxThreshold + 1 }, "threshold 1001 is out of range"},
		{"negative familiar threshold", func(c *lockout.Config) { c.FamiliarThreshold = -1 }, "familiar threshold -1"},
		{"negative window", func(c *lockout.Config) { c.ObservationWindow = -time.Second }, "negative"},
		{"no store", func(c *lockout.Config) { c.Store = nil }, "Store is required"},
		{"no resolver", func(c *lockout.Config) { c.Resolver = nil }, "Resolver is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := lockout.Config{Store: newMemStore(), Resolver: &accounts{}}
			tt.mutate(&cfg)
			p, err := lockout.New(cfg)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if p.Mode() != lockout.ModeEnforce {
					t.Fatalf("default mode = %s, want enforce", p.Mode())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "lockout: ") {
				t.Fatalf("New err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestPolicy_DefaultsLockAfterFourUnfamiliar(t *testing.T) {
	e := newEnv(t, func(c *lockout.Config) { c.Threshold, c.FamiliarThreshold, c.ObservationWindow = 0, 0, 0 })
	for i := range lockout.DefaultThreshold {
		if d := e.attempt(t, "alice", attacker, badPassword); !d.Allowed {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	d := e.attempt(t, "alice", attacker, badPassword)
	if d.Allowed || !d.RetryAt.Equal(e.clock.Now().Add(lockout.DefaultObservationWindow)) {
		t.Fatalf("5th attempt = %+v, want refused until +%v", d, lockout.DefaultObservationWindow)
	}
}

// TestPolicy_ADNeverSeesMoreThanBothThresholdsInARow replays the attack
// the half-window rule exists for: an attacker retries every 3 minutes
// from unfamiliar IPs while the user mistypes at a familiar IP every 10
// minutes, for hours. AD (reset after 15 minutes, half the window) must
// never see more than threshold + familiar threshold bad passwords in a
// row.
func TestPolicy_ADNeverSeesMoreThanBothThresholdsInARow(t *testing.T) {
	e := newEnv(t) // thresholds 3 and 5, window 30m
	e.attempt(t, "alice", home, goodPassword)
	ad := &adCounter{reset: 15 * time.Minute}
	maxSeen := 0
	for minute := range 8 * 60 {
		var d lockout.Decision
		switch {
		case minute%10 == 5:
			d = e.attempt(t, "alice", home, badPassword)
		case minute%3 == 0:
			d = e.attempt(t, "alice", fmt.Sprintf("198.51.100.%d", minute%200), badPassword)
		}
		if d.Allowed {
			ad.bad(e.clock.Now())
			maxSeen = max(maxSeen, ad.count)
		}
		e.clock.Add(time.Minute)
	}
	if maxSeen > 3+5 {
		t.Fatalf("AD saw %d bad passwords in a row, want at most 8", maxSeen)
	}
	if maxSeen < 3+5 {
		t.Fatalf("AD saw at most %d in a row; the scenario should reach the bound 8", maxSeen)
	}
}
