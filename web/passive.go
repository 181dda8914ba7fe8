package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/wsfed"
)

var (
	errCSRF        = errors.New("web: CSRF token missing or does not match")
	errFlowExpired = errors.New("web: sign-in flow expired")
)

// genericCredentialError is the one message every failed password gets,
// whatever the directory's real reason (which goes to the log and audit).
const genericCredentialError = "Incorrect user ID or password. Type the correct user ID and password, and try again."

// pageData feeds every template.
type pageData struct {
	Brand        string
	ActivityID   string
	Error        string
	RelyingParty string
	State        string
	CSRF         string
	Username     string
	// RecoveryState is the sealed state of the code page's recovery-code
	// form; "" when recovery codes are off.
	RecoveryState string
	// Enrollment page.
	QRCode any // template.URL of a data: image
	Secret string
	URI    string
	// Auto-POST page (and the signed-out page's POST continuation).
	Action string
	Fields []formField
	// Heading replaces the auto-POST page's "Signing you in…".
	Heading string
	// Signed-out page: Return is the link back (a registered wreply, or a
	// SAML LogoutResponse URL); Cleanup the wsignoutcleanup1.0 URLs loaded
	// in hidden frames; AutoReturn has signout.js continue to Return or
	// the form once they have loaded.
	Return     string
	Cleanup    []string
	AutoReturn bool
}

type formField struct{ Name, Value string }

// passiveGet serves /adfs/ls/ GET: the WS-Federation passive requests of
// MS-WSFED §2.2 (wsignin1.0, wsignout1.0, wsignoutcleanup1.0).
// A SAMLRequest or SAMLResponse parameter instead selects the SAML 2.0
// Redirect binding (AuthnRequest, LogoutRequest, LogoutResponse).
func (s *Server) passiveGet(w http.ResponseWriter, r *http.Request) error {
	q, _ := url.ParseQuery(r.URL.RawQuery) // each protocol's parser reports malformed queries
	if saml, err := protocolOf(q); err != nil {
		return err
	} else if saml {
		return s.samlGet(w, r)
	}
	req, err := wsfed.ParseRequest(r.URL.RawQuery)
	if err != nil {
		return badRequest("The sign-in request is not valid: "+publicParseError(err), err)
	}
	switch req.Action {
	case wsfed.SignIn:
		return s.signIn(w, r, req)
	case wsfed.SignOut, wsfed.SignOutCleanup:
		return s.signOut(w, r, req)
	}
	return badRequest("The sign-in request is not valid.", fmt.Errorf("web: unhandled action %q", req.Action))
}

// publicParseError turns a wsfed parse error into text safe to show.
func publicParseError(err error) string {
	var pe *wsfed.ParseError
	if errors.As(err, &pe) {
		return pe.Error()
	}
	return "the request could not be read."
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request, req *wsfed.Request) error {
	party, err := s.parties.Lookup(req.Realm)
	if err != nil {
		return badRequest("There is no relying-party trust for the application that sent you here ("+clip(req.Realm, 200)+").", err)
	}
	if party.Protocol != rp.WSFed {
		return badRequest("The application that sent you here does not use WS-Federation.", fmt.Errorf("web: party %q is %s", party.Name, party.Protocol))
	}
	reply, err := party.ResolveReply(req.Reply)
	if err != nil {
		return badRequest("The application asked to receive your sign-in at an address it has not registered.", err)
	}
	st := &flowState{
		Created: s.now(), Step: stepPassword,
		Realm: req.Realm, Reply: reply, Context: req.Context,
		Username:     usernameHint(r.URL.Query()),
		MFARequested: req.AuthMethod == mfaAuthMethod,
	}
	reuse := func(sess *ssoSession) bool { return s.reuseSession(sess, party, req) }
	return s.begin(w, r, st, party, reuse, false)
}

// begin continues a new sign-in st: with the SSO session when reuse allows
// it (asking only for the second factor when the session lacks it and the
// request needs it), else with the password page. passive (SAML IsPassive)
// answers every outcome that would show a page with a NoPassive status
// response instead.
func (s *Server) begin(w http.ResponseWriter, r *http.Request, st *flowState, party *rp.Party, reuse func(*ssoSession) bool, passive bool) error {
	if sess, ok := s.readSession(r); ok {
		if p := sess.party(st.Realm); p != nil && st.Protocol == protocolSAML {
			// Keep the SessionIndex this SP already holds (bindSAMLSession).
			st.SessionIndex, st.SessionUser = p.SessionIndex, sess.User.ID
		}
		if reuse(sess) {
			// Decided for this request, not when the session was made: a
			// session from inside without MFA is not enough from the
			// extranet when the party's policy is extranet_only.
			if !s.needMFA(r, st, party) || !sess.MFAAt.IsZero() {
				return s.complete(w, r, st, party, sess.User, sess.AuthnAt, sess.MFAAt, sess)
			}
			if passive {
				return s.samlNoPassive(w, r, st, party)
			}
			// Password still good: ask only for the second factor.
			u := sess.User
			st.User, st.PasswordAt = &u, sess.AuthnAt
			return s.toMFA(w, r, st, party)
		}
		if st.Username == "" {
			st.Username = sess.User.UPN
		}
	}
	if passive {
		return s.samlNoPassive(w, r, st, party)
	}
	return s.renderStep(w, r, st, party, "")
}

