package mfa

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/skip2/go-qrcode"
)

// qrSize is the width and height of the enrollment QR code in pixels.
const qrSize = 256

// Enrollment is a freshly generated, not yet confirmed TOTP seed. Secret and
// URI both contain the seed: show them to the enrolling user only, keep them
// out of logs (LogValue and Format redact them) and out of unsealed storage.
type Enrollment struct {
	// Secret is the unpadded base32 seed, for manual entry.
	Secret string
	// URI is the otpauth://totp/… key URI encoded in the QR code.
	URI string
	// QRCodePNG is a 256×256 PNG of URI.
	QRCodePNG []byte
}

// LogValue keeps the seed out of logs.
func (e Enrollment) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// Format keeps the seed out of fmt output whatever the verb.
func (e Enrollment) Format(f fmt.State, _ rune) { fmt.Fprint(f, "mfa.Enrollment{[redacted]}") }

// NewEnrollment generates a seed for userID, labelled accountName in the
// authenticator app. It saves nothing: the seed only becomes the user's once
// Confirm accepts a code for it. It returns ErrAlreadyEnrolled when the user
// already has an enrollment.
func (s *Service) NewEnrollment(ctx context.Context, userID, accountName string) (*Enrollment, error) {
	if err := checkText("userID", userID, maxUserIDLen); err != nil {
		return nil, err
	}
	if err := checkLabel("accountName", accountName, maxAccountLen); err != nil {
		return nil, err
	}
	if err := s.refuseEnrolled(ctx, userID); err != nil {
		return nil, err
	}
	return s.enrollment(accountName, nil)
}

// EnrollmentFor rebuilds the enrollment view (URI and QR code) of a seed
// already shown to the user, so a page can be shown again after a wrong
// code without changing the seed. It saves nothing.
func (s *Service) EnrollmentFor(accountName, secret string) (*Enrollment, error) {
	if err := checkLabel("accountName", accountName, maxAccountLen); err != nil {
		return nil, err
	}
	if err := checkSecret(secret); err != nil {
		return nil, err
	}
	raw, err := b32.DecodeString(secret)
	if err != nil {
		return nil, ErrInvalidSecret
	}
	return s.enrollment(accountName, raw)
}

// enrollment builds the key (a new random seed when raw is nil), its URI
// and its QR code.
func (s *Service) enrollment(accountName string, raw []byte) (*Enrollment, error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      s.issuer,
		AccountName: accountName,
		Period:      uint(Period.Seconds()),
		SecretSize:  SecretSize,
		Secret:      raw,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
		Rand:        s.rand,
	})
	if err != nil {
		return nil, fmt.Errorf("mfa: generate seed: %w", err)
	}
	png, err := qrcode.Encode(key.URL(), qrcode.Medium, qrSize)
	if err != nil {
		return nil, fmt.Errorf("mfa: encode QR code: %w", err)
	}
	return &Enrollment{Secret: key.Secret(), URI: key.URL(), QRCodePNG: png}, nil
}

// Confirm completes an enrollment: it checks code against secret (the
// Enrollment.Secret the user was shown) under the same attempt budget,
// lockout and replay rules as Verify, and only then stores the seed sealed.
// A wrong code stores nothing. It returns ErrAlreadyEnrolled when the user
// already has an enrollment, including one saved concurrently.
func (s *Service) Confirm(ctx context.Context, userID, accountName, secret, code string) error {
	rec, err := s.proveSeed(ctx, userID, accountName, secret, code, s.refuseEnrolled)
	if err != nil {
		return err
	}
	inserted, err := s.store.CreateTOTP(ctx, rec)
	if err != nil {
		return fmt.Errorf("mfa: save enrollment: %w", err)
	}
	if !inserted {
		return ErrAlreadyEnrolled
	}
	s.log.InfoContext(ctx, "mfa enrollment confirmed")
	s.log.DebugContext(ctx, "mfa enrollment confirmed", slog.String("user_id", userID))
	return nil
}

// proveSeed is the common half of Confirm and Replace: it validates the
// input, runs precondition (enrolled or not), checks code against the new
// secret under Verify's attempt budget, lockout and replay rules, and
// returns the sealed record to store.
func (s *Service) proveSeed(ctx context.Context, userID, accountName, secret, code string, precondition func(context.Context, string) error) (TOTPRecord, error) {
	if err := checkText("userID", userID, maxUserIDLen); err != nil {
		return TOTPRecord{}, err
	}
	if err := checkLabel("accountName", accountName, maxAccountLen); err != nil {
		return TOTPRecord{}, err
	}
	if err := checkSecret(secret); err != nil {
		return TOTPRecord{}, fmt.Errorf("%w: want unpadded upper-case base32 of %d to %d bytes", err, minSecretBytes, maxSecretBytes)
	}
	now := s.now()
	if err := s.checkLock(ctx, userID); err != nil {
		return TOTPRecord{}, err
	}
	if err := precondition(ctx, userID); err != nil {
		return TOTPRecord{}, err
	}
	if err := s.attempt(ctx, userID, secret, code, now); err != nil {
		return TOTPRecord{}, err
	}
	sealed, err := s.sealer.seal([]byte(secret), seedAAD(userID))
	if err != nil {
		return TOTPRecord{}, err
	}
	return TOTPRecord{UserID: userID, AccountName: accountName, SealedSecret: sealed, CreatedAt: now.UTC()}, nil
}

func (s *Service) refuseEnrolled(ctx context.Context, userID string) error {
	_, ok, err := s.store.GetTOTP(ctx, userID)
	if err != nil {
		return fmt.Errorf("mfa: get enrollment: %w", err)
	}
	if ok {
		return ErrAlreadyEnrolled
	}
	return nil
}
