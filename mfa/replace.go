package mfa

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// NewReplacement generates a new seed for a user who already has an
// enrollment and wants to move to another authenticator. Like
// NewEnrollment it saves nothing; the old seed stays valid until Replace
// accepts a code for the new one. It returns ErrNotEnrolled when the user
// has no enrollment (use NewEnrollment then).
func (s *Service) NewReplacement(ctx context.Context, userID, accountName string) (*Enrollment, error) {
	if err := checkText("userID", userID, maxUserIDLen); err != nil {
		return nil, err
	}
	if err := checkLabel("accountName", accountName, maxAccountLen); err != nil {
		return nil, err
	}
	if err := s.requireEnrolled(ctx, userID); err != nil {
		return nil, err
	}
	return s.enrollment(accountName, nil)
}

// Replace swaps the user's seed for secret once code proves the new
// authenticator holds it, under the same attempt budget, lockout and
// replay rules as Verify. The swap is one atomic store update, so a wrong
// code, a lockout or a failure keeps the old seed working and there is no
// moment without one. It returns ErrNotEnrolled when the user has no
// enrollment (including one reset concurrently). The caller must already
// have verified the user's current second factor in this session.
func (s *Service) Replace(ctx context.Context, userID, accountName, secret, code string) error {
	rec, err := s.proveSeed(ctx, userID, accountName, secret, code, s.requireEnrolled)
	if err != nil {
		return err
	}
	replaced, err := s.store.ReplaceTOTP(ctx, rec)
	if err != nil {
		return fmt.Errorf("mfa: replace enrollment: %w", err)
	}
	if !replaced {
		return ErrNotEnrolled
	}
	s.log.InfoContext(ctx, "mfa enrollment replaced")
	s.log.DebugContext(ctx, "mfa enrollment replaced", slog.String("user_id", userID))
	return nil
}

func (s *Service) requireEnrolled(ctx context.Context, userID string) error {
	_, ok, err := s.store.GetTOTP(ctx, userID)
	if err != nil {
		return fmt.Errorf("mfa: get enrollment: %w", err)
	}
	if !ok {
		return ErrNotEnrolled
	}
	return nil
}

// EnrolledSince returns when the enrollment of userID was confirmed (or
// last replaced), in UTC; ok=false when the user has none.
func (s *Service) EnrolledSince(ctx context.Context, userID string) (since time.Time, ok bool, err error) {
	if err := checkText("userID", userID, maxUserIDLen); err != nil {
		return time.Time{}, false, err
	}
	rec, ok, err := s.store.GetTOTP(ctx, userID)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("mfa: get enrollment: %w", err)
	}
	return rec.CreatedAt, ok, nil
}
