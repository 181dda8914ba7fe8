package web

import (
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/wsfed"
	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/mfa"
	"github.com/fedgate/fedgate/proxytrust"
)

// maxCredentialBytes bounds user names and passwords before they reach the
// directory.
const maxCredentialBytes = 256

func (s *Server) postPassword(w http.ResponseWriter, r *http.Request, st *flowState, party *rp.Party) error {
	username := strings.TrimSpace(r.PostFormValue("UserName"))
	password := r.PostFormValue("Password")
	st.Username = clip(username, maxCredentialBytes)
	if username == "" || password == "" || len(username) > maxCredentialBytes || len(password) > maxCredentialBytes {
		reason := ldapauth.ReasonEmptyPassword
		if username == "" || len(username) > maxCredentialBytes {
			reason = ldapauth.ReasonNoSuchUser
		}
		s.recordFailure(r, party, username, reason.String())
		return s.renderStep(w, r, st, party, genericCredentialError)
	}
	// Extranet lockout runs before the directory sees the password: a
	// refused attempt costs AD nothing and says nothing more than a wrong
	// password would.
	lock, err := s.checkLockout(r, party, username)
	if err != nil {
		msg := unavailableMessage
		if errors.Is(err, ldapauth.ErrUnavailable) {
			msg = directoryUnavailableMessage
		}
		return s.renderStep(w, r, st, party, msg)
	}
	if !lock.Allowed {
		return s.renderStep(w, r, st, party, genericCredentialError)
	}
	// Groups are read only when this party's claim rules or access policy
	// use them; a token for any other party costs the directory a search
	// and a bind.
	actx := r.Context()
	if !party.NeedsGroups() {
		actx = ldapauth.WithoutGroups(actx)
	}
	user, err := s.auth.Authenticate(actx, username, password)
	if err != nil {
		var le *ldapauth.Error
		reason := "unknown"
		if errors.As(err, &le) {
			reason = le.Reason.String()
		}
		// Only a bad password counts towards lockout; an outage, a
		// disabled account or an expired password gives the attempt back.
		if le != nil && le.Reason == ldapauth.ReasonBadPassword {
			s.settleLockout(r, lock, lockoutBadPassword)
		} else {
			s.settleLockout(r, lock, lockoutOther)
		}
		if errors.Is(err, ldapauth.ErrInvalidCredentials) {
			s.recordFailure(r, party, username, reason)
			if le != nil && (le.Reason == ldapauth.ReasonPasswordExpired || le.Reason == ldapauth.ReasonMustChangePassword) {
				// AD reports 532/773 only after the password itself was
				// right, so saying so reveals nothing to a guesser.
				return s.renderPasswordChange(w, r, le.Reason)
			}
			return s.renderStep(w, r, st, party, genericCredentialError)
		}
		// The directory did not answer: not the user's fault, not counted.
		s.logAttempt(r, slog.LevelError, "directory unavailable", slog.String("rp", party.Name), slog.String("reason", reason), slog.Any("error", err))
		s.recordAudit(r, party, username, "error", reason)
		return s.renderStep(w, r, st, party, directoryUnavailableMessage)
	}
	s.settleLockout(r, lock, lockoutGoodPassword)
	st.User = &sessionUser{ID: user.ImmutableID, UPN: user.UPN, DisplayName: user.DisplayName}
	if st.User.UPN == "" {
		st.User.UPN = username
	}
	st.Username = st.User.UPN
	st.PasswordAt = s.now()
	s.logAttempt(r, slog.LevelInfo, "password verified", slog.String("rp", party.Name))
	// Access rules are decided on the user just read, before the second
	// factor: a refused user is not asked for (or enrolled in) MFA.
	if st.Protocol != protocolPortal {
		if err := s.authorize(r, party, claims.NewSubject(user), st.User.UPN); err != nil {
			return err
		}
	}
	if !s.needMFA(r, st, party) {
		return s.completeWith(w, r, st, party, *st.User, user, st.PasswordAt, time.Time{}, nil)
	}
	return s.toMFA(w, r, st, party)
}

// Messages for sign-ins that fail for reasons other than the credentials.
const (
	directoryUnavailableMessage = "We can't sign you in right now because the directory could not be reached. Try again in a few minutes."
	unavailableMessage          = "We can't sign you in right now. Try again in a few minutes."
)

