package mfa_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedgate/fedgate/mfa"
)

// memRecovery is an in-memory mfa.RecoveryStore following its contract.
type memRecovery struct {
	mu     sync.Mutex
	hashes map[string][][]byte
}

var _ mfa.RecoveryStore = (*memRecovery)(nil)

func (m *memRecovery) ReplaceRecoveryCodes(_ context.Context, userID string, hashes [][]byte, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hashes == nil {
		m.hashes = map[string][][]byte{}
	}
	cp := make([][]byte, len(hashes))
	for i, h := range hashes {
		cp[i] = bytes.Clone(h)
	}
	m.hashes[userID] = cp
	return nil
}

func (m *memRecovery) RecoveryCodeHashes(_ context.Context, userID string) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := [][]byte{}
	for _, h := range m.hashes[userID] {
		out = append(out, bytes.Clone(h))
	}
	return out, nil
}

func (m *memRecovery) ConsumeRecoveryCode(_ context.Context, userID string, hash []byte) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, h := range m.hashes[userID] {
		if bytes.Equal(h, hash) {
			m.hashes[userID] = append(m.hashes[userID][:i:i], m.hashes[userID][i+1:]...)
			return true, nil
		}
	}
	return false, nil
}

// recoveryFixture is an enrolled "alice" with recovery codes turned on.
func recoveryFixture(t *testing.T, mutate func(*mfa.Config)) (*fixture, *memRecovery) {
	t.Helper()
	rs := &memRecovery{}
	f := newFixture(t, func(c *mfa.Config) {
		c.RecoveryStore = rs
		if mutate != nil {
			mutate(c)
		}
	})
	f.enroll(t, "alice")
	return f, rs
}

func generate(t *testing.T, f *fixture, user string) []string {
	t.Helper()
	codes, err := f.svc.GenerateRecoveryCodes(t.Context(), user)
	if err != nil {
		t.Fatalf("GenerateRecoveryCodes: %v", err)
	}
	return codes
}

func remaining(t *testing.T, f *fixture, user string) int {
	t.Helper()
	n, err := f.svc.RemainingRecoveryCodes(t.Context(), user)
	if err != nil {
		t.Fatalf("RemainingRecoveryCodes: %v", err)
	}
	return n
}

func TestGenerateRecoveryCodes_Format(t *testing.T) {
	f, rs := recoveryFixture(t, nil)
	codes := generate(t, f, "alice")
	if len(codes) != mfa.RecoveryCodeCount {
		t.Fatalf("got %d codes, want %d", len(codes), mfa.RecoveryCodeCount)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != mfa.RecoveryCodeLength+1 || c[5] != '-' {
			t.Errorf("code %q is not XXXXX-XXXXX", c)
		}
		for _, r := range strings.ReplaceAll(c, "-", "") {
			if !strings.ContainsRune(mfa.RecoveryAlphabet, r) {
				t.Errorf("code %q has %q outside the alphabet", c, r)
			}
		}
		if seen[c] {
			t.Errorf("duplicate code %q", c)
		}
		seen[c] = true
	}
	// Only hashes are stored: no code appears in the store in any form.
	hashes, _ := rs.RecoveryCodeHashes(t.Context(), "alice")
	for _, h := range hashes {
		for _, c := range codes {
			if bytes.Contains(h, []byte(c)) || bytes.Contains(h, []byte(strings.ReplaceAll(c, "-", ""))) {
				t.Fatalf("stored hash contains code %q", c)
			}
		}
	}
	if got := remaining(t, f, "alice"); got != mfa.RecoveryCodeCount {
		t.Errorf("remaining = %d, want %d", got, mfa.RecoveryCodeCount)
	}
}

