package storetest

import (
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/store"
)

func gc(t *testing.T, s store.Store, now time.Time) {
	t.Helper()
	if err := s.GC(t.Context(), now); err != nil {
		t.Fatalf("GC(%v): %v", now, err)
	}
}

func gcTests() []test {
	// Records expire in 2500, after any real clock, so only GC can remove
	// them; UseOnce returning first=true afterwards proves the removal.
	expiry := time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC)
	return []test{
		{"RemovesExpiredUseOnce", func(t *testing.T, s store.Store) {
			useOnce(t, s, "totp", "keep", future(), true)
			useOnce(t, s, "totp", "drop", expiry, true)
			gc(t, s, expiry.Add(-time.Microsecond))
			useOnce(t, s, "totp", "drop", future(), false)
			gc(t, s, expiry) // at or before now: expired
			useOnce(t, s, "totp", "drop", future(), true)
			useOnce(t, s, "totp", "keep", future(), false)
		}},
		{"RemovesEndedFailureWindows", func(t *testing.T, s store.Store) {
			const w = time.Hour
			addFailure(t, s, "totp", "alice", t0(), w, 1)
			addFailure(t, s, "totp", "alice", t0(), w, 2)
			gc(t, s, t0().Add(w-time.Microsecond))
			addFailure(t, s, "totp", "alice", t0(), w, 3)
			gc(t, s, t0().Add(w))
			// Still inside the old window: only deletion explains count 1.
			addFailure(t, s, "totp", "alice", t0().Add(time.Minute), w, 1)
		}},
		{"KeepsEnrollmentsAuditAndLockout", func(t *testing.T, s store.Store) {
			mustCreate(t, s, totpRecord("alice"))
			record(t, s, auditEvent(past(), "a"))
			setLockout(t, s, aliceKey, sampleLockout())
			gc(t, s, future())
			if _, ok := getLockout(t, s, aliceKey); !ok {
				t.Error("GC removed lockout state")
			}
			if _, ok, _ := s.GetTOTP(t.Context(), "alice"); !ok {
				t.Error("GC removed an enrollment")
			}
			if got := listAudit(t, s, past(), 10); len(got) != 1 {
				t.Errorf("GC removed audit events: %v", got)
			}
		}},
	}
}