// checkLockout asks the extranet lockout policy whether a password attempt
// may reach the directory (always, without a policy). The policy alone
// decides whether the request is subject to it: it reads the origin the
// proxy-trust middleware recorded on r.Context(), so with
// extranet_lockout.intranet skip an intranet attempt is allowed without
// being checked or counted (and settleLockout then records nothing), the
// same rule the WS-Trust endpoints get. Refused attempts are
// audited as failures with the lockout reason, log-only "would refuse"
// decisions as result "lockout_log_only"; a policy error is logged and
// audited, and the caller refuses the attempt.
func (s *Server) checkLockout(r *http.Request, party *rp.Party, username string) (lockout.Decision, error) {
	if s.lockout == nil {
		return lockout.Decision{Allowed: true}, nil
	}
	d, err := s.lockout.Check(r.Context(), username, clientIP(r))
	if err != nil {
		reason := "lockout_error"
		if errors.Is(err, ldapauth.ErrUnavailable) {
			reason = ldapauth.ReasonUnavailable.String()
		}
		s.logAttempt(r, slog.LevelError, "extranet lockout check failed", slog.String("rp", party.Name),
			slog.String("reason", reason), slog.Any("error", err))
		s.recordAudit(r, party, username, "error", reason)
		return lockout.Decision{}, err
	}
	switch {
	case !d.Allowed:
		s.recordFailure(r, party, username, d.Reason)
	case d.Reason != "":
		s.recordAudit(r, party, username, "lockout_log_only", d.Reason)
	}
	return d, nil
}

// lockoutOutcome is the directory's answer as the lockout policy needs it.
type lockoutOutcome int

const (
	lockoutBadPassword  lockoutOutcome = iota // counted
	lockoutGoodPassword                       // resets, IP becomes familiar
	lockoutOther                              // refunded: outage, disabled, expired, …
)

// settleLockout reports the directory's answer to the lockout policy. A
// failure is logged, never shown: the user's attempt is already decided.
func (s *Server) settleLockout(r *http.Request, d lockout.Decision, o lockoutOutcome) {
	if s.lockout == nil {
		return
	}
	var err error
	switch o {
	case lockoutBadPassword:
		err = s.lockout.Failure(r.Context(), d)
	case lockoutGoodPassword:
		err = s.lockout.Success(r.Context(), d)
	default:
		err = s.lockout.Release(r.Context(), d)
	}
	if err != nil {
		s.logAttempt(r, slog.LevelError, "extranet lockout update failed", slog.Any("error", err))
	}
}

// renderPasswordChange tells a user whose password has expired (or must
// be changed at first sign-in) where to change it.
func (s *Server) renderPasswordChange(w http.ResponseWriter, r *http.Request, reason ldapauth.Reason) error {
	msg := "Your password has expired."
	if reason == ldapauth.ReasonMustChangePassword {
		msg = "You must change your password before you can sign in."
	}
	return s.pages.render(w, http.StatusOK, "passwordchange", pageData{
		Brand: s.brand, ActivityID: ActivityID(r.Context()), Error: msg, Return: s.passwordChangeURL,
	})
}

// toMFA sends an authenticated user to the code page, or to enrollment
// when they have no authenticator yet.
func (s *Server) toMFA(w http.ResponseWriter, r *http.Request, st *flowState, party *rp.Party) error {
	enrolled, err := s.mfa.Enrolled(r.Context(), st.User.ID)
	if err != nil {
		return fmt.Errorf("web: MFA enrollment lookup: %w", err)
	}
	if enrolled {
		st.Step = stepMFA
		return s.renderStep(w, r, st, party, "")
	}
	enr, err := s.mfa.NewEnrollment(r.Context(), st.User.ID, st.User.UPN)
	if err != nil {
		return fmt.Errorf("web: new MFA enrollment: %w", err)
	}
	st.Step, st.EnrollSecret = stepEnroll, enr.Secret
	return s.renderStep(w, r, st, party, "")
}

func (s *Server) postMFA(w http.ResponseWriter, r *http.Request, st *flowState, party *rp.Party) error {
	if st.User == nil {
		return badRequest("This page is out of date. Start again from the application.", errors.New("web: MFA step without user"))
	}
	err := s.mfa.Verify(r.Context(), st.User.ID, strings.TrimSpace(r.PostFormValue("code")))
	if err == nil {
		s.logAttempt(r, slog.LevelInfo, "mfa verified", slog.String("rp", party.Name))
		return s.complete(w, r, st, party, *st.User, st.PasswordAt, s.now(), nil)
	}
	if errors.Is(err, mfa.ErrNotEnrolled) {
		return s.toMFA(w, r, st, party)
	}
	msg, ok := mfaMessage(err)
	if !ok {
		return fmt.Errorf("web: verify MFA code: %w", err)
	}
	s.recordFailure(r, party, st.User.UPN, mfaReason(err))
	return s.renderStep(w, r, st, party, msg)
}

