package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/store"
)

// aliceKey is a lockout key as the resolver makes it: a base64 objectGUID.
const aliceKey = "RW+aKiwLHUqeP11se4qfAQ=="

func getLockout(t *testing.T, s lockout.Store, key string) (lockout.State, bool) {
	t.Helper()
	st, ok, err := s.GetLockout(t.Context(), key)
	if err != nil {
		t.Fatalf("GetLockout(%q): %v", key, err)
	}
	return st, ok
}

func setLockout(t *testing.T, s lockout.Store, key string, want lockout.State) lockout.State {
	t.Helper()
	got, err := s.UpdateLockout(t.Context(), key, func(lockout.State) (lockout.State, error) { return want, nil })
	if err != nil {
		t.Fatalf("UpdateLockout(%q): %v", key, err)
	}
	return got
}

// equalLockout compares states as stored (UTC, microseconds).
func equalLockout(t *testing.T, got, want lockout.State) {
	t.Helper()
	ok := got.Familiar.Count == want.Familiar.Count && got.Unfamiliar.Count == want.Unfamiliar.Count &&
		got.Familiar.Last.Equal(want.Familiar.Last) && got.Unfamiliar.Last.Equal(want.Unfamiliar.Last) &&
		slices.Equal(got.FamiliarIPs, want.FamiliarIPs)
	for _, c := range []lockout.Counter{got.Familiar, got.Unfamiliar} {
		if !c.Last.IsZero() && c.Last.Location() != time.UTC {
			ok = false
		}
	}
	if !ok {
		t.Fatalf("lockout state = %+v, want %+v (times in UTC)", got, want)
	}
}

func sampleLockout() lockout.State {
	return lockout.State{
		Familiar:    lockout.Counter{Count: 2, Last: t0()},
		Unfamiliar:  lockout.Counter{Count: 7, Last: t0().Add(time.Minute)},
		FamiliarIPs: []string{"10.0.0.5", "2001:db8::1", "192.0.2.1"},
	}
}

// storedLockout is s as a store returns it.
func storedLockout(s lockout.State) lockout.State {
	s = s.Clone()
	s.Familiar.Last = stored(s.Familiar.Last)
	s.Unfamiliar.Last = stored(s.Unfamiliar.Last)
	return s
}

