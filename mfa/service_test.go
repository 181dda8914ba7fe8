package mfa_test

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"

	"github.com/fedgate/fedgate/internal/testclock"
	"github.com/fedgate/fedgate/mfa"
)

var testKey = bytes.Repeat([]byte{0x42}, mfa.KeySize)

type fixture struct {
	svc   *mfa.Service
	store *memStore
	clock *clock
	cfg   mfa.Config
}

// newFixture builds a Service over an in-memory store with a fake clock and a
// deterministic random source; mutate adjusts the Config before New.
func newFixture(t *testing.T, mutate func(*mfa.Config)) *fixture {
	t.Helper()
	clk := testclock.New(time.Date(2025, 6, 1, 12, 0, 10, 0, time.UTC))
	st := newMemStore(clk.Now)
	cfg := mfa.Config{
		Store: st,
		Key:   testKey,
		Now:   clk.Now,
		Rand:  rand.NewChaCha8([32]byte{1}),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	svc, err := mfa.New(cfg)
	if err != nil {
		t.Fatalf("mfa.New: %v", err)
	}
	return &fixture{svc: svc, store: st, clock: clk, cfg: cfg}
}

// enroll runs NewEnrollment and Confirm for userID and returns the secret.
// The confirming code is for the previous step, so the current step's code
// is still unused afterwards.
func (f *fixture) enroll(t *testing.T, userID string) string {
	t.Helper()
	ctx := t.Context()
	e, err := f.svc.NewEnrollment(ctx, userID, userID+"@example.com")
	if err != nil {
		t.Fatalf("NewEnrollment: %v", err)
	}
	code := codeAt(t, e.Secret, f.clock.Now().Add(-mfa.Period))
	if err := f.svc.Confirm(ctx, userID, userID+"@example.com", e.Secret, code); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	return e.Secret
}

func (f *fixture) code(t *testing.T, secret string) string {
	t.Helper()
	return codeAt(t, secret, f.clock.Now())
}

// wrongCode returns a well-formed code that matches no step within ±2.
func (f *fixture) wrongCode(t *testing.T, secret string) string {
	t.Helper()
	for i := 0; i < 1000000; i++ {
		c := strings.Repeat("0", 6-len(itoa(i))) + itoa(i)
		if _, ok := mfa.ValidateCode(secret, c, f.clock.Now(), 2); !ok {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestNew_ConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*mfa.Config)
		want   string
	}{
		{"nil store", func(c *mfa.Config) { c.Store = nil }, "Store is required"},
		{"short key", func(c *mfa.Config) { c.Key = c.Key[:16] }, "Key must be 32 bytes"},
		{"issuer with colon", func(c *mfa.Config) { c.Issuer = "a:b" }, "Issuer must not contain ':'"},
		{"issuer too long", func(c *mfa.Config) { c.Issuer = strings.Repeat("x", 65) }, "Issuer is 65 bytes"},
		{"skew too large", func(c *mfa.Config) { c.Skew = mfa.MaxSkew + 1 }, "Skew 11 is too large"},
		{"negative max failures", func(c *mfa.Config) { c.MaxFailures = -1 }, "MaxFailures -1"},
		{"negative lockout", func(c *mfa.Config) { c.LockoutDuration = -time.Second }, "LockoutDuration -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mfa.Config{Store: newMemStore(time.Now), Key: testKey}
			tt.mutate(&cfg)
			_, err := mfa.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	t.Run("reports every problem", func(t *testing.T) {
		_, err := mfa.New(mfa.Config{Skew: 99})
		for _, want := range []string{"Store is required", "Key must be", "Skew 99"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("New error = %v, want it to contain %q", err, want)
			}
		}
	})
}

func TestNewEnrollment_GeneratesStandardKeyAndSavesNothing(t *testing.T) {
	f := newFixture(t, nil)
	e, err := f.svc.NewEnrollment(t.Context(), "alice", "alice@example.com")
	if err != nil {
		t.Fatalf("NewEnrollment: %v", err)
	}
	key, err := otp.NewKeyFromURL(e.URI)
	if err != nil {
		t.Fatalf("parse URI: %v", err)
	}
	checks := []struct{ name, got, want string }{
		{"type", key.Type(), "totp"},
		{"issuer", key.Issuer(), "fedgate"},
		{"account", key.AccountName(), "alice@example.com"},
		{"secret", key.Secret(), e.Secret},
		{"algorithm", key.Algorithm().String(), "SHA1"},
		{"digits", key.Digits().String(), "6"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if key.Period() != 30 {
		t.Errorf("period = %d, want 30", key.Period())
	}
	if len(e.Secret) != 32 { // 20 bytes in unpadded base32
		t.Errorf("secret length = %d, want 32", len(e.Secret))
	}
	img, err := png.Decode(bytes.NewReader(e.QRCodePNG))
	if err != nil {
		t.Fatalf("QR code is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("QR code is %dx%d, want 256x256", b.Dx(), b.Dy())
	}
	if recs, _ := f.store.ListTOTP(t.Context()); len(recs) != 0 {
		t.Errorf("NewEnrollment saved %d records, want 0", len(recs))
	}
	e2, err := f.svc.NewEnrollment(t.Context(), "alice", "alice@example.com")
	if err != nil {
		t.Fatalf("NewEnrollment: %v", err)
	}
	if e2.Secret == e.Secret {
		t.Error("two enrollments produced the same secret")
	}
}

func TestNewEnrollment_DeterministicWithInjectedRand(t *testing.T) {
	a := newFixture(t, nil)
	b := newFixture(t, nil)
	ea, err := a.svc.NewEnrollment(t.Context(), "alice", "alice")
	if err != nil {
		t.Fatal(err)
	}
	eb, err := b.svc.NewEnrollment(t.Context(), "alice", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if ea.Secret != eb.Secret {
		t.Errorf("same Rand seed gave secrets %q and %q", ea.Secret, eb.Secret)
	}
}

func TestNewEnrollment_InvalidInput(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct{ name, user, account string }{
		{"empty user", "", "a"},
		{"empty account", "alice", ""},
		{"colon in account", "alice", "x:y"},
		{"control char", "alice\x00", "alice"},
		{"long user", strings.Repeat("u", 257), "alice"},
		{"invalid utf8", "\xff", "alice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.svc.NewEnrollment(t.Context(), tt.user, tt.account); !errors.Is(err, mfa.ErrInvalidInput) {
				t.Errorf("err = %v, want ErrInvalidInput", err)
			}
		})
	}
}

func TestConfirm(t *testing.T) {
	tests := []struct {
		name    string
		code    func(f *fixture, secret string) string
		secret  func(secret string) string
		wantErr error
		saved   bool
	}{
		{"right code saves", func(f *fixture, s string) string { return f.code(t, s) }, nil, nil, true},
		{"wrong code saves nothing", func(f *fixture, s string) string { return f.wrongCode(t, s) }, nil, mfa.ErrInvalidCode, false},
		{"malformed code saves nothing", func(*fixture, string) string { return "12345" }, nil, mfa.ErrInvalidCode, false},
		{"invalid secret", func(f *fixture, s string) string { return f.code(t, s) }, func(s string) string { return strings.ToLower(s) }, mfa.ErrInvalidSecret, false},
		{"short secret", func(f *fixture, s string) string { return f.code(t, s) }, func(s string) string { return s[:16] }, mfa.ErrInvalidSecret, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			e, err := f.svc.NewEnrollment(t.Context(), "alice", "alice")
			if err != nil {
				t.Fatal(err)
			}
			code := tt.code(f, e.Secret)
			secret := e.Secret
			if tt.secret != nil {
				secret = tt.secret(secret)
			}
			err = f.svc.Confirm(t.Context(), "alice", "alice", secret, code)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Confirm err = %v, want %v", err, tt.wantErr)
			}
			if got, _ := f.svc.Enrolled(t.Context(), "alice"); got != tt.saved {
				t.Errorf("Enrolled = %v, want %v", got, tt.saved)
			}
		})
	}
}

func TestConfirm_AlreadyEnrolled(t *testing.T) {
	f := newFixture(t, nil)
	f.enroll(t, "alice")
	before, _, _ := f.store.GetTOTP(t.Context(), "alice")
	if _, err := f.svc.NewEnrollment(t.Context(), "alice", "alice"); !errors.Is(err, mfa.ErrAlreadyEnrolled) {
		t.Errorf("NewEnrollment err = %v, want ErrAlreadyEnrolled", err)
	}
	other := newFixture(t, nil) // a second enrollment generated elsewhere
	e, err := other.svc.NewEnrollment(t.Context(), "alice", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Confirm(t.Context(), "alice", "alice", e.Secret, f.code(t, e.Secret)); !errors.Is(err, mfa.ErrAlreadyEnrolled) {
		t.Errorf("Confirm err = %v, want ErrAlreadyEnrolled", err)
	}
	after, _, _ := f.store.GetTOTP(t.Context(), "alice")
	if !bytes.Equal(before.SealedSecret, after.SealedSecret) {
		t.Error("Confirm replaced an existing enrollment")
	}
}

func TestConfirm_ConcurrentEnrollmentsExactlyOneWins(t *testing.T) {
	f := newFixture(t, nil)
	const n = 10
	secrets := make([]string, n)
	for i := range secrets {
		e, err := newFixture(t, func(c *mfa.Config) { c.Rand = rand.NewChaCha8([32]byte{byte(i + 10)}) }).svc.NewEnrollment(t.Context(), "alice", "alice")
		if err != nil {
			t.Fatal(err)
		}
		secrets[i] = e.Secret
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f.svc.Confirm(t.Context(), "alice", "alice", secrets[i], f.code(t, secrets[i])) })
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, mfa.ErrAlreadyEnrolled), errors.Is(err, mfa.ErrReplayed):
			// Losers fail on the insert, or earlier on the shared user:step
			// replay record.
		default:
			t.Errorf("Confirm err = %v", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d confirmations succeeded, want 1", wins)
	}
}

func TestVerify_AcceptsCodeOnceAndRejectsReplay(t *testing.T) {
	f := newFixture(t, nil)
	secret := f.enroll(t, "alice")
	ctx := t.Context()
	t0 := f.clock.Now()
	code := f.code(t, secret)
	steps := []struct {
		name    string
		advance time.Duration
		code    string
		want    error
	}{
		{"first use", 0, code, nil},
		{"replay same step", 0, code, mfa.ErrReplayed},
		{"code used to confirm enrollment", 0, codeAt(t, secret, t0.Add(-mfa.Period)), mfa.ErrReplayed},
		{"replay one step later (within skew)", mfa.Period, code, mfa.ErrReplayed},
		{"next step's code", 0, codeAt(t, secret, t0.Add(2*mfa.Period)), nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			f.clock.Advance(s.advance)
			if err := f.svc.Verify(ctx, "alice", s.code); !errors.Is(err, s.want) {
				t.Fatalf("Verify err = %v, want %v", err, s.want)
			}
		})
	}
}

