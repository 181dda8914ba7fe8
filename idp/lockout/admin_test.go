package lockout_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
)

// newAdmin returns an Admin on e's store and clock with e's rules
// (threshold 3, familiar 5, window 30m).
func (e *env) newAdmin(t *testing.T) *lockout.Admin {
	t.Helper()
	a, err := lockout.NewAdmin(lockout.Config{
		Threshold: 3, FamiliarThreshold: 5, ObservationWindow: 30 * time.Minute, Store: e.store, Now: e.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestNewAdmin_RequiresStoreAndValidRules(t *testing.T) {
	tests := []struct {
		name string
		cfg  lockout.Config
		want string // "" = success
	}{
		{"defaults with a store", lockout.Config{Store: newMemStore()}, ""},
		{"mode off still administers", lockout.Config{Mode: lockout.ModeOff, Store: newMemStore()}, ""},
		{"no resolver needed", lockout.Config{Mode: lockout.ModeEnforce, Store: newMemStore()}, ""},
		{"store required", lockout.Config{}, "Store is required"},
		{"threshold checked", lockout.Config{Store: newMemStore(), Threshold: -1}, "threshold -1 is out of range"},
		{"window checked", lockout.Config{Store: newMemStore(), ObservationWindow: -time.Second}, "observation window -1s is negative"},
		{"mode checked", lockout.Config{Store: newMemStore(), Mode: "strict"}, `mode "strict" is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := lockout.NewAdmin(tt.cfg)
			if tt.want == "" {
				if err != nil || a == nil {
					t.Fatalf("NewAdmin = %v, %v", a, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "lockout: ") {
				t.Fatalf("NewAdmin err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParseLocation(t *testing.T) {
	tests := []struct {
		in   string
		want lockout.Location
		ok   bool
	}{
		{"familiar", lockout.LocationFamiliar, true},
		{"Familiar", lockout.LocationFamiliar, true},
		{"unfamiliar", lockout.LocationUnfamiliar, true},
		{"Unknown", lockout.LocationUnfamiliar, true}, // AD FS's name
		{"ALL", lockout.LocationAll, true},
		{"", "", false},
		{"both", "", false},
		{"familiar ", "", false},
		{strings.Repeat("a", 100), "", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%.20q", tt.in), func(t *testing.T) {
			got, err := lockout.ParseLocation(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("ParseLocation(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
			if err != nil && (!strings.Contains(err.Error(), "use familiar, unfamiliar or all") || len(err.Error()) > 200) {
				t.Fatalf("error is not actionable or not bounded: %v", err)
			}
		})
	}
}

func FuzzParseLocation(f *testing.F) {
	for _, s := range []string{"familiar", "UNFAMILIAR", "unknown", "all", "", "al\x00l", "ａll", strings.Repeat("x", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc, err := lockout.ParseLocation(s)
		if err != nil {
			if loc != "" || len(err.Error()) > 200 {
				t.Fatalf("ParseLocation(%q) = %q, %v", s, loc, err)
			}
			return
		}
		if !slices.Contains([]lockout.Location{lockout.LocationFamiliar, lockout.LocationUnfamiliar, lockout.LocationAll}, loc) {
			t.Fatalf("ParseLocation(%q) = %q, not a Location", s, loc)
		}
		if again, err := lockout.ParseLocation(string(loc)); err != nil || again != loc {
			t.Fatalf("ParseLocation(%q) = %q, %v; not stable", loc, again, err)
		}
	})
}

func TestAdmin_ActivityReportsCountersLockAndRetry(t *testing.T) {
	e := newEnv(t)
	a := e.newAdmin(t)
	start := e.clock.Now()
	e.attempt(t, "alice", "10.0.0.5", goodPassword) // 10.0.0.5 becomes familiar
	e.attempt(t, "alice", "10.0.0.5", badPassword)
	for range 3 {
		e.clock.Add(time.Minute)
		e.attempt(t, "alice", "198.51.100.7", badPassword)
	}
	e.clock.Add(time.Minute)

	got, err := a.Activity(t.Context(), "key-alice")
	if err != nil {
		t.Fatal(err)
	}
	lastUnfamiliar := start.Add(3 * time.Minute)
	want := lockout.Activity{
		Key:         "key-alice",
		Familiar:    lockout.CounterStatus{BadPasswords: 1, Threshold: 5, LastFailure: start},
		Unfamiliar:  lockout.CounterStatus{BadPasswords: 3, Threshold: 3, LastFailure: lastUnfamiliar, Locked: true, RetryAt: lastUnfamiliar.Add(30 * time.Minute)},
		FamiliarIPs: []string{"10.0.0.5"},
	}
	equalActivity(t, got, want)
	if !got.Locked() {
		t.Error("Locked() = false with the unfamiliar location locked")
	}
	if at, loc := got.LastFailure(); !at.Equal(lastUnfamiliar) || loc != lockout.LocationUnfamiliar {
		t.Errorf("LastFailure = %v %s, want %v unfamiliar", at, loc, lastUnfamiliar)
	}

	// Once the window has passed the location allows its one attempt.
	e.clock.Add(30 * time.Minute)
	if got, _ = a.Activity(t.Context(), "key-alice"); got.Unfamiliar.Locked || !got.Unfamiliar.RetryAt.IsZero() || got.Locked() {
		t.Fatalf("after the window: %+v, want not locked", got.Unfamiliar)
	}
}

func TestAdmin_ActivityOfUnknownKeyIsZero(t *testing.T) {
	e := newEnv(t)
	got, err := e.newAdmin(t).Activity(t.Context(), "key-nobody")
	if err != nil {
		t.Fatal(err)
	}
	equalActivity(t, got, lockout.Activity{
		Key: "key-nobody", Familiar: lockout.CounterStatus{Threshold: 5}, Unfamiliar: lockout.CounterStatus{Threshold: 3},
	})
	if at, _ := got.LastFailure(); !at.IsZero() || got.Locked() {
		t.Fatalf("zero activity reports a failure or a lock: %+v", got)
	}
}

func TestAdmin_ResetClearsOnlyTheLocationAndKeepsFamiliarIPs(t *testing.T) {
	t0 := newClock().Now()
	full := lockout.State{
		Familiar:    lockout.Counter{Count: 5, Last: t0},
		Unfamiliar:  lockout.Counter{Count: 7, Last: t0},
		FamiliarIPs: []string{"10.0.0.5"},
	}
	tests := []struct {
		loc                    lockout.Location
		wantFamiliar, wantUnf  int
		wantFamLock, wantUnfLk bool
	}{
		{lockout.LocationFamiliar, 0, 7, false, true},
		{lockout.LocationUnfamiliar, 5, 0, true, false},
		{lockout.LocationAll, 0, 0, false, false},
		{"Unknown", 5, 0, true, false}, // AD FS's spelling
	}
	for _, tt := range tests {
		t.Run(string(tt.loc), func(t *testing.T) {
			e := newEnv(t)
			e.store.m["key-alice"] = full.Clone()
			before, after, err := e.newAdmin(t).Reset(t.Context(), "key-alice", tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			if before.Familiar.BadPasswords != 5 || before.Unfamiliar.BadPasswords != 7 || !before.Familiar.Locked || !before.Unfamiliar.Locked {
				t.Fatalf("before = %+v, want both counters locked", before)
			}
			if after.Familiar.BadPasswords != tt.wantFamiliar || after.Unfamiliar.BadPasswords != tt.wantUnf ||
				after.Familiar.Locked != tt.wantFamLock || after.Unfamiliar.Locked != tt.wantUnfLk {
				t.Fatalf("after = %+v", after)
			}
			st := e.store.state(t, "key-alice")
			if !slices.Equal(st.FamiliarIPs, full.FamiliarIPs) || st.Familiar.Count != tt.wantFamiliar || st.Unfamiliar.Count != tt.wantUnf {
				t.Fatalf("stored %+v", st)
			}
			if (st.Familiar.Count == 0) != st.Familiar.Last.IsZero() || (st.Unfamiliar.Count == 0) != st.Unfamiliar.Last.IsZero() {
				t.Fatalf("reset left a counter half cleared: %+v", st)
			}
		})
	}
}

func TestAdmin_ResetOfNothingStoresNothing(t *testing.T) {
	e := newEnv(t)
	before, after, err := e.newAdmin(t).Reset(t.Context(), "key-alice", lockout.LocationAll)
	if err != nil {
		t.Fatal(err)
	}
	if before.Locked() || after.Locked() || len(e.store.m) != 0 {
		t.Fatalf("before %+v after %+v, store %v", before, after, e.store.m)
	}
}

func TestAdmin_ResetRefusesUnknownLocationWithoutWriting(t *testing.T) {
	e := newEnv(t)
	if _, _, err := e.newAdmin(t).Reset(t.Context(), "key-alice", "both"); err == nil {
		t.Fatal("Reset with location \"both\" succeeded")
	}
	if e.store.writes != 0 {
		t.Fatalf("%d writes", e.store.writes)
	}
}

// TestAdmin_ResetUnlocksForThePolicy: after a reset the policy lets the
// user in again at once, with the familiar IP still familiar.
func TestAdmin_ResetUnlocksForThePolicy(t *testing.T) {
	e := newEnv(t)
	e.attempt(t, "alice", "10.0.0.5", goodPassword)
	for range 3 {
		e.attempt(t, "alice", "198.51.100.7", badPassword)
	}
	if d := e.attempt(t, "alice", "198.51.100.7", goodPassword); d.Allowed {
		t.Fatal("not locked after the threshold")
	}
	if _, _, err := e.newAdmin(t).Reset(t.Context(), "alice@CONTOSO", lockout.LocationUnfamiliar); err != nil {
		t.Fatal(err) // another key: changes nothing for alice
	}
	if _, _, err := e.newAdmin(t).Reset(t.Context(), "key-alice", lockout.LocationUnfamiliar); err != nil {
		t.Fatal(err)
	}
	if d := e.attempt(t, "alice", "198.51.100.7", goodPassword); !d.Allowed || d.Familiar {
		t.Fatalf("after reset: %+v, want allowed from an unfamiliar IP", d)
	}
	if d := e.attempt(t, "alice", "10.0.0.5", goodPassword); !d.Allowed || !d.Familiar {
		t.Fatalf("after reset: %+v, want the old IP still familiar", d)
	}
}

func TestAdmin_List(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	window := 30 * time.Minute
	// locked-N: unfamiliar count at threshold, failure N minutes ago.
	for i := range 4 {
		e.store.m[fmt.Sprintf("locked-%d", i)] = lockout.State{Unfamiliar: lockout.Counter{Count: 3, Last: now.Add(-time.Duration(i+1) * time.Minute)}}
	}
	e.store.m["below"] = lockout.State{Unfamiliar: lockout.Counter{Count: 2, Last: now.Add(-30 * time.Second)}}
	e.store.m["expired"] = lockout.State{Unfamiliar: lockout.Counter{Count: 9, Last: now.Add(-window)}}
	e.store.m["ips-only"] = lockout.State{FamiliarIPs: []string{"10.0.0.5"}}
	a := e.newAdmin(t)

	tests := []struct {
		name         string
		limit        int
		lockedOnly   bool
		want         []string
		wantComplete bool
	}{
		{"all", 100, false, []string{"below", "locked-0", "locked-1", "locked-2", "locked-3", "expired", "ips-only"}, true},
		{"exactly all", 7, false, []string{"below", "locked-0", "locked-1", "locked-2", "locked-3", "expired", "ips-only"}, true},
		{"limited", 2, false, []string{"below", "locked-0"}, false},
		{"locked only", 100, true, []string{"locked-0", "locked-1", "locked-2", "locked-3"}, true},
		{"locked only, exactly the locked ones", 4, true, []string{"locked-0", "locked-1", "locked-2", "locked-3"}, true},
		{"locked only, limited", 3, true, []string{"locked-0", "locked-1", "locked-2"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, complete, err := a.List(t.Context(), tt.limit, tt.lockedOnly)
			if err != nil {
				t.Fatal(err)
			}
			keys := make([]string, len(got))
			for i, act := range got {
				keys[i] = act.Key
				if tt.lockedOnly && !act.Locked() {
					t.Errorf("%s listed as locked but is not: %+v", act.Key, act)
				}
			}
			if !slices.Equal(keys, tt.want) || complete != tt.wantComplete {
				t.Fatalf("List(%d, %v) = %q complete=%v, want %q complete=%v", tt.limit, tt.lockedOnly, keys, complete, tt.want, tt.wantComplete)
			}
		})
	}
	for _, limit := range []int{0, -1, lockout.MaxList + 1} {
		if _, _, err := a.List(t.Context(), limit, false); err == nil {
			t.Errorf("List(%d) succeeded", limit)
		}
	}
}

// TestAdmin_ListLockedOnlyIsCompleteWhenOlderAccountsCannotBeLocked: when
// the store holds more than MaxList accounts, --locked is still complete
// if the oldest fetched failure is a window old.
func TestAdmin_ListLockedOnlyCompleteness(t *testing.T) {
	tests := []struct {
		name   string
		oldest time.Duration // age of the last fetched entry's failure
		want   bool
	}{
		{"oldest fetched failure a window old", 30 * time.Minute, true},
		{"oldest fetched failure recent", 29 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			now := e.clock.Now()
			for i := range lockout.MaxList {
				age := tt.oldest
				if i == 0 {
					age = time.Minute
				}
				e.store.m[fmt.Sprintf("k%05d", i)] = lockout.State{Unfamiliar: lockout.Counter{Count: 1, Last: now.Add(-age)}}
			}
			e.store.m["zz-beyond"] = lockout.State{Unfamiliar: lockout.Counter{Count: 3, Last: now.Add(-tt.oldest)}}
			got, complete, err := e.newAdmin(t).List(t.Context(), 10, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 0 || complete != tt.want {
				t.Fatalf("List = %d locked, complete=%v; want 0, %v", len(got), complete, tt.want)
			}
		})
	}
}

func TestAdmin_StoreErrorsAreWrapped(t *testing.T) {
	e := newEnv(t)
	a := e.newAdmin(t)
	e.store.err = errBoom
	if _, err := a.Activity(t.Context(), "key-alice"); !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), "lockout: ") {
		t.Errorf("Activity err = %v", err)
	}
	if _, _, err := a.Reset(t.Context(), "key-alice", lockout.LocationAll); !errors.Is(err, errBoom) {
		t.Errorf("Reset err = %v", err)
	}
	if _, _, err := a.List(t.Context(), 10, false); !errors.Is(err, errBoom) {
		t.Errorf("List err = %v", err)
	}
}

func TestState_LastFailure(t *testing.T) {
	t0 := newClock().Now()
	tests := []struct {
		name     string
		s        lockout.State
		at       time.Time
		familiar bool
	}{
		{"none", lockout.State{FamiliarIPs: []string{"10.0.0.5"}}, time.Time{}, false},
		{"unfamiliar later", lockout.State{Familiar: lockout.Counter{1, t0}, Unfamiliar: lockout.Counter{1, t0.Add(time.Second)}}, t0.Add(time.Second), false},
		{"familiar later", lockout.State{Familiar: lockout.Counter{1, t0.Add(time.Second)}, Unfamiliar: lockout.Counter{1, t0}}, t0.Add(time.Second), true},
		{"equal is unfamiliar", lockout.State{Familiar: lockout.Counter{1, t0}, Unfamiliar: lockout.Counter{1, t0}}, t0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if at, fam := tt.s.LastFailure(); !at.Equal(tt.at) || fam != tt.familiar {
				t.Fatalf("LastFailure = %v, %v; want %v, %v", at, fam, tt.at, tt.familiar)
			}
		})
	}
}

func equalActivity(t *testing.T, got, want lockout.Activity) {
	t.Helper()
	eq := func(a, b lockout.CounterStatus) bool {
		return a.BadPasswords == b.BadPasswords && a.Threshold == b.Threshold && a.LastFailure.Equal(b.LastFailure) &&
			a.Locked == b.Locked && a.RetryAt.Equal(b.RetryAt)
	}
	if got.Key != want.Key || !eq(got.Familiar, want.Familiar) || !eq(got.Unfamiliar, want.Unfamiliar) || !slices.Equal(got.FamiliarIPs, want.FamiliarIPs) {
		t.Fatalf("activity = %+v\nwant       %+v", got, want)
	}
}
