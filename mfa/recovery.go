package mfa

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Recovery code format. Codes are RecoveryCodeLength characters drawn
// uniformly from RecoveryAlphabet (5 bits each, 50 bits per code), shown
// as two groups of five separated by a dash.
const (
	// RecoveryCodeCount is how many codes GenerateRecoveryCodes returns.
	RecoveryCodeCount = 10
	// RecoveryCodeLength is the number of significant characters of a code.
	RecoveryCodeLength = 10
	// RecoveryAlphabet has 32 symbols without the look-alikes 0/O and 1/I.
	RecoveryAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

	// maxRecoveryInput bounds what UseRecoveryCode reads before
	// normalising (dashes, spaces and lower case are allowed).
	maxRecoveryInput = 64
)

// recoveryKeyLabel derives the recovery hashing key from Config.Key.
const recoveryKeyLabel = "fedgate recovery code hash key v1"

// GenerateRecoveryCodes creates a new set of RecoveryCodeCount codes for
// userID and returns them formatted for display ("ABCDE-FGHJK"). They are
// shown once: only keyed hashes are stored, and the new set replaces any
// previous one in one atomic store call, so old codes stop working at
// once. It returns ErrNotEnrolled when the user has no authenticator (the
// codes are its backup) and ErrRecoveryUnavailable when no RecoveryStore
// is configured.
func (s *Service) GenerateRecoveryCodes(ctx context.Context, userID string) ([]string, error) {
	if err := checkText("userID", userID, maxUserIDLen); err != nil {
		return nil, err
	}
	if s.recovery == nil {
		return nil, ErrRecoveryUnavailable
	}
	if err := s.requireEnrolled(ctx, userID); err != nil {
		return nil, err
	}
	codes := make([]string, 0, RecoveryCodeCount)
	hashes := make([][]byte, 0, RecoveryCodeCount)
	seen := make(map[string]bool, RecoveryCodeCount)
	for len(codes) < RecoveryCodeCount {
		code, err := newRecoveryCode(s.rand)
		if err != nil {
			return nil, err
		}
		if seen[code] { // 2^-50 per pair; keeps the stored hashes distinct
			continue
		}
		seen[code] = true
		codes = append(codes, code[:RecoveryCodeLength/2]+"-"+code[RecoveryCodeLength/2:])
		hashes = append(hashes, s.recoveryHash(userID, code))
	}
	if err := s.recovery.ReplaceRecoveryCodes(ctx, userID, hashes, s.now().UTC()); err != nil {
		return nil, fmt.Errorf("mfa: save recovery codes: %w", err)
	}
	s.log.InfoContext(ctx, "mfa recovery codes generated", slog.Int("count", len(codes)))
	s.log.DebugContext(ctx, "mfa recovery codes generated", slog.String("user_id", userID))
	return codes, nil
}

// UseRecoveryCode accepts one of the user's recovery codes as the second
// factor and spends it: each code works once, even under concurrent use
// on several nodes. Case, spaces and dashes are ignored. It shares the
// attempt budget and lockout of Verify (a wrong code is a failed MFA
// attempt, counted before the code is checked), and returns nil,
// ErrLocked, ErrInvalidCode (malformed, wrong or already used),
// ErrRecoveryUnavailable, or a wrapped store error.
func (s *Service) UseRecoveryCode(ctx context.Context, userID, code string) error {
	if err := checkText("userID", userID, maxUserIDLen); err != nil {
		return err
	}
	if s.recovery == nil {
		return ErrRecoveryUnavailable
	}
	now := s.now()
	if err := s.checkLock(ctx, userID); err != nil {
		return err
	}
	n, err := s.store.AddFailure(ctx, failureKind, userID, now, s.lockout)
	if err != nil {
		return fmt.Errorf("mfa: count attempt: %w", err)
	}
	if n > s.maxFailures {
		return s.lock(ctx, userID, now, n)
	}
	norm, ok := normalizeRecoveryCode(code)
	if !ok {
		return s.fail(ctx, userID, now, n, ErrInvalidCode)
	}
	stored, err := s.recovery.RecoveryCodeHashes(ctx, userID)
	if err != nil {
		return fmt.Errorf("mfa: get recovery codes: %w", err)
	}
	want := s.recoveryHash(userID, norm)
	var match []byte
	for _, h := range stored {
		// Every stored hash is compared; which one matched does not show
		// in the timing.
		if subtle.ConstantTimeCompare(h, want) == 1 {
			match = h
		}
	}
	if match == nil {
		return s.fail(ctx, userID, now, n, ErrInvalidCode)
	}
	used, err := s.recovery.ConsumeRecoveryCode(ctx, userID, match)
	if err != nil {
		return fmt.Errorf("mfa: consume recovery code: %w", err)
	}
	if !used { // spent concurrently
		return s.fail(ctx, userID, now, n, ErrInvalidCode)
	}
	if err := s.store.ResetFailures(ctx, failureKind, userID); err != nil {
		return fmt.Errorf("mfa: reset failures: %w", err)
	}
	s.log.InfoContext(ctx, "mfa recovery code used", slog.Int("remaining", len(stored)-1))
	s.log.DebugContext(ctx, "mfa recovery code used", slog.String("user_id", userID))
	return nil
}

// RemainingRecoveryCodes returns how many unused recovery codes userID
// has (0 when none were generated or no RecoveryStore is configured).
func (s *Service) RemainingRecoveryCodes(ctx context.Context, userID string) (int, error) {
	if err := checkText("userID", userID, maxUserIDLen); err != nil {
		return 0, err
	}
	if s.recovery == nil {
		return 0, nil
	}
	hashes, err := s.recovery.RecoveryCodeHashes(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("mfa: get recovery codes: %w", err)
	}
	return len(hashes), nil
}

// recoveryHash is HMAC-SHA256 under a key derived from Config.Key over
// userID and the normalised code. The key means a stolen database alone
// does not allow an offline search of the 50-bit code space; the user ID
// binds a hash to its row, so a hash copied to another user never matches.
func (s *Service) recoveryHash(userID, code string) []byte {
	mac := hmac.New(sha256.New, s.recoveryKey)
	mac.Write([]byte(userID))
	mac.Write([]byte{0})
	mac.Write([]byte(code))
	return mac.Sum(nil)
}

// recoveryKeyFrom derives the recovery hashing key, separate from the
// sealing key and the key ID.
func recoveryKeyFrom(key []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(recoveryKeyLabel))
	return mac.Sum(nil)
}

// newRecoveryCode draws RecoveryCodeLength symbols without bias (256 is a
// multiple of 32).
func newRecoveryCode(rand io.Reader) (string, error) {
	var raw [RecoveryCodeLength]byte
	if _, err := io.ReadFull(rand, raw[:]); err != nil {
		return "", fmt.Errorf("mfa: recovery code: read random: %w", err)
	}
	var b strings.Builder
	b.Grow(RecoveryCodeLength)
	for _, c := range raw {
		b.WriteByte(RecoveryAlphabet[c&31])
	}
	return b.String(), nil
}

// normalizeRecoveryCode upper-cases code and drops spaces and dashes. It
// reports false unless exactly RecoveryCodeLength alphabet symbols remain.
func normalizeRecoveryCode(code string) (string, bool) {
	if len(code) > maxRecoveryInput {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '-' || c == ' ':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		if strings.IndexByte(RecoveryAlphabet, c) < 0 {
			return "", false
		}
		b.WriteByte(c)
	}
	if b.Len() != RecoveryCodeLength {
		return "", false
	}
	return b.String(), true
}