// mfaAuthMethod is the wauth value Entra sends to ask for MFA.
const mfaAuthMethod = "http://schemas.microsoft.com/claims/multipleauthn"

// needMFA reports whether the sign-in of r needs the second factor: the
// party's MFA policy for r's network location (extranet unless it came
// directly with proxy trust on), or the relying party asked for MFA with
// wauth (MS-WSFED §2.2.3; Entra sends multipleauthn for Conditional Access).
func (s *Server) needMFA(r *http.Request, st *flowState, party *rp.Party) bool {
	return party.MFA.Required(extranet(r)) || st.MFARequested
}

// reuseSession decides single sign-on: wfresh=0 or a party that demands
// fresh authentication always re-prompts; wfresh=N allows a session whose
// password step is at most N minutes old (MS-WSFED §2.2.3).
func (s *Server) reuseSession(sess *ssoSession, party *rp.Party, req *wsfed.Request) bool {
	if party.RequireFreshAuth {
		return false
	}
	if req.Fresh != nil {
		if *req.Fresh == 0 {
			return false
		}
		if s.now().Sub(sess.AuthnAt) > time.Duration(*req.Fresh)*time.Minute {
			return false
		}
	}
	return true
}

// usernameHint reads the user name Entra forwards (username, login_hint).
func usernameHint(q url.Values) string {
	for _, k := range []string{"username", "login_hint"} {
		if v := strings.TrimSpace(q.Get(k)); v != "" && len(v) <= 256 && !strings.ContainsAny(v, "\x00\r\n") {
			return v
		}
	}
	return ""
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// passivePost continues a sign-in from one of the forms.
func (s *Server) passivePost(w http.ResponseWriter, r *http.Request) error {
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
	if saml, err := protocolOf(r.PostForm); err != nil {
		return err
	} else if saml {
		if r.PostForm.Has("state") {
			return badRequest("The sign-in request is not valid.", errors.New("web: SAML message posted with flow state"))
		}
		return s.samlPost(w, r)
	}
	st, err := s.openFlow(r)
	if err != nil {
		return err
	}
	party, err := s.flowParty(st)
	if err != nil {
		return badRequest("The relying-party trust for this sign-in no longer exists.", err)
	}
	if (st.Protocol == protocolSAML) != (party.Protocol == rp.SAML2) {
		return badRequest("The relying-party trust for this sign-in has changed. Start again from the application.", fmt.Errorf("web: flow protocol %q, party %q is %s", st.Protocol, party.Name, party.Protocol))
	}
	if flowStep(r.PostFormValue("step")) != st.Step {
		return badRequest("This page is out of date. Start again from the application.", fmt.Errorf("web: form step %q, state step %q", r.PostFormValue("step"), st.Step))
	}
	switch st.Step {
	case stepPassword:
		return s.postPassword(w, r, st, party)
	case stepMFA:
		return s.postMFA(w, r, st, party)
	case stepEnroll:
		return s.postEnroll(w, r, st, party)
	case stepRecovery:
		return s.postRecovery(w, r, st, party)
	}
	return badRequest("This page is out of date.", fmt.Errorf("web: unknown step %q", st.Step))
}

// renderStep renders the page for st.Step with a fresh sealed state.
func (s *Server) renderStep(w http.ResponseWriter, r *http.Request, st *flowState, party *rp.Party, msg string) error {
	st.CSRF = s.csrfToken(w, r)
	sealed, err := s.sealFlow(st)
	if err != nil {
		return err
	}
	d := pageData{
		Brand: s.brand, ActivityID: ActivityID(r.Context()), Error: msg, RelyingParty: party.Name,
		State: sealed, CSRF: st.CSRF, Username: st.Username,
	}
	name := "signin"
	switch st.Step {
	case stepMFA:
		name = "mfa"
		d.Username = st.User.UPN
		if d.RecoveryState, err = s.recoveryState(st); err != nil {
			return err
		}
	case stepEnroll:
		name = "enroll"
		d.Username = st.User.UPN
		enr, err := s.mfaEnrollmentPage(st)
		if err != nil {
			return err
		}
		d.QRCode, d.Secret, d.URI = enr.qr, enr.secret, enr.uri
	}
	return s.pages.render(w, http.StatusOK, name, d)
}

func (s *Server) logAttempt(r *http.Request, level slog.Level, msg string, attrs ...slog.Attr) {
	attrs = append([]slog.Attr{slog.String("activity_id", ActivityID(r.Context())), slog.String("client_ip", clientIP(r))}, attrs...)
	s.log.LogAttrs(r.Context(), level, msg, attrs...)
}