func TestVerify_Skew(t *testing.T) {
	for _, offset := range []int{-2, -1, 0, 1, 2} {
		t.Run(itoa(offset+2), func(t *testing.T) {
			f := newFixture(t, nil)
			secret := f.enroll(t, "alice")
			f.clock.Advance(5 * mfa.Period) // away from the confirming step
			code := codeAt(t, secret, f.clock.Now().Add(time.Duration(offset)*mfa.Period))
			err := f.svc.Verify(t.Context(), "alice", code)
			if want := offset >= -1 && offset <= 1; (err == nil) != want {
				t.Errorf("offset %d: Verify err = %v, want accepted=%v", offset, err, want)
			}
		})
	}
}

func TestVerify_LockoutAndExpiry(t *testing.T) {
	f := newFixture(t, nil)
	secret := f.enroll(t, "alice")
	ctx := t.Context()
	wrong := f.wrongCode(t, secret)
	for i := 1; i <= 4; i++ {
		if err := f.svc.Verify(ctx, "alice", wrong); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Fatalf("wrong code %d: err = %v, want ErrInvalidCode", i, err)
		}
	}
	if err := f.svc.Verify(ctx, "alice", wrong); !errors.Is(err, mfa.ErrLocked) {
		t.Fatalf("fifth wrong code: err = %v, want ErrLocked", err)
	}
	f.clock.Advance(mfa.DefaultLockoutDuration - time.Second)
	if err := f.svc.Verify(ctx, "alice", f.code(t, secret)); !errors.Is(err, mfa.ErrLocked) {
		t.Fatalf("right code while locked: err = %v, want ErrLocked", err)
	}
	f.clock.Advance(time.Second)
	if err := f.svc.Verify(ctx, "alice", f.code(t, secret)); err != nil {
		t.Fatalf("right code after lockout expired: err = %v, want nil", err)
	}
	if err := f.svc.Verify(ctx, "bob", "123456"); !errors.Is(err, mfa.ErrNotEnrolled) {
		t.Errorf("other user: err = %v, want ErrNotEnrolled (lock is per user)", err)
	}
}

