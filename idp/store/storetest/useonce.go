package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/store"
)

func useOnce(t *testing.T, s store.Store, kind, id string, until time.Time, want bool) {
	t.Helper()
	got, err := s.UseOnce(t.Context(), kind, id, until)
	if err != nil {
		t.Fatalf("UseOnce(%q, %q, %v): %v", kind, id, until, err)
	}
	if got != want {
		t.Fatalf("UseOnce(%q, %q, %v) first = %v, want %v", kind, id, until, got, want)
	}
}

// concurrentFirsts calls UseOnce n times at once, spread over stores, and
// returns how many saw first=true.
func concurrentFirsts(t *testing.T, n int, stores ...store.Store) int {
	t.Helper()
	return wins(race(t, "UseOnce", n, func(i int) (bool, error) {
		return stores[i%len(stores)].UseOnce(t.Context(), "race", "id", future())
	}))
}

func useOnceTests() []test {
	return []test{
		{"FirstThenSecond", func(t *testing.T, s store.Store) {
			useOnce(t, s, "totp", "alice:1", future(), true)
			useOnce(t, s, "totp", "alice:1", future(), false)
			useOnce(t, s, "totp", "alice:1", future().Add(time.Hour), false)
		}},
		{"ExpiredRecordIsReplaced", func(t *testing.T, s store.Store) {
			useOnce(t, s, "totp", "alice:1", past(), true)
			useOnce(t, s, "totp", "alice:1", future(), true) // the past record had expired
			useOnce(t, s, "totp", "alice:1", future(), false)
		}},
		{"PastUntilNeverBlocks", func(t *testing.T, s store.Store) {
			// The atomic-probe property mfa's lockout check relies on.
			for range 3 {
				useOnce(t, s, "totp_lock", "alice", time.Unix(0, 0), true)
			}
		}},
		{"KindAndIDAreIndependent", func(t *testing.T, s store.Store) {
			useOnce(t, s, "totp", "alice:1", future(), true)
			useOnce(t, s, "request", "alice:1", future(), true)
			useOnce(t, s, "totp", "alice:2", future(), true)
			useOnce(t, s, "totp", "Alice:1", future(), true) // case-sensitive
			useOnce(t, s, "request", "alice:1", future(), false)
		}},
		{"ConcurrentCallsExactlyOneFirst", func(t *testing.T, s store.Store) {
			if got := concurrentFirsts(t, 20, s); got != 1 {
				t.Fatalf("%d of 20 concurrent UseOnce calls saw first=true, want 1", got)
			}
		}},
		{"InvalidInputRefused", func(t *testing.T, s store.Store) {
			cases := map[string][2]string{
				"empty kind": {"", "id"},
				"empty id":   {"k", ""},
				"long kind":  {strings.Repeat("k", store.MaxKindLen+1), "id"},
				"long id":    {"k", strings.Repeat("i", store.MaxKeyLen+1)},
				"NUL id":     {"k", "a\x00"},
			}
			for name, c := range cases {
				if _, err := s.UseOnce(t.Context(), c[0], c[1], future()); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("%s: err = %v, want ErrInvalid", name, err)
				}
			}
			if _, err := s.UseOnce(t.Context(), "k", "id", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("year 10000: err = %v, want ErrInvalid", err)
			}
		}},
	}
}
