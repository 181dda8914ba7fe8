package lockout_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
)

// FuzzPolicy drives a policy with an arbitrary sequence of attempts,
// outcomes and clock steps and checks after every step that the stored
// state is well formed, that a refused attempt changes nothing, that no
// counter passes its threshold by more than the one attempt per window a
// locked location allows, and the point of it all: an Active Directory
// whose counter resets after half the observation window (and on a good
// password) never sees more than Threshold + FamiliarThreshold bad
// passwords in a row.
func FuzzPolicy(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 8, 0, 1, 2, 3})
	f.Add([]byte{3, 2, 2, 2, 2, 2, 2, 4, 4, 0xff, 2})
	f.Add([]byte{5, 13, 21, 29, 37, 45, 53, 61, 69, 77, 85, 93, 101, 109, 117, 125, 133, 141, 149, 157, 165, 173, 181})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 512 {
			ops = ops[:512]
		}
		e := newEnv(t)
		windows := 0 // observation windows elapsed so far (upper bound)
		var moved time.Duration
		ad := &adCounter{reset: 15 * time.Minute} // window 30m = 2 × AD reset
		for i, op := range ops {
			ip := fmt.Sprintf("198.51.100.%d", op>>3)
			if op&1 == 0 {
				ip = "10.0.0.5"
			}
			before := e.store.state(t, "key-alice")
			writes := e.store.writes
			switch op % 8 {
			case 0, 1, 2:
				if d := e.attempt(t, "alice", ip, badPassword); d.Allowed {
					ad.bad(e.clock.Now())
				}
			case 3, 4:
				if d := e.attempt(t, "alice", ip, goodPassword); d.Allowed {
					ad.good()
				}
			case 5:
				e.attempt(t, "alice", ip, unavailable)
			case 6:
				d := e.attempt(t, "alice", ip, badPassword)
				if !d.Allowed && e.store.writes != writes {
					t.Fatalf("step %d: a refused attempt wrote state", i)
				}
				if d.Allowed {
					ad.bad(e.clock.Now())
				}
			case 7:
				d := time.Duration(op>>3) * 2 * time.Minute
				e.clock.Add(d)
				moved += d
				windows = int(moved / (30 * time.Minute))
			}
			after := e.store.state(t, "key-alice")
			checkState(t, i, after)
			if ad.count > 3+5 {
				t.Fatalf("step %d: AD saw %d bad passwords in a row, more than threshold + familiar threshold (8)", i, ad.count)
			}
			// Without a good password in between, each counter grows by
			// at most one per step and stays within threshold plus one
			// attempt per elapsed window.
			if after.Unfamiliar.Count > before.Unfamiliar.Count+1 || after.Familiar.Count > before.Familiar.Count+1 {
				t.Fatalf("step %d: a counter grew by more than one: %+v → %+v", i, before, after)
			}
			if after.Unfamiliar.Count > 3+windows+1 || after.Familiar.Count > 5+windows+1 {
				t.Fatalf("step %d: counters %+v exceed threshold + windows (%d)", i, after, windows)
			}
		}
	})
}

func checkState(t *testing.T, step int, s lockout.State) {
	t.Helper()
	for _, c := range []lockout.Counter{s.Familiar, s.Unfamiliar} {
		if c.Count < 0 || (c.Count == 0) != c.Last.IsZero() {
			t.Fatalf("step %d: malformed counter %+v", step, c)
		}
	}
	if len(s.FamiliarIPs) > lockout.MaxFamiliarIPs {
		t.Fatalf("step %d: %d familiar IPs", step, len(s.FamiliarIPs))
	}
	sorted := slices.Clone(s.FamiliarIPs)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(s.FamiliarIPs) {
		t.Fatalf("step %d: duplicate familiar IPs %v", step, s.FamiliarIPs)
	}
}

// adCounter is AD's badPwdCount: reset by a good password, and treated as
// zero once reset has passed since the last bad password.
type adCounter struct {
	reset time.Duration
	count int
	last  time.Time
}

func (a *adCounter) bad(now time.Time) {
	if a.count > 0 && !now.Before(a.last.Add(a.reset)) {
		a.count = 0
	}
	a.count++
	a.last = now
}

func (a *adCounter) good() { a.count = 0 }