func TestVerify_FailureKinds(t *testing.T) {
	// Every kind of failure counts toward the lockout.
	tests := []struct {
		name string
		code func(f *fixture, secret string) string
		want error
	}{
		{"wrong", func(f *fixture, s string) string { return f.wrongCode(t, s) }, mfa.ErrInvalidCode},
		{"malformed", func(*fixture, string) string { return "12 345" }, mfa.ErrInvalidCode},
		{"too long", func(*fixture, string) string { return strings.Repeat("1", 1<<16) }, mfa.ErrInvalidCode},
		{"replayed", func(f *fixture, s string) string { return codeAt(t, s, f.clock.Now().Add(-mfa.Period)) }, mfa.ErrReplayed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *mfa.Config) { c.MaxFailures = 3 })
			secret := f.enroll(t, "alice")
			code := tt.code(f, secret)
			for i := 1; i < 3; i++ {
				if err := f.svc.Verify(t.Context(), "alice", code); !errors.Is(err, tt.want) {
					t.Fatalf("attempt %d: err = %v, want %v", i, err, tt.want)
				}
			}
			if err := f.svc.Verify(t.Context(), "alice", code); !errors.Is(err, mfa.ErrLocked) {
				t.Fatalf("attempt 3: err = %v, want ErrLocked", err)
			}
		})
	}
}

