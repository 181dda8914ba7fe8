package proxytrusttest_test

import (
	"testing"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/proxytrust/proxytrusttest"
)

func TestStore_ContractOfTheDatabaseStores(t *testing.T) {
	clock := proxytrusttest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := proxytrusttest.NewStore(clock.Now)
	ctx := t.Context()
	until := clock.Now().Add(time.Hour)

	t.Run("UseOnce is first once until expiry", func(t *testing.T) {
		for i, want := range []bool{true, false} {
			if first, err := s.UseOnce(ctx, proxytrust.UseOnceKind, "h", until); err != nil || first != want {
				t.Fatalf("call %d: first=%v err=%v", i, first, err)
			}
		}
		clock.Advance(time.Hour)
		if first, _ := s.UseOnce(ctx, proxytrust.UseOnceKind, "h", until.Add(time.Hour)); !first {
			t.Fatal("an expired record still blocks")
		}
	})
	t.Run("enrollments", func(t *testing.T) {
		e := proxytrust.Enrollment{TokenHash: "abc", ProxyName: "wap1", ExpiresAt: until}
		if err := s.CreateEnrollment(ctx, e); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateEnrollment(ctx, e); err == nil {
			t.Fatal("duplicate enrollment accepted")
		}
		if got, ok, err := s.GetEnrollment(ctx, "abc"); err != nil || !ok || got.ProxyName != "wap1" {
			t.Fatalf("GetEnrollment = %+v %v %v", got, ok, err)
		}
		if _, ok, err := s.GetEnrollment(ctx, "nope"); err != nil || ok {
			t.Fatalf("unknown hash: %v %v", ok, err)
		}
	})
	t.Run("issued and revoked", func(t *testing.T) {
		for _, serial := range []string{"b2", "a1"} {
			if err := s.RecordIssued(ctx, proxytrust.Issued{Serial: serial, ProxyName: "wap1", IssuedAt: clock.Now()}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RecordIssued(ctx, proxytrust.Issued{Serial: "a1"}); err == nil {
			t.Fatal("duplicate serial accepted")
		}
		first := clock.Now()
		if err := s.Revoke(ctx, "a1", first); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if err := s.Revoke(ctx, "a1", clock.Now()); err != nil {
			t.Fatal(err)
		}
		list, err := s.ListIssued(ctx)
		if err != nil || len(list) != 2 || list[0].Serial != "a1" || !list[0].RevokedAt.Equal(first) || !list[1].RevokedAt.IsZero() {
			t.Fatalf("ListIssued = %+v, %v", list, err)
		}
		if r, _ := s.IsRevoked(ctx, "a1"); !r {
			t.Fatal("a1 not revoked")
		}
		if r, _ := s.IsRevoked(ctx, "zz"); r {
			t.Fatal("unknown serial revoked")
		}
	})
}
