package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/mfa"
)

// recoveryHashes returns n distinct 32-byte hashes tagged with set.
func recoveryHashes(set string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		h := sha256.Sum256(fmt.Appendf(nil, "%s-%d", set, i))
		out[i] = h[:]
	}
	return out
}

func replaceRecovery(t *testing.T, s store.Store, user string, hashes [][]byte) {
	t.Helper()
	if err := s.ReplaceRecoveryCodes(t.Context(), user, hashes, t0()); err != nil {
		t.Fatalf("ReplaceRecoveryCodes(%q, %d hashes): %v", user, len(hashes), err)
	}
}

func recoverySet(t *testing.T, s store.Store, user string) [][]byte {
	t.Helper()
	got, err := s.RecoveryCodeHashes(t.Context(), user)
	if err != nil {
		t.Fatalf("RecoveryCodeHashes(%q): %v", user, err)
	}
	if got == nil {
		t.Fatalf("RecoveryCodeHashes(%q) = nil, want a non-nil slice", user)
	}
	slices.SortFunc(got, bytes.Compare)
	return got
}

func sameSet(t *testing.T, got, want [][]byte) {
	t.Helper()
	want = slices.Clone(want)
	slices.SortFunc(want, bytes.Compare)
	if !slices.EqualFunc(got, want, bytes.Equal) {
		t.Fatalf("recovery hashes: got %d %x, want %d %x", len(got), got, len(want), want)
	}
}

func consume(t *testing.T, s store.Store, user string, h []byte, want bool) {
	t.Helper()
	if ok, err := s.ConsumeRecoveryCode(t.Context(), user, h); err != nil || ok != want {
		t.Fatalf("ConsumeRecoveryCode(%q, %x) = %v, %v; want %v, nil", user, h[:4], ok, err, want)
	}
}

