package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/fedgate/fedgate/apppass"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/mfa"
)

// AppPasswords manages the app passwords of legacy clients
// (*apppass.Service) on the self-service security page.
type AppPasswords interface {
	Create(ctx context.Context, userID, name string) (*apppass.Created, error)
	List(ctx context.Context, userID string) ([]apppass.Info, error)
	Revoke(ctx context.Context, userID, id string) (bool, error)
}

// The self-service security page. It is not a relying party: its sign-in
// is a flow with Protocol protocolPortal whose completion writes the SSO
// session and returns here instead of issuing a token.
const (
	portalPath     = "/adfs/portal/security"
	protocolPortal = "portal"
	// portalRealm names the page in flow state and audit events. It is
	// not a URI any relying party can register (rp identifiers are URLs
	// or URNs of their own), so no token can ever be issued for it.
	portalRealm = "urn:fedgate:portal:security"
	// portalMFAMaxAge is how recent the session's second factor must be
	// for the page to open; older sessions sign in again with password
	// and code.
	portalMFAMaxAge = time.Hour
)

// Portal-page steps (flowState.Step) of the forms on the page.
const (
	stepPortal   flowStep = "portal"   // the page: create, revoke, replace
	stepReenroll flowStep = "reenroll" // confirm the new authenticator
)

// mountPortal adds the security page to r.
func (s *Server) mountPortal(r chi.Router) {
	r.Get(portalPath, s.wrap(s.portalGet))
	r.Post(portalPath, s.wrap(s.portalPost))
}

// portalParty is the built-in pseudo party of portal sign-ins: MFA always.
func (s *Server) portalParty() *rp.Party {
	return &rp.Party{Name: "Security settings", Identifiers: []string{portalRealm}, Protocol: rp.Protocol(protocolPortal), MFA: rp.MFAAlways}
}

// flowParty returns the party a sign-in flow is for: the portal's pseudo
// party for portal flows, else the registered party of st.Realm.
func (s *Server) flowParty(st *flowState) (*rp.Party, error) {
	if st.Protocol == protocolPortal {
		return s.portalParty(), nil
	}
	return s.parties.Lookup(st.Realm)
}

// portalSession returns the SSO session when it may open the page: its
// second factor was done no longer than portalMFAMaxAge ago.
func (s *Server) portalSession(r *http.Request) (*ssoSession, bool) {
	sess, ok := s.readSession(r)
	if !ok || sess.MFAAt.IsZero() {
		return nil, false
	}
	now := s.now()
	if now.Sub(sess.MFAAt) > portalMFAMaxAge || sess.MFAAt.After(now.Add(time.Minute)) {
		return nil, false
	}
	return sess, true
}

// portalGet shows the page, or the password page of a portal sign-in
// when the session is missing or its second factor is too old.
func (s *Server) portalGet(w http.ResponseWriter, r *http.Request) error {
	if sess, ok := s.portalSession(r); ok {
		return s.renderPortal(w, r, sess, "", "")
	}
	st := &flowState{
		Created: s.now(), Step: stepPassword, Realm: portalRealm, Reply: portalPath,
		Protocol: protocolPortal, MFARequested: true,
	}
	if sess, ok := s.readSession(r); ok {
		st.Username = sess.User.UPN
	}
	return s.renderStep(w, r, st, s.portalParty(), "")
}

// completePortal ends a portal sign-in: it writes the SSO session (keeping
// the parties of a previous session of the same user for sign-out) and
// returns the browser to the page.
func (s *Server) completePortal(w http.ResponseWriter, r *http.Request, party *rp.Party, user sessionUser, authnAt, mfaAt time.Time) error {
	sess := &ssoSession{User: user, AuthnAt: authnAt, MFAAt: mfaAt, Expires: s.now().Add(s.lifetime)}
	if prev, ok := s.readSession(r); ok && prev.User.ID == user.ID {
		sess.Audience = prev.Audience
	}
	if err := s.writeSession(w, sess); err != nil {
		return fmt.Errorf("web: write session: %w", err)
	}
	s.recordAudit(r, party, user.UPN, "success", "")
	s.logAttempt(r, slog.LevelInfo, "portal sign-in", slog.Bool("mfa", !mfaAt.IsZero()))
	http.Redirect(w, r, portalPath, http.StatusSeeOther)
	return nil
}

