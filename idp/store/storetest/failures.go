package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/store"
)

func addFailure(t *testing.T, s store.Store, kind, key string, now time.Time, window time.Duration, want int) {
	t.Helper()
	got, err := s.AddFailure(t.Context(), kind, key, now, window)
	if err != nil {
		t.Fatalf("AddFailure(%q, %q, %v): %v", kind, key, now, err)
	}
	if got != want {
		t.Fatalf("AddFailure(%q, %q, %v) = %d, want %d", kind, key, now, got, want)
	}
}

func failureTests() []test {
	const w = 5 * time.Minute
	return []test{
		{"CountWithinWindow", func(t *testing.T, s store.Store) {
			for i := range 4 {
				addFailure(t, s, "totp", "alice", t0().Add(time.Duration(i)*time.Minute), w, i+1)
			}
		}},
		{"WindowIsFixedFromFirstFailure", func(t *testing.T, s store.Store) {
			addFailure(t, s, "totp", "alice", t0(), w, 1)
			addFailure(t, s, "totp", "alice", t0().Add(w-time.Microsecond), w, 2)
			addFailure(t, s, "totp", "alice", t0().Add(w), w, 1) // window ended: new window
			addFailure(t, s, "totp", "alice", t0().Add(2*w-time.Microsecond), w, 2)
			addFailure(t, s, "totp", "alice", t0().Add(2*w), w, 1)
		}},
		{"Reset", func(t *testing.T, s store.Store) {
			addFailure(t, s, "totp", "alice", t0(), w, 1)
			addFailure(t, s, "totp", "alice", t0(), w, 2)
			addFailure(t, s, "totp", "bob", t0(), w, 1)
			if err := s.ResetFailures(t.Context(), "totp", "alice"); err != nil {
				t.Fatal(err)
			}
			if err := s.ResetFailures(t.Context(), "totp", "nobody"); err != nil {
				t.Fatalf("ResetFailures of an unknown key: %v", err)
			}
			addFailure(t, s, "totp", "alice", t0(), w, 1)
			addFailure(t, s, "totp", "bob", t0(), w, 2)
		}},
		{"KindAndKeyAreIndependent", func(t *testing.T, s store.Store) {
			addFailure(t, s, "totp", "alice", t0(), w, 1)
			addFailure(t, s, "password", "alice", t0(), w, 1)
			addFailure(t, s, "totp", "bob", t0(), w, 1)
			addFailure(t, s, "totp", "alice", t0(), w, 2)
		}},
		{"ConcurrentIncrementsAreAtomic", func(t *testing.T, s store.Store) {
			got := concurrentFailures(t, 20, s)
			want := make([]int, 20)
			for i := range want {
				want[i] = i + 1
			}
			if !slices.Equal(got, want) {
				t.Fatalf("concurrent counts = %v, want each of 1..20 once", got)
			}
		}},
		{"InvalidWindowRefused", func(t *testing.T, s store.Store) {
			for _, d := range []time.Duration{0, -time.Second} {
				if _, err := s.AddFailure(t.Context(), "totp", "alice", t0(), d); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("window %v: err = %v, want ErrInvalid", d, err)
				}
			}
		}},
	}
}

// concurrentFailures adds n failures at once, spread over stores, and
// returns the sorted counts they saw.
func concurrentFailures(t *testing.T, n int, stores ...store.Store) []int {
	t.Helper()
	counts := race(t, "AddFailure", n, func(i int) (int, error) {
		return stores[i%len(stores)].AddFailure(t.Context(), "race", "key", t0(), time.Hour)
	})
	slices.Sort(counts)
	return counts
}