func TestUseRecoveryCode_SingleUse(t *testing.T) {
	f, _ := recoveryFixture(t, nil)
	codes := generate(t, f, "alice")
	ctx := t.Context()
	tests := []struct {
		name, code string
		want       error
	}{
		{"as shown", codes[0], nil},
		{"reused", codes[0], mfa.ErrInvalidCode},
		{"lower case without dash", strings.ToLower(strings.ReplaceAll(codes[1], "-", "")), nil},
		{"spaces", " " + codes[2][:5] + " " + codes[2][6:] + " ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.svc.UseRecoveryCode(ctx, "alice", tt.code); !errors.Is(err, tt.want) {
				t.Fatalf("UseRecoveryCode = %v, want %v", err, tt.want)
			}
		})
	}
	if got := remaining(t, f, "alice"); got != mfa.RecoveryCodeCount-3 {
		t.Errorf("remaining = %d, want %d", got, mfa.RecoveryCodeCount-3)
	}
}

func TestUseRecoveryCode_OtherUsersCodeRefused(t *testing.T) {
	f, _ := recoveryFixture(t, nil)
	f.enroll(t, "bob")
	bobs := generate(t, f, "bob")
	generate(t, f, "alice")
	if err := f.svc.UseRecoveryCode(t.Context(), "alice", bobs[0]); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Fatalf("alice with bob's code = %v, want ErrInvalidCode", err)
	}
}

func TestGenerateRecoveryCodes_ReplacesAll(t *testing.T) {
	f, _ := recoveryFixture(t, nil)
	old := generate(t, f, "alice")
	if err := f.svc.UseRecoveryCode(t.Context(), "alice", old[0]); err != nil {
		t.Fatal(err)
	}
	fresh := generate(t, f, "alice")
	if got := remaining(t, f, "alice"); got != mfa.RecoveryCodeCount {
		t.Fatalf("remaining after regenerate = %d, want %d", got, mfa.RecoveryCodeCount)
	}
	for _, c := range old[1:3] {
		if err := f.svc.UseRecoveryCode(t.Context(), "alice", c); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Fatalf("old code after regenerate = %v, want ErrInvalidCode", err)
		}
	}
	if err := f.svc.UseRecoveryCode(t.Context(), "alice", fresh[9]); err != nil {
		t.Fatalf("new code: %v", err)
	}
}

func TestUseRecoveryCode_WrongCodesLock(t *testing.T) {
	f, _ := recoveryFixture(t, func(c *mfa.Config) { c.MaxFailures = 3 })
	codes := generate(t, f, "alice")
	ctx := t.Context()
	for i, bad := range []string{"", "not a code at all"} {
		if err := f.svc.UseRecoveryCode(ctx, "alice", bad); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Fatalf("attempt %d = %v, want ErrInvalidCode", i+1, err)
		}
	}
	if err := f.svc.UseRecoveryCode(ctx, "alice", "22222-22222"); !errors.Is(err, mfa.ErrLocked) {
		t.Fatalf("third wrong code = %v, want ErrLocked", err)
	}
	if err := f.svc.UseRecoveryCode(ctx, "alice", codes[0]); !errors.Is(err, mfa.ErrLocked) {
		t.Fatalf("right code while locked = %v, want ErrLocked", err)
	}
	if err := f.svc.Verify(ctx, "alice", "000000"); !errors.Is(err, mfa.ErrLocked) {
		t.Fatalf("TOTP while locked = %v, want ErrLocked (one budget)", err)
	}
	f.clock.Advance(mfa.DefaultLockoutDuration + time.Second)
	if err := f.svc.UseRecoveryCode(ctx, "alice", codes[0]); err != nil {
		t.Fatalf("right code after lockout: %v", err)
	}
	if got := remaining(t, f, "alice"); got != mfa.RecoveryCodeCount-1 {
		t.Errorf("remaining = %d, want %d (locked attempts spend nothing)", got, mfa.RecoveryCodeCount-1)
	}
}

func TestUseRecoveryCode_SuccessResetsFailures(t *testing.T) {
	f, _ := recoveryFixture(t, func(c *mfa.Config) { c.MaxFailures = 2 })
	codes := generate(t, f, "alice")
	ctx := t.Context()
	for _, step := range []string{"bad", "good", "bad"} {
		code := "22222-22222"
		if step == "good" {
			code = codes[0]
		}
		err := f.svc.UseRecoveryCode(ctx, "alice", code)
		if step == "good" && err != nil || step == "bad" && !errors.Is(err, mfa.ErrInvalidCode) {
			t.Fatalf("%s attempt = %v", step, err)
		}
	}
}