// portalData feeds the portal templates.
type portalData struct {
	Brand, ActivityID, Error, Notice string
	State, CSRF                      string
	Username                         string
	Enrolled                         bool
	EnrolledSince                    time.Time
	AppPasswordsOn                   bool
	AppPasswords                     []apppass.Info
	// Recovery codes: the section is shown when RecoveryOn.
	RecoveryOn        bool
	RecoveryRemaining int
	RecoveryCodes     []string // the new set, on the page that shows it once
	// Created page.
	Created *apppass.Created
	// Re-enrollment page.
	QRCode      any
	Secret, URI string
}

// portalState seals a fresh page state bound to the session's user.
func (s *Server) portalState(w http.ResponseWriter, r *http.Request, user sessionUser, step flowStep, secret string) (*portalData, error) {
	u := user
	st := &flowState{
		CSRF: s.csrfToken(w, r), Created: s.now(), Step: step, Realm: portalRealm, Reply: portalPath,
		Protocol: protocolPortal, User: &u, EnrollSecret: secret,
	}
	sealed, err := s.sealFlow(st)
	if err != nil {
		return nil, err
	}
	return &portalData{Brand: s.brand, ActivityID: ActivityID(r.Context()), State: sealed, CSRF: st.CSRF, Username: user.UPN}, nil
}

// renderPortal renders the page itself with an optional error or notice.
func (s *Server) renderPortal(w http.ResponseWriter, r *http.Request, sess *ssoSession, errMsg, notice string) error {
	d, err := s.portalState(w, r, sess.User, stepPortal, "")
	if err != nil {
		return err
	}
	d.Error, d.Notice = errMsg, notice
	if d.EnrolledSince, d.Enrolled, err = s.mfa.EnrolledSince(r.Context(), sess.User.ID); err != nil {
		return fmt.Errorf("web: portal enrollment lookup: %w", err)
	}
	if err := s.portalRecoveryInfo(r.Context(), d, sess.User.ID); err != nil {
		return err
	}
	if s.apppass != nil {
		d.AppPasswordsOn = true
		if d.AppPasswords, err = s.apppass.List(r.Context(), sess.User.ID); err != nil {
			return fmt.Errorf("web: portal list app passwords: %w", err)
		}
	}
	return s.pages.render(w, http.StatusOK, "portal", d)
}

