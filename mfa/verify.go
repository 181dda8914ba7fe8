package mfa

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// Verify checks a sign-in code for userID. It returns nil when the code
// matches and its time step was not used before; otherwise ErrNotEnrolled,
// ErrLocked, ErrInvalidCode, ErrReplayed, or a wrapped store or ErrUnseal
// error (infrastructure failures, which do not count as attempts).
func (s *Service) Verify(ctx context.Context, userID, code string) error {
	if err := checkText("userID", userID, maxUserIDLen); err != nil {
		return err
	}
	now := s.now()
	if err := s.checkLock(ctx, userID); err != nil {
		return err
	}
	rec, ok, err := s.store.GetTOTP(ctx, userID)
	if err != nil {
		return fmt.Errorf("mfa: get enrollment: %w", err)
	}
	if !ok {
		return ErrNotEnrolled
	}
	secret, err := s.sealer.open(rec.SealedSecret, seedAAD(userID))
	if err != nil {
		s.log.ErrorContext(ctx, "mfa seed cannot be opened", slog.Any("err", err))
		return fmt.Errorf("mfa: open seed: %w", err)
	}
	return s.attempt(ctx, userID, string(secret), code, now)
}

// checkLock refuses the attempt while userID is locked. The probe is one
// atomic UseOnce whose own record is born expired (the Unix epoch precedes
// any real clock reading, whichever clock the store uses), so it reads the
// lock without a read-then-write race and leaves nothing that blocks.
func (s *Service) checkLock(ctx context.Context, userID string) error {
	free, err := s.store.UseOnce(ctx, lockKind, userID, time.Unix(0, 0).UTC())
	if err != nil {
		return fmt.Errorf("mfa: check lockout: %w", err)
	}
	if !free {
		s.log.DebugContext(ctx, "mfa attempt while locked", slog.String("user_id", userID))
		return ErrLocked
	}
	return nil
}

// attempt counts one attempt, then checks code against secret and records
// the matched step. Counting comes first so that concurrent attempts cannot
// evaluate more than maxFailures codes per window (see the package doc).
func (s *Service) attempt(ctx context.Context, userID, secret, code string, now time.Time) error {
	n, err := s.store.AddFailure(ctx, failureKind, userID, now, s.lockout)
	if err != nil {
		return fmt.Errorf("mfa: count attempt: %w", err)
	}
	if n > s.maxFailures {
		// Only reachable when concurrent attempts raced past checkLock.
		return s.lock(ctx, userID, now, n)
	}
	step, ok := ValidateCode(secret, code, now, s.skew)
	if !ok {
		return s.fail(ctx, userID, now, n, ErrInvalidCode)
	}
	first, err := s.store.UseOnce(ctx, replayKind, userID+":"+strconv.FormatUint(step, 10), stepExpiry(step, s.skew))
	if err != nil {
		return fmt.Errorf("mfa: record used step: %w", err)
	}
	if !first {
		return s.fail(ctx, userID, now, n, ErrReplayed)
	}
	if err := s.store.ResetFailures(ctx, failureKind, userID); err != nil {
		return fmt.Errorf("mfa: reset failures: %w", err)
	}
	return nil
}

// fail returns cause, or locks the user when this was the last allowed
// attempt.
func (s *Service) fail(ctx context.Context, userID string, now time.Time, n int, cause error) error {
	s.log.DebugContext(ctx, "mfa attempt failed", slog.String("user_id", userID),
		slog.Int("failures", n), slog.String("reason", cause.Error()))
	if n >= s.maxFailures {
		return s.lock(ctx, userID, now, n)
	}
	return cause
}

// lock records the lockout. The failure counter is left alone: its window
// started no later than now, so it has expired by the time the lock does.
func (s *Service) lock(ctx context.Context, userID string, now time.Time, n int) error {
	if _, err := s.store.UseOnce(ctx, lockKind, userID, now.Add(s.lockout)); err != nil {
		return fmt.Errorf("mfa: record lockout: %w", err)
	}
	s.log.WarnContext(ctx, "mfa locked after too many failed attempts",
		slog.Int("failures", n), slog.Duration("lockout", s.lockout))
	s.log.DebugContext(ctx, "mfa locked", slog.String("user_id", userID))
	return fmt.Errorf("%w for %s after %d failed attempts", ErrLocked, s.lockout, n)
}