func TestUseRecoveryCode_ConcurrentUseOnce(t *testing.T) {
	f, _ := recoveryFixture(t, func(c *mfa.Config) { c.MaxFailures = 100 })
	code := generate(t, f, "alice")[0]
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 10 {
		wg.Go(func() {
			if f.svc.UseRecoveryCode(context.Background(), "alice", code) == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d of 10 concurrent uses succeeded, want 1", ok)
	}
}

func TestRecoveryCodes_RequireEnrollmentAndStore(t *testing.T) {
	f, _ := recoveryFixture(t, nil)
	if _, err := f.svc.GenerateRecoveryCodes(t.Context(), "bob"); !errors.Is(err, mfa.ErrNotEnrolled) {
		t.Errorf("Generate for unenrolled = %v, want ErrNotEnrolled", err)
	}
	off := newFixture(t, nil) // memStore is no RecoveryStore
	if _, err := off.svc.GenerateRecoveryCodes(t.Context(), "alice"); !errors.Is(err, mfa.ErrRecoveryUnavailable) {
		t.Errorf("Generate without store = %v, want ErrRecoveryUnavailable", err)
	}
	if err := off.svc.UseRecoveryCode(t.Context(), "alice", "22222-22222"); !errors.Is(err, mfa.ErrRecoveryUnavailable) {
		t.Errorf("Use without store = %v, want ErrRecoveryUnavailable", err)
	}
	if n, err := off.svc.RemainingRecoveryCodes(t.Context(), "alice"); n != 0 || err != nil {
		t.Errorf("Remaining without store = %d, %v", n, err)
	}
}

func TestReset_DeletesRecoveryCodes(t *testing.T) {
	f, _ := recoveryFixture(t, nil)
	codes := generate(t, f, "alice")
	if _, err := f.svc.Reset(t.Context(), "alice"); err != nil {
		t.Fatal(err)
	}
	if got := remaining(t, f, "alice"); got != 0 {
		t.Fatalf("remaining after Reset = %d, want 0", got)
	}
	if err := f.svc.UseRecoveryCode(t.Context(), "alice", codes[0]); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Fatalf("code after Reset = %v, want ErrInvalidCode", err)
	}
}

func TestRecoveryCodes_NotLogged(t *testing.T) {
	var buf bytes.Buffer
	f, _ := recoveryFixture(t, func(c *mfa.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	codes := generate(t, f, "alice")
	_ = f.svc.UseRecoveryCode(t.Context(), "alice", codes[0])
	_ = f.svc.UseRecoveryCode(t.Context(), "alice", codes[0])
	for _, c := range codes {
		if strings.Contains(buf.String(), c) || strings.Contains(buf.String(), strings.ReplaceAll(c, "-", "")) {
			t.Fatalf("recovery code %q leaked into the log", c)
		}
	}
	if !strings.Contains(buf.String(), "mfa recovery code used") {
		t.Error("use was not logged")
	}
}

func FuzzUseRecoveryCode(f *testing.F) {
	f.Add("ABCDE-FGHJK")
	f.Add("")
	f.Add("abcde fghjk")
	f.Add(strings.Repeat("-", 100))
	f.Add("ÄBCDE-FGHJK")
	f.Fuzz(func(t *testing.T, code string) {
		fx, _ := recoveryFixture(t, func(c *mfa.Config) { c.MaxFailures = 1 << 30 })
		codes := generate(t, fx, "alice")
		err := fx.svc.UseRecoveryCode(t.Context(), "alice", code)
		if err == nil {
			norm := strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(code))
			for _, c := range codes {
				if strings.ReplaceAll(c, "-", "") == norm {
					return
				}
			}
			t.Fatalf("accepted %q, not one of the generated codes", code)
		}
		if !errors.Is(err, mfa.ErrInvalidCode) {
			t.Fatalf("UseRecoveryCode(%q) = %v, want ErrInvalidCode", code, err)
		}
	})
}