func (s *Server) postEnroll(w http.ResponseWriter, r *http.Request, st *flowState, party *rp.Party) error {
	if st.User == nil || st.EnrollSecret == "" {
		return badRequest("This page is out of date. Start again from the application.", errors.New("web: enroll step without user or secret"))
	}
	err := s.mfa.Confirm(r.Context(), st.User.ID, st.User.UPN, st.EnrollSecret, strings.TrimSpace(r.PostFormValue("code")))
	if err == nil {
		s.logAttempt(r, slog.LevelInfo, "mfa enrolled", slog.String("rp", party.Name))
		s.recordAudit(r, party, st.User.UPN, "mfa_enrolled", "")
		return s.complete(w, r, st, party, *st.User, st.PasswordAt, s.now(), nil)
	}
	if errors.Is(err, mfa.ErrAlreadyEnrolled) {
		// Enrolled meanwhile (another tab): use the code page instead.
		st.Step, st.EnrollSecret = stepMFA, ""
		return s.renderStep(w, r, st, party, "An authenticator is already set up for your account. Enter its code.")
	}
	msg, ok := mfaMessage(err)
	if !ok {
		return fmt.Errorf("web: confirm MFA enrollment: %w", err)
	}
	s.recordFailure(r, party, st.User.UPN, mfaReason(err))
	return s.renderStep(w, r, st, party, msg)
}

func mfaMessage(err error) (string, bool) {
	switch {
	case errors.Is(err, mfa.ErrLocked):
		return "Too many wrong codes. Wait a few minutes, then try again.", true
	case errors.Is(err, mfa.ErrReplayed):
		return "That code has already been used. Wait for the next code and try again.", true
	case errors.Is(err, mfa.ErrInvalidCode):
		return "That code didn't work. Check the code in your authenticator app and try again.", true
	}
	return "", false
}

func mfaReason(err error) string {
	switch {
	case errors.Is(err, mfa.ErrLocked):
		return "mfa_locked"
	case errors.Is(err, mfa.ErrReplayed):
		return "mfa_replayed"
	}
	return "mfa_invalid_code"
}

// enrollmentView is what the enrollment page shows.
type enrollmentView struct {
	qr          template.URL
	secret, uri string
}

func (s *Server) mfaEnrollmentPage(st *flowState) (*enrollmentView, error) {
	enr, err := s.mfa.EnrollmentFor(st.User.UPN, st.EnrollSecret)
	if err != nil {
		return nil, fmt.Errorf("web: enrollment page: %w", err)
	}
	// The data URL is built here from our own PNG bytes, so marking it safe
	// for the src attribute is sound.
	return &enrollmentView{
		qr:     template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(enr.QRCodePNG)),
		secret: enr.Secret, uri: enr.URI,
	}, nil
}

// complete issues the token (a WS-Fed RSTR or, for a SAML flow, a signed
// SAML Response), refreshes the SSO session and renders the auto-POST form
// to the registered reply URL (ACS).
func (s *Server) complete(w http.ResponseWriter, r *http.Request, st *flowState, party *rp.Party, user sessionUser, authnAt, mfaAt time.Time, prev *ssoSession) error {
	return s.completeWith(w, r, st, party, user, nil, authnAt, mfaAt, prev)
}

