package mfa_test

import (
	"errors"
	"testing"
	"time"

	"github.com/fedgate/fedgate/mfa"
)

func TestReplace(t *testing.T) {
	t.Run("new seed replaces the old one", func(t *testing.T) {
		f := newFixture(t, nil)
		old := f.enroll(t, "u1")
		enr, err := f.svc.NewReplacement(t.Context(), "u1", "u1@example.com")
		if err != nil {
			t.Fatalf("NewReplacement: %v", err)
		}
		if enr.Secret == old {
			t.Fatal("replacement reused the old seed")
		}
		if err := f.svc.Replace(t.Context(), "u1", "u1@example.com", enr.Secret, f.code(t, enr.Secret)); err != nil {
			t.Fatalf("Replace: %v", err)
		}
		f.clock.Advance(2 * mfa.Period)
		if err := f.svc.Verify(t.Context(), "u1", f.code(t, old)); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Fatalf("old seed Verify = %v, want ErrInvalidCode", err)
		}
		if err := f.svc.Verify(t.Context(), "u1", f.code(t, enr.Secret)); err != nil {
			t.Fatalf("new seed Verify = %v", err)
		}
	})
	t.Run("wrong code keeps the old seed", func(t *testing.T) {
		f := newFixture(t, nil)
		old := f.enroll(t, "u1")
		enr, err := f.svc.NewReplacement(t.Context(), "u1", "u1@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Replace(t.Context(), "u1", "u1@example.com", enr.Secret, f.wrongCode(t, enr.Secret)); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Fatalf("Replace = %v, want ErrInvalidCode", err)
		}
		if err := f.svc.Verify(t.Context(), "u1", f.code(t, old)); err != nil {
			t.Fatalf("old seed no longer works: %v", err)
		}
	})
	t.Run("not enrolled", func(t *testing.T) {
		f := newFixture(t, nil)
		if _, err := f.svc.NewReplacement(t.Context(), "u1", "u1@example.com"); !errors.Is(err, mfa.ErrNotEnrolled) {
			t.Fatalf("NewReplacement = %v, want ErrNotEnrolled", err)
		}
		enr, err := f.svc.NewEnrollment(t.Context(), "u1", "u1@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Replace(t.Context(), "u1", "u1@example.com", enr.Secret, f.code(t, enr.Secret)); !errors.Is(err, mfa.ErrNotEnrolled) {
			t.Fatalf("Replace = %v, want ErrNotEnrolled", err)
		}
		if ok, _ := f.svc.Enrolled(t.Context(), "u1"); ok {
			t.Fatal("Replace created an enrollment")
		}
	})
	t.Run("locked user cannot replace", func(t *testing.T) {
		f := newFixture(t, func(c *mfa.Config) { c.MaxFailures = 1; c.LockoutDuration = time.Minute })
		old := f.enroll(t, "u1")
		_ = f.svc.Verify(t.Context(), "u1", f.wrongCode(t, old))
		enr, err := f.svc.NewReplacement(t.Context(), "u1", "u1@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Replace(t.Context(), "u1", "u1@example.com", enr.Secret, f.code(t, enr.Secret)); !errors.Is(err, mfa.ErrLocked) {
			t.Fatalf("Replace = %v, want ErrLocked", err)
		}
	})
}

func TestEnrolledSince(t *testing.T) {
	f := newFixture(t, nil)
	if _, ok, err := f.svc.EnrolledSince(t.Context(), "u1"); err != nil || ok {
		t.Fatalf("EnrolledSince before enrolling = %v, %v", ok, err)
	}
	f.enroll(t, "u1")
	since, ok, err := f.svc.EnrolledSince(t.Context(), "u1")
	if err != nil || !ok || !since.Equal(f.clock.Now()) {
		t.Fatalf("EnrolledSince = %v, %v, %v; want %v", since, ok, err, f.clock.Now())
	}
}