func recoveryTests() []test {
	return []test{
		{"EmptyForUnknownUser", func(t *testing.T, s store.Store) {
			sameSet(t, recoverySet(t, s, "nobody"), nil)
		}},
		{"ReplaceAndList", func(t *testing.T, s store.Store) {
			a := recoveryHashes("a", 10)
			replaceRecovery(t, s, "alice", a)
			replaceRecovery(t, s, "bob", recoveryHashes("b", 3))
			sameSet(t, recoverySet(t, s, "alice"), a)
			sameSet(t, recoverySet(t, s, "bob"), recoveryHashes("b", 3))
		}},
		{"ReplaceReplacesAll", func(t *testing.T, s store.Store) {
			replaceRecovery(t, s, "alice", recoveryHashes("old", 10))
			// The new set shares one hash with the old one on purpose.
			fresh := append(recoveryHashes("new", 9), recoveryHashes("old", 1)...)
			replaceRecovery(t, s, "alice", fresh)
			sameSet(t, recoverySet(t, s, "alice"), fresh)
			replaceRecovery(t, s, "alice", nil)
			sameSet(t, recoverySet(t, s, "alice"), nil)
		}},
		{"ConsumeOnce", func(t *testing.T, s store.Store) {
			hs := recoveryHashes("a", 3)
			replaceRecovery(t, s, "alice", hs)
			consume(t, s, "alice", hs[1], true)
			consume(t, s, "alice", hs[1], false)
			sameSet(t, recoverySet(t, s, "alice"), [][]byte{hs[0], hs[2]})
		}},
		{"ConsumeIsPerUser", func(t *testing.T, s store.Store) {
			hs := recoveryHashes("shared", 1)
			replaceRecovery(t, s, "alice", hs)
			replaceRecovery(t, s, "bob", hs)
			consume(t, s, "bob", hs[0], true)
			consume(t, s, "mallory", hs[0], false)
			sameSet(t, recoverySet(t, s, "alice"), hs)
		}},
		{"ConsumeExactBytes", func(t *testing.T, s store.Store) {
			hs := recoveryHashes("a", 1)
			replaceRecovery(t, s, "alice", hs)
			consume(t, s, "alice", hs[0][:31], false)
			consume(t, s, "alice", append(slices.Clone(hs[0]), 0), false)
			upper := slices.Clone(hs[0])
			upper[0] ^= 0x20
			consume(t, s, "alice", upper, false)
			consume(t, s, "alice", hs[0], true)
		}},
		{"InvalidInputWritesNothing", func(t *testing.T, s store.Store) {
			replaceRecovery(t, s, "alice", recoveryHashes("keep", 2))
			dup := recoveryHashes("d", 2)
			dup[1] = dup[0]
			for name, hs := range map[string][][]byte{
				"duplicate": dup,
				"empty":     {{}},
				"too long":  {bytes.Repeat([]byte{1}, store.MaxRecoveryHashLen+1)},
				"too many":  recoveryHashes("m", store.MaxRecoveryCodes+1),
			} {
				if err := s.ReplaceRecoveryCodes(t.Context(), "alice", hs, t0()); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("%s: ReplaceRecoveryCodes = %v, want ErrInvalid", name, err)
				}
			}
			for name, user := range map[string]string{"empty": "", "NUL": "a\x00", "long": strings.Repeat("u", store.MaxKeyLen+1)} {
				if err := s.ReplaceRecoveryCodes(t.Context(), user, recoveryHashes("x", 1), t0()); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("user %s: ReplaceRecoveryCodes = %v, want ErrInvalid", name, err)
				}
				if _, err := s.RecoveryCodeHashes(t.Context(), user); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("user %s: RecoveryCodeHashes = %v, want ErrInvalid", name, err)
				}
				if _, err := s.ConsumeRecoveryCode(t.Context(), user, recoveryHashes("x", 1)[0]); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("user %s: ConsumeRecoveryCode = %v, want ErrInvalid", name, err)
				}
			}
			if _, err := s.ConsumeRecoveryCode(t.Context(), "alice", nil); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("ConsumeRecoveryCode(nil) = %v, want ErrInvalid", err)
			}
			sameSet(t, recoverySet(t, s, "alice"), recoveryHashes("keep", 2))
		}},
		{"ConcurrentConsumeExactlyOne", func(t *testing.T, s store.Store) {
			h := recoveryHashes("race", 1)
			replaceRecovery(t, s, "alice", h)
			if got := concurrentConsumes(t, 20, h[0], s); got != 1 {
				t.Fatalf("%d of 20 concurrent consumes succeeded, want 1", got)
			}
		}},
		{"ConcurrentReplaceLeavesOneSet", func(t *testing.T, s store.Store) {
			concurrentReplaces(t, 8, s)
		}},
		{"ServiceGenerateUseReplace", func(t *testing.T, s store.Store) {
			svc := newService(t, s)
			enrollService(t, svc)
			old, err := svc.GenerateRecoveryCodes(t.Context(), "alice")
			if err != nil {
				t.Fatalf("GenerateRecoveryCodes: %v", err)
			}
			if err := svc.UseRecoveryCode(t.Context(), "alice", old[0]); err != nil {
				t.Fatalf("UseRecoveryCode: %v", err)
			}
			if err := svc.UseRecoveryCode(t.Context(), "alice", old[0]); !errors.Is(err, mfa.ErrInvalidCode) {
				t.Fatalf("reuse = %v, want ErrInvalidCode", err)
			}
			if n, err := svc.RemainingRecoveryCodes(t.Context(), "alice"); err != nil || n != mfa.RecoveryCodeCount-1 {
				t.Fatalf("RemainingRecoveryCodes = %d, %v", n, err)
			}
			fresh, err := svc.GenerateRecoveryCodes(t.Context(), "alice")
			if err != nil {
				t.Fatal(err)
			}
			if err := svc.UseRecoveryCode(t.Context(), "alice", old[1]); !errors.Is(err, mfa.ErrInvalidCode) {
				t.Fatalf("old code after regenerate = %v, want ErrInvalidCode", err)
			}
			if err := svc.UseRecoveryCode(t.Context(), "alice", fresh[1]); err != nil {
				t.Fatalf("new code: %v", err)
			}
		}},
	}
}

// concurrentConsumes spends h from n goroutines spread over stores and
// returns how many succeeded.
func concurrentConsumes(t *testing.T, n int, h []byte, stores ...store.Store) int {
	t.Helper()
	return wins(race(t, "ConsumeRecoveryCode", n, func(i int) (bool, error) {
		return stores[i%len(stores)].ConsumeRecoveryCode(t.Context(), "alice", h)
	}))
}

// concurrentReplaces runs n replacements with distinct sets for alice
// from goroutines spread over stores; afterwards exactly one whole set
// must be stored.
func concurrentReplaces(t *testing.T, n int, stores ...store.Store) {
	t.Helper()
	race(t, "ReplaceRecoveryCodes", n, func(i int) (struct{}, error) {
		return struct{}{}, stores[i%len(stores)].ReplaceRecoveryCodes(t.Context(), "alice", recoveryHashes(fmt.Sprint("set", i), 10), t0())
	})
	got := recoverySet(t, stores[0], "alice")
	for i := range n {
		want := recoveryHashes(fmt.Sprint("set", i), 10)
		slices.SortFunc(want, bytes.Compare)
		if slices.EqualFunc(got, want, bytes.Equal) {
			return
		}
	}
	t.Fatalf("after %d concurrent replacements %d hashes are stored, not one whole set", n, len(got))
}
