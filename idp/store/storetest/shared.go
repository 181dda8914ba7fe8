package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/proxytrust/proxytrusttest"
)

type sharedTest struct {
	name string
	run  func(t *testing.T, a, b store.Store)
}

// RunShared checks that two stores on one database see each other's writes
// at once. open2 must return two handles on the same fresh, empty database
// and register their Close with t.Cleanup. The nodes of a farm depend on
// it: a sign-in started on one node finishes on another, and a code used on
// one is spent on all.
func RunShared(t *testing.T, open2 func(t *testing.T) (a, b store.Store)) {
	t.Helper()
	for _, tt := range append(sharedTests(), relyingPartySharedTests()...) {
		t.Run(tt.name, func(t *testing.T) {
			a, b := open2(t)
			tt.run(t, a, b)
		})
	}
}

func sharedTests() []sharedTest {
	return []sharedTest{
		{"AppPasswordRevokedAcrossNodes", func(t *testing.T, a, b store.Store) {
			rec := appRecord("alice", 1)
			mustCreateApp(t, a, rec, 10)
			if got := listApp(t, b, "alice"); len(got) != 1 {
				t.Fatalf("b sees %d app passwords", len(got))
			}
			if ok, err := b.DeleteAppPassword(t.Context(), "alice", rec.ID); err != nil || !ok {
				t.Fatalf("b.DeleteAppPassword = %v, %v", ok, err)
			}
			if got := listApp(t, a, "alice"); len(got) != 0 {
				t.Fatalf("a still sees %d", len(got))
			}
		}},
		{"TOTPVisibleAcrossNodes", func(t *testing.T, a, b store.Store) {
			rec := totpRecord("alice")
			mustCreate(t, a, rec)
			got, ok, err := b.GetTOTP(t.Context(), "alice")
			if err != nil || !ok {
				t.Fatalf("b.GetTOTP = %v, %v", ok, err)
			}
			equalTOTP(t, got, rec)
			dup := rec
			dup.SealedSecret = []byte("other")
			if ok, err := b.CreateTOTP(t.Context(), dup); err != nil || ok {
				t.Fatalf("b.CreateTOTP duplicate = %v, %v; want false", ok, err)
			}
			if ok, err := b.DeleteTOTP(t.Context(), "alice"); err != nil || !ok {
				t.Fatalf("b.DeleteTOTP = %v, %v", ok, err)
			}
			if _, ok, _ := a.GetTOTP(t.Context(), "alice"); ok {
				t.Error("a still sees alice after b deleted her")
			}
		}},
		{"RecoveryCodeSpentOnEveryNode", func(t *testing.T, a, b store.Store) {
			hs := recoveryHashes("a", 2)
			replaceRecovery(t, a, "alice", hs)
			sameSet(t, recoverySet(t, b, "alice"), hs)
			consume(t, b, "alice", hs[0], true)
			consume(t, a, "alice", hs[0], false)
			if got := concurrentConsumes(t, 20, hs[1], a, b); got != 1 {
				t.Fatalf("%d of 20 concurrent consumes on two nodes succeeded, want 1", got)
			}
		}},
		{"ConcurrentRecoveryReplaceAcrossNodesLeavesOneSet", func(t *testing.T, a, b store.Store) {
			concurrentReplaces(t, 8, a, b)
		}},
		{"UseOnceSpentOnEveryNode", func(t *testing.T, a, b store.Store) {
			useOnce(t, a, "totp", "alice:1", future(), true)
			useOnce(t, b, "totp", "alice:1", future(), false)
			useOnce(t, b, "totp", "alice:2", future(), true)
			useOnce(t, a, "totp", "alice:2", future(), false)
		}},
		{"ConcurrentUseOnceAcrossNodesExactlyOneFirst", func(t *testing.T, a, b store.Store) {
			if got := concurrentFirsts(t, 20, a, b); got != 1 {
				t.Fatalf("%d of 20 concurrent UseOnce calls on two nodes saw first=true, want 1", got)
			}
		}},
		{"FailuresCountedAcrossNodes", func(t *testing.T, a, b store.Store) {
			addFailure(t, a, "totp", "alice", t0(), time.Hour, 1)
			addFailure(t, b, "totp", "alice", t0(), time.Hour, 2)
			if err := b.ResetFailures(t.Context(), "totp", "alice"); err != nil {
				t.Fatal(err)
			}
			addFailure(t, a, "totp", "alice", t0(), time.Hour, 1)
		}},
		{"ConcurrentFailuresAcrossNodesAreAtomic", func(t *testing.T, a, b store.Store) {
			got := concurrentFailures(t, 20, a, b)
			for i, c := range got {
				if c != i+1 {
					t.Fatalf("concurrent counts on two nodes = %v, want each of 1..20 once", got)
				}
			}
		}},
		{"LockoutVisibleAcrossNodes", func(t *testing.T, a, b store.Store) {
			setLockout(t, a, aliceKey, sampleLockout())
			got, ok := getLockout(t, b, aliceKey)
			if !ok {
				t.Fatal("b does not see a's lockout state")
			}
			equalLockout(t, got, storedLockout(sampleLockout()))
			setLockout(t, b, aliceKey, lockout.State{})
			if _, ok := getLockout(t, a, aliceKey); ok {
				t.Error("a still sees the state b deleted")
			}
		}},
		{"ConcurrentLockoutUpdatesAcrossNodesAreSerialised", func(t *testing.T, a, b store.Store) {
			concurrentLockoutIncrements(t, 20, a, b)
		}},
		{"AuditVisibleAcrossNodes", func(t *testing.T, a, b store.Store) {
			record(t, a, auditEvent(t0(), "from-a"))
			record(t, b, auditEvent(t0().Add(time.Second), "from-b"))
			for name, s := range map[string]store.Store{"a": a, "b": b} {
				if got := activities(listAudit(t, s, past(), 10)); !slices.Equal(got, []string{"from-a", "from-b"}) {
					t.Errorf("%s.ListAudit = %v, want [from-a from-b]", name, got)
				}
			}
		}},
		{"ProxyTrustVisibleAcrossNodes", func(t *testing.T, a, b store.Store) {
			createEnrollment(t, a, enrollment(tokenHashA, future()))
			if _, ok := getEnrollment(t, b, tokenHashA); !ok {
				t.Fatal("b does not see a's enrollment")
			}
			recordIssued(t, b, issued("0a", t0(), false))
			revoke(t, b, "0a", t0())
			if !isRevoked(t, a, "0a") || len(listIssued(t, a)) != 1 {
				t.Fatal("a does not see b's issued certificate and revocation")
			}
		}},
		{"ConcurrentEnrollmentWithOneTokenOnTwoNodesSucceedsOnce", func(t *testing.T, a, b store.Store) {
			ca := proxytrusttest.NewCA(t, time.Now())
			authA, authB := newAuthority(t, a, ca), newAuthority(t, b, ca)
			tok, _, err := authA.IssueToken(t.Context(), wap1, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := concurrentEnrollments(t, 10, tok, authA, authB); got != 1 {
				t.Fatalf("%d of 10 concurrent enrollments with one token on two nodes succeeded, want 1", got)
			}
		}},
		{"GCOnOneNodeAppliesToAll", func(t *testing.T, a, b store.Store) {
			expiry := time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC)
			useOnce(t, a, "totp", "x", expiry, true)
			gc(t, b, expiry)
			useOnce(t, a, "totp", "x", future(), true)
		}},
	}
}
