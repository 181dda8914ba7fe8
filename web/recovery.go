package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/mfa"
)

// RecoveryCodes is the recovery-code side of MFA (*mfa.Service). It is
// optional: when Config.MFA does not implement it, the code page offers
// no recovery form and the security page no recovery section.
type RecoveryCodes interface {
	// GenerateRecoveryCodes replaces the user's codes with a new set and
	// returns it for display; it is never retrievable again.
	GenerateRecoveryCodes(ctx context.Context, userID string) ([]string, error)
	// UseRecoveryCode spends one code as the second factor, under the
	// same attempt budget and lockout as Verify.
	UseRecoveryCode(ctx context.Context, userID, code string) error
	// RemainingRecoveryCodes counts the unused codes.
	RemainingRecoveryCodes(ctx context.Context, userID string) (int, error)
}

// stepRecovery is the "use a recovery code" form of the code page. Its
// sealed state is the code page's with this step, so it can only be
// posted by a browser that passed the password step.
const stepRecovery flowStep = "recovery"

// Security-page action of the "generate new recovery codes" form.
const actionRecovery = "recovery"

func (s *Server) recoveryCodes() (RecoveryCodes, bool) {
	rc, ok := s.mfa.(RecoveryCodes)
	return rc, ok
}

// recoveryState seals the recovery form's state for the code page of st
// (already carrying the CSRF value); "" when recovery codes are off.
func (s *Server) recoveryState(st *flowState) (string, error) {
	if _, ok := s.recoveryCodes(); !ok {
		return "", nil
	}
	rst := *st
	rst.Step = stepRecovery
	return s.sealFlow(&rst)
}

// postRecovery checks a recovery code in place of an authenticator code.
// Success completes the sign-in exactly like a TOTP code (the token says
// MFA was done: a recovery code is a second factor); anything else shows
// the code page again.
func (s *Server) postRecovery(w http.ResponseWriter, r *http.Request, st *flowState, party *rp.Party) error {
	rc, ok := s.recoveryCodes()
	if st.User == nil || !ok {
		return badRequest("This page is out of date. Start again from the application.", errors.New("web: recovery step without user or recovery codes"))
	}
	st.Step = stepMFA
	err := rc.UseRecoveryCode(r.Context(), st.User.ID, r.PostFormValue("recoveryCode"))
	if err == nil {
		s.logAttempt(r, slog.LevelInfo, "mfa verified with recovery code", slog.String("rp", party.Name))
		s.recordAudit(r, party, st.User.UPN, "mfa_recovery_code_used", "")
		return s.complete(w, r, st, party, *st.User, st.PasswordAt, s.now(), nil)
	}
	msg, reason := recoveryMessage(err)
	if msg == "" {
		return fmt.Errorf("web: use recovery code: %w", err)
	}
	s.recordFailure(r, party, st.User.UPN, reason)
	return s.renderStep(w, r, st, party, msg)
}

// recoveryMessage is the user's message and the audit reason for a
// refused recovery code; "" for infrastructure errors.
func recoveryMessage(err error) (msg, reason string) {
	switch {
	case errors.Is(err, mfa.ErrLocked):
		return "Too many wrong codes. Wait a few minutes, then try again.", "mfa_locked"
	case errors.Is(err, mfa.ErrInvalidCode):
		return "That recovery code didn't work. Each code works only once; check it and try another.", "mfa_invalid_recovery_code"
	case errors.Is(err, mfa.ErrRecoveryUnavailable):
		return "Recovery codes are not available. Enter the code from your authenticator app.", "mfa_recovery_unavailable"
	}
	return "", ""
}

// portalRecoveryInfo fills the recovery section of the security page.
func (s *Server) portalRecoveryInfo(ctx context.Context, d *portalData, userID string) error {
	rc, ok := s.recoveryCodes()
	if !ok || !d.Enrolled {
		return nil
	}
	n, err := rc.RemainingRecoveryCodes(ctx, userID)
	if err != nil {
		return fmt.Errorf("web: portal count recovery codes: %w", err)
	}
	d.RecoveryOn, d.RecoveryRemaining = true, n
	return nil
}

// portalRecoveryGenerate replaces the user's recovery codes and shows the
// new set once (the response is no-store, like every page).
func (s *Server) portalRecoveryGenerate(w http.ResponseWriter, r *http.Request, sess *ssoSession) error {
	rc, ok := s.recoveryCodes()
	if !ok {
		return badRequest("This page is out of date. Open the security page again.", errors.New("web: recovery codes are off"))
	}
	codes, err := rc.GenerateRecoveryCodes(r.Context(), sess.User.ID)
	switch {
	case errors.Is(err, mfa.ErrNotEnrolled):
		return s.renderPortal(w, r, sess, "Set up an authenticator app before you create recovery codes.", "")
	case errors.Is(err, mfa.ErrRecoveryUnavailable):
		return s.renderPortal(w, r, sess, "Recovery codes are not available on this server.", "")
	case err != nil:
		return fmt.Errorf("web: generate recovery codes: %w", err)
	}
	s.recordAuditProto(r, portalRealm, protocolPortal, sess.User.UPN, "mfa_recovery_codes_generated", "")
	s.logAttempt(r, slog.LevelInfo, "mfa recovery codes generated")
	d, err := s.portalState(w, r, sess.User, stepPortal, "")
	if err != nil {
		return err
	}
	d.RecoveryCodes = codes
	return s.pages.render(w, http.StatusOK, "portalrecovery", d)
}