// completeWith is complete with the directory user the request has just
// read (the password step), or nil: then a party that needs directory
// data (groups, attributes, access rules) gets the user read again, and a
// user the directory no longer has, or has disabled, must sign in again.
// The party's access rules are checked before any token is built.
func (s *Server) completeWith(w http.ResponseWriter, r *http.Request, st *flowState, party *rp.Party, user sessionUser, dir *ldapauth.User, authnAt, mfaAt time.Time, prev *ssoSession) error {
	if st.Protocol == protocolPortal {
		// A portal sign-in issues no token: it only opens the page.
		return s.completePortal(w, r, party, user, authnAt, mfaAt)
	}
	subject, err := s.issuanceSubject(r.Context(), party, user, dir)
	var again *signInAgain
	if errors.As(err, &again) {
		return s.restartSignIn(w, r, st, party, user, again)
	}
	if err != nil {
		return err
	}
	if err := s.authorize(r, party, subject, user.UPN); err != nil {
		return err
	}
	// insidecorporatenetwork is true only for a direct request with proxy
	// trust on (AD FS: "not through a proxy"); Entra may skip its own MFA
	// for it, so it is never claimed on a guess.
	inside := !extranet(r)
	var (
		fields  []formField
		tokenID string
	)
	if st.Protocol == protocolSAML {
		fields, tokenID, err = s.samlFields(st, party, user, subject, authnAt, !mfaAt.IsZero())
	} else {
		fields, tokenID, err = s.wsfedFields(st, party, subject, authnAt, !mfaAt.IsZero(), inside)
	}
	if err != nil {
		return err
	}
	sess := s.sessionAfterIssue(r, prev, st, user, authnAt, mfaAt)
	if err := s.writeSession(w, sess); err != nil {
		return fmt.Errorf("web: write session: %w", err)
	}
	result := "success"
	if prev != nil {
		result = "success_sso"
	}
	s.recordAudit(r, party, user.UPN, result, "")
	s.logAttempt(r, slog.LevelInfo, "token issued", slog.String("rp", party.Name),
		slog.String("assertion_id", tokenID), slog.Bool("mfa", !mfaAt.IsZero()), slog.Bool("sso", prev != nil),
		slog.Bool("extranet", !inside), slog.String("proxy", proxytrust.ProxyName(r.Context())))

	// The token goes to the registered reply URL only; widen form-action to
	// exactly that origin for this response.
	if u, err := url.Parse(st.Reply); err == nil {
		w.Header().Set("Content-Security-Policy", strings.Replace(contentSecurityPolicy,
			"form-action 'self'", "form-action 'self' "+u.Scheme+"://"+u.Host, 1))
	}
	return s.pages.render(w, http.StatusOK, "autopost", pageData{
		Brand: s.brand, ActivityID: ActivityID(r.Context()), Action: st.Reply, Fields: fields,
	})
}

// wsfedFields issues the SAML 1.1 token in an RSTR and returns the
// wsignin1.0 auto-POST fields and the assertion ID.
func (s *Server) wsfedFields(st *flowState, party *rp.Party, subject *claims.Subject, authnAt time.Time, mfaDone, inside bool) ([]formField, string, error) {
	tc, err := wsfedClaims(party, subject, authnAt, mfaDone, inside)
	if err != nil {
		return nil, "", issuanceError(party, err)
	}
	// The audience is the realm; the issuer signs with the party's
	// algorithm and lifetime (rp.Issuers).
	assertion, err := s.tokens.SAML11(tc, st.Realm)
	if err != nil {
		return nil, "", fmt.Errorf("web: issue token for %q: %w", party.Name, err)
	}
	rstr, err := wsfed.BuildRSTR(assertion, st.Realm)
	if err != nil {
		return nil, "", fmt.Errorf("web: build RSTR: %w", err)
	}
	fields := []formField{{"wa", string(wsfed.SignIn)}, {"wresult", string(rstr)}}
	if st.Context != "" {
		fields = append(fields, formField{"wctx", st.Context})
	}
	return fields, assertion.ID, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Server) recordFailure(r *http.Request, party *rp.Party, user, reason string) {
	s.logAttempt(r, slog.LevelInfo, "sign-in failed", slog.String("rp", party.Name), slog.String("reason", reason))
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "sign-in failed user", slog.String("activity_id", ActivityID(r.Context())), slog.String("user", user))
	s.recordAudit(r, party, user, "failure", reason)
}

func (s *Server) recordAudit(r *http.Request, party *rp.Party, user, result, reason string) {
	s.recordAuditProto(r, party.Identifiers[0], string(party.Protocol), user, result, reason)
}

func (s *Server) recordAuditUser(r *http.Request, rpID, user, result, reason string) {
	s.recordAuditProto(r, rpID, string(rp.WSFed), user, result, reason)
}

// recordAuditProto writes one audit event; protocol is the party's
// ("wsfed" or "saml2").
func (s *Server) recordAuditProto(r *http.Request, rpID, protocol, user, result, reason string) {
	if s.audit == nil {
		return
	}
	e := store.AuditEvent{
		Time: s.now().UTC(), User: clip(user, maxCredentialBytes), ClientIP: clientIP(r), RelyingParty: rpID,
		Protocol: protocol, Result: result, Reason: reason, ActivityID: ActivityID(r.Context()),
	}
	if err := s.audit.RecordAudit(r.Context(), e); err != nil {
		s.log.ErrorContext(r.Context(), "audit write failed", slog.String("activity_id", e.ActivityID), slog.Any("error", err))
	}
}