func lockoutTests() []test {
	errFn := errors.New("fn refused")
	return []test{
		{"AbsentIsZero", func(t *testing.T, s store.Store) {
			if st, ok := getLockout(t, s, aliceKey); ok || !st.IsZero() {
				t.Fatalf("GetLockout of a new key = %+v, %v; want zero, false", st, ok)
			}
			var seen lockout.State
			seen.FamiliarIPs = []string{"sentinel"}
			if _, err := s.UpdateLockout(t.Context(), aliceKey, func(cur lockout.State) (lockout.State, error) {
				seen = cur
				return cur, nil
			}); err != nil {
				t.Fatal(err)
			}
			if !seen.IsZero() {
				t.Fatalf("fn saw %+v for a new key, want the zero State", seen)
			}
			if _, ok := getLockout(t, s, aliceKey); ok {
				t.Fatal("a zero State was stored")
			}
		}},
		{"RoundTripInUTC", func(t *testing.T, s store.Store) {
			want := storedLockout(sampleLockout())
			equalLockout(t, setLockout(t, s, aliceKey, sampleLockout()), want)
			got, ok := getLockout(t, s, aliceKey)
			if !ok {
				t.Fatal("GetLockout after UpdateLockout: not found")
			}
			equalLockout(t, got, want)
			var seen lockout.State
			if _, err := s.UpdateLockout(t.Context(), aliceKey, func(cur lockout.State) (lockout.State, error) {
				seen = cur
				return cur, nil
			}); err != nil {
				t.Fatal(err)
			}
			equalLockout(t, seen, want)
		}},
		{"ZeroStateDeletes", func(t *testing.T, s store.Store) {
			setLockout(t, s, aliceKey, sampleLockout())
			setLockout(t, s, aliceKey, lockout.State{})
			if st, ok := getLockout(t, s, aliceKey); ok {
				t.Fatalf("state after a zero update = %+v, want none", st)
			}
		}},
		{"FnErrorWritesNothing", func(t *testing.T, s store.Store) {
			setLockout(t, s, aliceKey, sampleLockout())
			_, err := s.UpdateLockout(t.Context(), aliceKey, func(cur lockout.State) (lockout.State, error) {
				cur.Unfamiliar.Count = 100
				return cur, errFn
			})
			if !errors.Is(err, errFn) {
				t.Fatalf("UpdateLockout err = %v, want fn's error", err)
			}
			got, _ := getLockout(t, s, aliceKey)
			equalLockout(t, got, storedLockout(sampleLockout()))
		}},
		{"FnGetsACopy", func(t *testing.T, s store.Store) {
			setLockout(t, s, aliceKey, sampleLockout())
			if _, err := s.UpdateLockout(t.Context(), aliceKey, func(cur lockout.State) (lockout.State, error) {
				cur.FamiliarIPs[0] = "10.9.9.9"
				return cur, errFn
			}); !errors.Is(err, errFn) {
				t.Fatal(err)
			}
			got, _ := getLockout(t, s, aliceKey)
			equalLockout(t, got, storedLockout(sampleLockout()))
		}},
		{"InvalidStateRefused", func(t *testing.T, s store.Store) {
			setLockout(t, s, aliceKey, sampleLockout())
			bad := []lockout.State{
				{Unfamiliar: lockout.Counter{Count: -1, Last: t0()}},
				{Unfamiliar: lockout.Counter{Count: 1}},
				{FamiliarIPs: []string{"not-an-ip"}},
				{FamiliarIPs: []string{"10.0.0.5", "10.0.0.5"}},
				{FamiliarIPs: slices.Repeat([]string{"x"}, lockout.MaxFamiliarIPs+1)},
			}
			for _, b := range bad {
				if _, err := s.UpdateLockout(t.Context(), aliceKey, func(lockout.State) (lockout.State, error) { return b, nil }); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("UpdateLockout(%+v) err = %v, want ErrInvalid", b, err)
				}
			}
			got, _ := getLockout(t, s, aliceKey)
			equalLockout(t, got, storedLockout(sampleLockout()))
		}},
		{"InvalidKeyRefused", func(t *testing.T, s store.Store) {
			for _, key := range []string{"", "a\x00b", "a\xffb", strings.Repeat("k", store.MaxKeyLen+1)} {
				called := false
				_, err := s.UpdateLockout(t.Context(), key, func(cur lockout.State) (lockout.State, error) {
					called = true
					return cur, nil
				})
				if !errors.Is(err, store.ErrInvalid) || called {
					t.Errorf("UpdateLockout(%q) err = %v, fn called %v; want ErrInvalid without calling fn", key, err, called)
				}
				if _, _, err := s.GetLockout(t.Context(), key); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("GetLockout(%q) err = %v, want ErrInvalid", key, err)
				}
			}
		}},
		{"KeysAreIndependent", func(t *testing.T, s store.Store) {
			setLockout(t, s, aliceKey, sampleLockout())
			if _, ok := getLockout(t, s, "JLX2E74/mk2m9Jf30wGM3Q=="); ok {
				t.Fatal("another key sees alice's state")
			}
			// Keys are compared exactly (base64 is case-sensitive).
			if _, ok := getLockout(t, s, strings.ToLower(aliceKey)); ok {
				t.Fatal("keys compared case-insensitively")
			}
		}},
		{"ConcurrentUpdatesAreSerialised", func(t *testing.T, s store.Store) {
			concurrentLockoutIncrements(t, 20, s)
		}},
		{"ListEmpty", func(t *testing.T, s store.Store) {
			if got := listLockouts(t, s, lockout.MaxList); len(got) != 0 {
				t.Fatalf("ListLockouts of an empty store = %+v", got)
			}
		}},
		{"ListNewestFailureFirstThenByKey", func(t *testing.T, s store.Store) {
			ips := []string{"10.0.0.5"}
			states := map[string]lockout.State{
				// Only familiar IPs: last, in key (byte) order.
				"Zk9P": {FamiliarIPs: ips},
				"Ak9P": {FamiliarIPs: ips},
				// Ordered by the later of the two counters.
				"old":   {Unfamiliar: lockout.Counter{Count: 1, Last: t0()}},
				"fam":   {Familiar: lockout.Counter{Count: 2, Last: t0().Add(3 * time.Minute)}, Unfamiliar: lockout.Counter{Count: 9, Last: t0()}},
				"unfam": {Unfamiliar: lockout.Counter{Count: 4, Last: t0().Add(2 * time.Minute)}, FamiliarIPs: ips},
				// Equal times are ordered by key.
				"tie-b": {Unfamiliar: lockout.Counter{Count: 1, Last: t0().Add(time.Minute)}},
				"tie-a": {Familiar: lockout.Counter{Count: 1, Last: t0().Add(time.Minute)}},
			}
			for k, st := range states {
				setLockout(t, s, k, st)
			}
			want := []string{"fam", "unfam", "tie-a", "tie-b", "old", "Ak9P", "Zk9P"}
			got := listLockouts(t, s, lockout.MaxList)
			if keys := entryKeys(got); !slices.Equal(keys, want) {
				t.Fatalf("ListLockouts order = %q, want %q", keys, want)
			}
			for _, e := range got {
				equalLockout(t, e.State, storedLockout(states[e.Key]))
			}
			if keys := entryKeys(listLockouts(t, s, 3)); !slices.Equal(keys, want[:3]) {
				t.Fatalf("ListLockouts(3) = %q, want %q", keys, want[:3])
			}
		}},
		{"ListAfterDeleteAndUpdate", func(t *testing.T, s store.Store) {
			setLockout(t, s, aliceKey, sampleLockout())
			setLockout(t, s, "other", lockout.State{Unfamiliar: lockout.Counter{Count: 1, Last: t0().Add(time.Hour)}})
			setLockout(t, s, "other", lockout.State{})
			got := listLockouts(t, s, 10)
			if len(got) != 1 || got[0].Key != aliceKey {
				t.Fatalf("ListLockouts = %q, want only %q", entryKeys(got), aliceKey)
			}
			equalLockout(t, got[0].State, storedLockout(sampleLockout()))
		}},
		{"ListInvalidLimitRefused", func(t *testing.T, s store.Store) {
			setLockout(t, s, aliceKey, sampleLockout())
			for _, limit := range []int{0, -1, lockout.MaxList + 1} {
				if got, err := s.ListLockouts(t.Context(), limit); !errors.Is(err, store.ErrInvalid) || got != nil {
					t.Errorf("ListLockouts(%d) = %d entries, %v; want ErrInvalid", limit, len(got), err)
				}
			}
		}},
	}
}