func TestVerify_SuccessResetsFailures(t *testing.T) {
	f := newFixture(t, nil)
	secret := f.enroll(t, "alice")
	wrong := f.wrongCode(t, secret)
	for round := range 3 {
		for i := 0; i < mfa.DefaultMaxFailures-1; i++ {
			if err := f.svc.Verify(t.Context(), "alice", wrong); !errors.Is(err, mfa.ErrInvalidCode) {
				t.Fatalf("round %d wrong %d: err = %v, want ErrInvalidCode", round, i, err)
			}
		}
		if err := f.svc.Verify(t.Context(), "alice", f.code(t, secret)); err != nil {
			t.Fatalf("round %d right code: %v", round, err)
		}
		f.clock.Advance(mfa.Period)
	}
}

func TestVerify_FailuresOutsideWindowDoNotAccumulate(t *testing.T) {
	f := newFixture(t, nil)
	secret := f.enroll(t, "alice")
	for i := range 12 {
		if err := f.svc.Verify(t.Context(), "alice", f.wrongCode(t, secret)); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Fatalf("attempt %d: err = %v, want ErrInvalidCode", i, err)
		}
		f.clock.Advance(2 * time.Minute) // 3 per 5-minute window at most
	}
}

func TestVerify_ConcurrentAttemptsEvaluateAtMostMaxFailures(t *testing.T) {
	f := newFixture(t, nil)
	secret := f.enroll(t, "alice")
	wrong := f.wrongCode(t, secret)
	const n = 50
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = f.svc.Verify(t.Context(), "alice", wrong) })
	}
	wg.Wait()
	invalid, locked := 0, 0
	for _, err := range errs {
		switch {
		case errors.Is(err, mfa.ErrInvalidCode):
			invalid++
		case errors.Is(err, mfa.ErrLocked):
			locked++
		default:
			t.Errorf("unexpected err %v", err)
		}
	}
	if invalid != mfa.DefaultMaxFailures-1 || locked != n-invalid {
		t.Errorf("invalid=%d locked=%d, want %d and %d", invalid, locked, mfa.DefaultMaxFailures-1, n-mfa.DefaultMaxFailures+1)
	}
	// +1: the confirmation in enroll.
	if got := f.store.addFailureCalls(); got > n+1 {
		t.Errorf("AddFailure called %d times", got)
	}
}

func TestVerify_NotEnrolled(t *testing.T) {
	f := newFixture(t, nil)
	if err := f.svc.Verify(t.Context(), "nobody", "123456"); !errors.Is(err, mfa.ErrNotEnrolled) {
		t.Errorf("err = %v, want ErrNotEnrolled", err)
	}
	if err := f.svc.Verify(t.Context(), "", "123456"); !errors.Is(err, mfa.ErrInvalidInput) {
		t.Errorf("empty user: err = %v, want ErrInvalidInput", err)
	}
}

