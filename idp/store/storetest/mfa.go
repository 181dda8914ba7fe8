package storetest

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/mfa"
)

// newService returns an mfa.Service over s. Both use the real clock, the
// only one the suite can share with a store it did not open; codes are
// generated for a step the service accepts whichever second it runs in.
func newService(t *testing.T, s store.Store) *mfa.Service {
	t.Helper()
	svc, err := mfa.New(mfa.Config{Store: s, Key: bytes.Repeat([]byte{3}, mfa.KeySize), Rand: rand.NewChaCha8([32]byte{5})})
	if err != nil {
		t.Fatalf("mfa.New: %v", err)
	}
	return svc
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrollService enrolls alice with the code of the current step and returns
// the secret.
func enrollService(t *testing.T, svc *mfa.Service) string {
	t.Helper()
	e, err := svc.NewEnrollment(t.Context(), "alice", "alice@example.com")
	if err != nil {
		t.Fatalf("NewEnrollment: %v", err)
	}
	if err := svc.Confirm(t.Context(), "alice", "alice@example.com", e.Secret, code(t, e.Secret, time.Now())); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	return e.Secret
}

func mfaTests() []test {
	return []test{
		{"EnrollVerifyReplay", func(t *testing.T, s store.Store) {
			svc := newService(t, s)
			secret := enrollService(t, svc)
			// The next step's code: within the ±1 skew for the next 30-60 s,
			// and distinct from the confirming code's step.
			next := code(t, secret, time.Now().Add(mfa.Period))
			if err := svc.Verify(t.Context(), "alice", next); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if err := svc.Verify(t.Context(), "alice", next); !errors.Is(err, mfa.ErrReplayed) {
				t.Fatalf("replayed Verify err = %v, want ErrReplayed", err)
			}
			recs, err := svc.List(t.Context())
			if err != nil || len(recs) != 1 || bytes.Contains(recs[0].SealedSecret, []byte(secret)) {
				t.Fatalf("List = %+v, %v; want one sealed record", recs, err)
			}
		}},
		{"LockoutSurvivesRightCode", func(t *testing.T, s store.Store) {
			svc := newService(t, s)
			secret := enrollService(t, svc)
			right := code(t, secret, time.Now().Add(mfa.Period))
			wrong := wrongCode(t, secret)
			for range mfa.DefaultMaxFailures {
				_ = svc.Verify(t.Context(), "alice", wrong)
			}
			if err := svc.Verify(t.Context(), "alice", right); !errors.Is(err, mfa.ErrLocked) {
				t.Fatalf("right code after %d failures: err = %v, want ErrLocked", mfa.DefaultMaxFailures, err)
			}
		}},
	}
}

// wrongCode returns a well-formed code that matches no step near now.
func wrongCode(t *testing.T, secret string) string {
	t.Helper()
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		if _, ok := mfa.ValidateCode(secret, c, time.Now(), 3); !ok {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}
