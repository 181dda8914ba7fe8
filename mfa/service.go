package mfa

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Store kinds used by the service. They are part of the stored data format.
const (
	replayKind  = "totp"      // UseOnce: userID:step of every accepted code
	failureKind = "totp"      // AddFailure: attempts per userID
	lockKind    = "totp_lock" // UseOnce: userID while MFA is locked
)

// Service enrolls and verifies TOTP codes. It is safe for concurrent use;
// all shared state lives in the Store, so any number of Services (one per
// node of a farm) may share one database.
type Service struct {
	store       Store
	recovery    RecoveryStore // nil: recovery codes off
	recoveryKey []byte        // HMAC key of recovery code hashes
	sealer      *sealer
	issuer      string
	skew        uint
	maxFailures int
	lockout     time.Duration
	now         func() time.Time
	rand        io.Reader
	log         *slog.Logger
}

// New validates cfg, applies its defaults and returns a Service. Every
// problem in cfg is reported in one joined error.
func New(cfg Config) (*Service, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	sl, err := newSealer(cfg.Key, cfg.Rand)
	if err != nil {
		return nil, err
	}
	return &Service{
		store:       cfg.Store,
		recovery:    cfg.RecoveryStore,
		recoveryKey: recoveryKeyFrom(cfg.Key),
		sealer:      sl,
		issuer:      cfg.Issuer,
		skew:        cfg.Skew,
		maxFailures: cfg.MaxFailures,
		lockout:     cfg.LockoutDuration,
		now:         cfg.Now,
		rand:        cfg.Rand,
		log:         cfg.Logger,
	}, nil
}

// Enrolled reports whether userID has a confirmed TOTP enrollment.
func (s *Service) Enrolled(ctx context.Context, userID string) (bool, error) {
	if err := checkText("userID", userID, maxUserIDLen); err != nil {
		return false, err
	}
	_, ok, err := s.store.GetTOTP(ctx, userID)
	if err != nil {
		return false, fmt.Errorf("mfa: get enrollment: %w", err)
	}
	return ok, nil
}

// Reset deletes the enrollment of userID, its recovery codes and its
// failure counter, so the user can enroll again. It reports whether an enrollment existed. A
// running lockout is not lifted; it expires on its own.
func (s *Service) Reset(ctx context.Context, userID string) (bool, error) {
	if err := checkText("userID", userID, maxUserIDLen); err != nil {
		return false, err
	}
	deleted, err := s.store.DeleteTOTP(ctx, userID)
	if err != nil {
		return false, fmt.Errorf("mfa: delete enrollment: %w", err)
	}
	if s.recovery != nil {
		if err := s.recovery.ReplaceRecoveryCodes(ctx, userID, nil, s.now().UTC()); err != nil {
			return deleted, fmt.Errorf("mfa: delete recovery codes: %w", err)
		}
	}
	if err := s.store.ResetFailures(ctx, failureKind, userID); err != nil {
		return deleted, fmt.Errorf("mfa: reset failures: %w", err)
	}
	s.log.InfoContext(ctx, "mfa enrollment reset", slog.Bool("existed", deleted))
	return deleted, nil
}

// List returns every enrollment ordered by user ID. The records carry sealed
// seeds only.
func (s *Service) List(ctx context.Context) ([]TOTPRecord, error) {
	recs, err := s.store.ListTOTP(ctx)
	if err != nil {
		return nil, fmt.Errorf("mfa: list enrollments: %w", err)
	}
	return recs, nil
}