func listLockouts(t *testing.T, s lockout.Store, limit int) []lockout.Entry {
	t.Helper()
	got, err := s.ListLockouts(t.Context(), limit)
	if err != nil {
		t.Fatalf("ListLockouts(%d): %v", limit, err)
	}
	return got
}

func entryKeys(es []lockout.Entry) []string {
	keys := make([]string, len(es))
	for i, e := range es {
		keys[i] = e.Key
	}
	return keys
}

// concurrentLockoutIncrements increments one counter n times at once,
// spread over stores, and checks that no update was lost and that every
// fn saw a distinct count.
func concurrentLockoutIncrements(t *testing.T, n int, stores ...store.Store) {
	t.Helper()
	seen := race(t, "UpdateLockout", n, func(i int) (int, error) {
		var saw int
		_, err := stores[i%len(stores)].UpdateLockout(t.Context(), aliceKey, func(cur lockout.State) (lockout.State, error) {
			saw = cur.Unfamiliar.Count
			cur.Unfamiliar.Count++
			cur.Unfamiliar.Last = t0()
			return cur, nil
		})
		return saw, err
	})
	slices.Sort(seen)
	for i, c := range seen {
		if c != i {
			t.Fatalf("fns saw counts %v, want each of 0..%d once", seen, n-1)
		}
	}
	if got, _ := getLockout(t, stores[0], aliceKey); got.Unfamiliar.Count != n {
		t.Fatalf("final count = %d, want %d", got.Unfamiliar.Count, n)
	}
}