// portalPost handles the page's forms. Every form carries the sealed page
// state and the CSRF value; the state must belong to the current session's
// user, whose second factor must still be recent.
func (s *Server) portalPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &Error{Status: http.StatusRequestEntityTooLarge, Public: "The request is too large.", Err: err}
		}
		return badRequest("The form could not be read.", err)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return badRequest("The form could not be read.", fmt.Errorf("web: content type %q", ct))
	}
	st, err := s.openFlow(r)
	if errors.Is(err, errFlowExpired) {
		// The page was open too long: show it again (or the sign-in).
		http.Redirect(w, r, portalPath, http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	if st.Protocol != protocolPortal || st.User == nil || flowStep(r.PostFormValue("step")) != st.Step {
		return badRequest("This page is out of date. Open the security page again.", fmt.Errorf("web: portal form with protocol %q step %q", st.Protocol, st.Step))
	}
	sess, ok := s.portalSession(r)
	if !ok || sess.User.ID != st.User.ID {
		// Signed out, session too old or another user meanwhile: sign in
		// again; nothing was changed.
		http.Redirect(w, r, portalPath, http.StatusSeeOther)
		return nil
	}
	action := r.PostFormValue("action")
	switch {
	case st.Step == stepPortal && action == "create" && s.apppass != nil:
		return s.portalCreate(w, r, sess)
	case st.Step == stepPortal && action == "revoke" && s.apppass != nil:
		return s.portalRevoke(w, r, sess)
	case st.Step == stepPortal && action == actionRecovery:
		return s.portalRecoveryGenerate(w, r, sess)
	case st.Step == stepPortal && action == "replace":
		return s.portalReplaceStart(w, r, sess)
	case st.Step == stepReenroll && action == "confirm" && st.EnrollSecret != "":
		return s.portalReplaceConfirm(w, r, sess, st.EnrollSecret)
	}
	return badRequest("This page is out of date. Open the security page again.", fmt.Errorf("web: portal action %q at step %q", clip(action, 32), st.Step))
}

func (s *Server) portalCreate(w http.ResponseWriter, r *http.Request, sess *ssoSession) error {
	created, err := s.apppass.Create(r.Context(), sess.User.ID, r.PostFormValue("name"))
	switch {
	case errors.Is(err, apppass.ErrLimit):
		return s.renderPortal(w, r, sess, "You already have the maximum number of app passwords. Revoke one you no longer use first.", "")
	case errors.Is(err, apppass.ErrInvalid):
		return s.renderPortal(w, r, sess, fmt.Sprintf("Give the app password a name of 1 to %d characters, for example the device it is for.", apppass.MaxNameLen), "")
	case err != nil:
		return fmt.Errorf("web: create app password: %w", err)
	}
	s.recordAuditProto(r, portalRealm, protocolPortal, sess.User.UPN, "app_password_created", created.ID)
	s.logAttempt(r, slog.LevelInfo, "app password created", slog.String("app_password_id", created.ID))
	d, err := s.portalState(w, r, sess.User, stepPortal, "")
	if err != nil {
		return err
	}
	d.Created = created
	return s.pages.render(w, http.StatusOK, "portalcreated", d)
}

func (s *Server) portalRevoke(w http.ResponseWriter, r *http.Request, sess *ssoSession) error {
	id := r.PostFormValue("id")
	ok, err := s.apppass.Revoke(r.Context(), sess.User.ID, id)
	if err != nil {
		return fmt.Errorf("web: revoke app password: %w", err)
	}
	if !ok {
		return s.renderPortal(w, r, sess, "That app password no longer exists.", "")
	}
	s.recordAuditProto(r, portalRealm, protocolPortal, sess.User.UPN, "app_password_revoked", id)
	s.logAttempt(r, slog.LevelInfo, "app password revoked", slog.String("app_password_id", id))
	return s.renderPortal(w, r, sess, "", "The app password was revoked. Devices using it can no longer sign in with it.")
}

func (s *Server) portalReplaceStart(w http.ResponseWriter, r *http.Request, sess *ssoSession) error {
	enr, err := s.mfa.NewReplacement(r.Context(), sess.User.ID, sess.User.UPN)
	if errors.Is(err, mfa.ErrNotEnrolled) {
		return s.renderPortal(w, r, sess, "No authenticator is set up for your account.", "")
	}
	if err != nil {
		return fmt.Errorf("web: new MFA replacement: %w", err)
	}
	return s.renderReenroll(w, r, sess, enr.Secret, "")
}

func (s *Server) renderReenroll(w http.ResponseWriter, r *http.Request, sess *ssoSession, secret, msg string) error {
	d, err := s.portalState(w, r, sess.User, stepReenroll, secret)
	if err != nil {
		return err
	}
	view, err := s.mfaEnrollmentPage(&flowState{User: &sess.User, EnrollSecret: secret})
	if err != nil {
		return err
	}
	d.Error, d.QRCode, d.Secret, d.URI = msg, view.qr, view.secret, view.uri
	return s.pages.render(w, http.StatusOK, "portalreenroll", d)
}

func (s *Server) portalReplaceConfirm(w http.ResponseWriter, r *http.Request, sess *ssoSession, secret string) error {
	err := s.mfa.Replace(r.Context(), sess.User.ID, sess.User.UPN, secret, strings.TrimSpace(r.PostFormValue("code")))
	if err == nil {
		s.recordAuditProto(r, portalRealm, protocolPortal, sess.User.UPN, "mfa_replaced", "")
		s.logAttempt(r, slog.LevelInfo, "mfa authenticator replaced")
		return s.renderPortal(w, r, sess, "", "Your new authenticator is set up. The old one no longer works.")
	}
	if errors.Is(err, mfa.ErrNotEnrolled) {
		return s.renderPortal(w, r, sess, "No authenticator is set up for your account.", "")
	}
	msg, ok := mfaMessage(err)
	if !ok {
		return fmt.Errorf("web: replace MFA enrollment: %w", err)
	}
	s.recordAuditProto(r, portalRealm, protocolPortal, sess.User.UPN, "failure", mfaReason(err))
	return s.renderReenroll(w, r, sess, secret, msg)
}