func TestVerify_SealedSeedBoundToUserAndKey(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, f *fixture) (svc *mfa.Service, user string)
	}{
		{"seed copied to another user's row", func(t *testing.T, f *fixture) (*mfa.Service, string) {
			rec, _, _ := f.store.GetTOTP(t.Context(), "alice")
			rec.UserID = "mallory"
			f.store.put(rec)
			return f.svc, "mallory"
		}},
		{"other key", func(t *testing.T, f *fixture) (*mfa.Service, string) {
			svc, err := mfa.New(mfa.Config{Store: f.store, Key: bytes.Repeat([]byte{7}, 32), Now: f.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			return svc, "alice"
		}},
		{"flipped ciphertext bit", func(t *testing.T, f *fixture) (*mfa.Service, string) {
			rec, _, _ := f.store.GetTOTP(t.Context(), "alice")
			rec.SealedSecret[len(rec.SealedSecret)-1] ^= 1
			f.store.put(rec)
			return f.svc, "alice"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			secret := f.enroll(t, "alice")
			svc, user := tt.setup(t, f)
			err := svc.Verify(t.Context(), user, f.code(t, secret))
			if !errors.Is(err, mfa.ErrUnseal) {
				t.Fatalf("Verify err = %v, want ErrUnseal", err)
			}
		})
	}
}

func TestResetAndList(t *testing.T) {
	f := newFixture(t, nil)
	ctx := t.Context()
	f.enroll(t, "bob")
	f.enroll(t, "alice")
	recs, err := f.svc.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].UserID != "alice" || recs[1].UserID != "bob" {
		t.Fatalf("List = %+v, want alice, bob", recs)
	}
	if !recs[0].CreatedAt.Equal(f.clock.Now()) || recs[0].CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v in UTC", recs[0].CreatedAt, f.clock.Now())
	}
	for _, want := range []bool{true, false} {
		got, err := f.svc.Reset(ctx, "alice")
		if err != nil || got != want {
			t.Fatalf("Reset = %v, %v; want %v, nil", got, err, want)
		}
	}
	if ok, _ := f.svc.Enrolled(ctx, "alice"); ok {
		t.Error("alice still enrolled after Reset")
	}
	f.clock.Advance(mfa.Period) // the old confirmation's step is spent
	f.enroll(t, "alice")        // can enroll again
}

// failingStore fails every call with errStore.
type failingStore struct{ mfa.Store }

var errStore = errors.New("database is down")

func (failingStore) GetTOTP(context.Context, string) (mfa.TOTPRecord, bool, error) {
	return mfa.TOTPRecord{}, false, errStore
}

func (failingStore) UseOnce(context.Context, string, string, time.Time) (bool, error) {
	return false, errStore
}

func TestVerify_StoreErrorsAreWrappedNotFailures(t *testing.T) {
	svc, err := mfa.New(mfa.Config{Store: failingStore{}, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	err = svc.Verify(context.Background(), "alice", "123456")
	if !errors.Is(err, errStore) || errors.Is(err, mfa.ErrInvalidCode) || errors.Is(err, mfa.ErrLocked) {
		t.Errorf("err = %v, want wrapped store error only", err)
	}
	if !strings.HasPrefix(err.Error(), "mfa: ") {
		t.Errorf("err = %q, want mfa: prefix", err)
	}
}

func TestEnrollmentFor_RebuildsTheSameKey(t *testing.T) {
	svc, err := mfa.New(mfa.Config{Store: newMemStore(time.Now), Key: make([]byte, mfa.KeySize), Issuer: "Contoso"})
	if err != nil {
		t.Fatal(err)
	}
	enr, err := svc.NewEnrollment(t.Context(), "user-1", "alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	again, err := svc.EnrollmentFor("alice@contoso.com", enr.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if again.Secret != enr.Secret || again.URI != enr.URI || len(again.QRCodePNG) == 0 {
		t.Fatalf("rebuilt enrollment differs: %q vs %q", again.URI, enr.URI)
	}
	if _, err := svc.EnrollmentFor("alice@contoso.com", "not base32!"); !errors.Is(err, mfa.ErrInvalidSecret) {
		t.Fatalf("bad secret: %v", err)
	}
}
