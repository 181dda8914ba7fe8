package web

import (
	"crypto/subtle"
	"encoding/base64"
	"io"
	"net/http"
	"time"
)

// Sealing purposes: a value sealed for one can never be opened as another.
const (
	purposeFlow    = "fedgate/flow/v1"
	purposeSession = "fedgate/session/v1"
)

// csrfCookie holds the browser's anti-forgery value. Every form carries
// the same value twice: in the sealed flow state and as a plain field, and
// both must equal the cookie (double submit, with the state authenticated).
const csrfCookie = "fedgate_csrf"

// flowStep is where a sign-in stands.
type flowStep string

const (
	stepPassword flowStep = "password"
	stepMFA      flowStep = "mfa"
	stepEnroll   flowStep = "enroll"
)

// flowState is one in-progress sign-in. It travels sealed in a hidden form
// field, so any farm node can continue it and nothing is stored server side.
type flowState struct {
	CSRF    string    `json:"c"`
	Created time.Time `json:"t"`
	Step    flowStep  `json:"s"`
	// The relying party's request. For SAML 2.0 (Protocol protocolSAML)
	// Realm is the SP entity ID and Reply the ACS location; the party is
	// looked up again from Realm on every step.
	Realm   string `json:"r"`
	Reply   string `json:"rp"`
	Context string `json:"x,omitempty"`
	// Protocol is "" for WS-Federation, protocolSAML for SAML 2.0,
	// protocolPortal for a sign-in to (or a form on) the self-service
	// security page, which never issues a token.
	Protocol string `json:"p,omitempty"`
	// SAML 2.0 request: AuthnRequest ID (InResponseTo), RelayState to
	// echo, and ForceAuthn (the SSO session was not used).
	RequestID  string `json:"ri,omitempty"`
	RelayState string `json:"rs,omitempty"`
	ForceAuthn bool   `json:"fa,omitempty"`
	// Username pre-fills the form (from the username or login_hint
	// parameters Entra passes along).
	Username string `json:"u,omitempty"`
	// MFARequested is set when the relying party asked for multi-factor
	// authentication (wauth=…/multipleauthn), whatever the MFA policy.
	MFARequested bool `json:"m,omitempty"`
	// Set once the password step succeeded.
	User       *sessionUser `json:"usr,omitempty"`
	PasswordAt time.Time    `json:"pa,omitempty"`
	// EnrollSecret is the TOTP seed shown on the enrollment page, kept
	// here (sealed) until the user proves they stored it.
	EnrollSecret string `json:"es,omitempty"`
}

// sessionUser is who signed in.
type sessionUser struct {
	ID          string `json:"id"` // ImmutableID: the stable key for MFA and claims
	UPN         string `json:"upn"`
	DisplayName string `json:"dn,omitempty"`
}

// ssoSession is the single sign-on cookie's content.
type ssoSession struct {
	User     sessionUser `json:"u"`
	AuthnAt  time.Time   `json:"a"`
	MFAAt    time.Time   `json:"m,omitempty"`
	Expires  time.Time   `json:"e"`
	Audience []string    `json:"p,omitempty"` // parties issued to, for sign-out
}

func (s *Server) randomToken() string {
	var b [32]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		panic("web: random source failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// csrfToken returns the browser's CSRF value, setting the cookie when the
// request carries none.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	v := s.randomToken()
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/adfs/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return v
}

// openFlow authenticates a POSTed form: sealed state, not expired, and the
// CSRF value equal in the cookie, the state and the form.
func (s *Server) openFlow(r *http.Request) (*flowState, error) {
	cookie, err := r.Cookie(csrfCookie)
	if err != nil {
		return nil, &Error{Status: http.StatusForbidden, Public: "Your sign-in could not be verified. Cookies may be blocked; enable them and start again.", Err: err}
	}
	var st flowState
	if err := s.sealer.Open(purposeFlow, r.PostFormValue("state"), &st); err != nil {
		return nil, &Error{Status: http.StatusForbidden, Public: "Your sign-in could not be verified. Start again from the application.", Err: err}
	}
	form := r.PostFormValue("csrf")
	if subtle.ConstantTimeCompare([]byte(cookie.Value), []byte(st.CSRF)) != 1 ||
		subtle.ConstantTimeCompare([]byte(form), []byte(st.CSRF)) != 1 {
		return nil, &Error{Status: http.StatusForbidden, Public: "Your sign-in could not be verified. Start again from the application.", Err: errCSRF}
	}
	if s.now().Sub(st.Created) > s.flowTTL || st.Created.After(s.now().Add(time.Minute)) {
		return nil, &Error{Status: http.StatusBadRequest, Public: "Your sign-in took too long. Start again from the application.", Err: errFlowExpired}
	}
	return &st, nil
}

func (s *Server) sealFlow(st *flowState) (string, error) {
	return s.sealer.Seal(purposeFlow, st)
}

// readSession returns the SSO session if the cookie opens and is current.
func (s *Server) readSession(r *http.Request) (*ssoSession, bool) {
	c, err := r.Cookie(s.cookie)
	if err != nil {
		return nil, false
	}
	var sess ssoSession
	if err := s.sealer.Open(purposeSession, c.Value, &sess); err != nil {
		return nil, false
	}
	if !s.now().Before(sess.Expires) {
		return nil, false
	}
	return &sess, true
}

func (s *Server) writeSession(w http.ResponseWriter, sess *ssoSession) error {
	v, err := s.sealer.Seal(purposeSession, sess)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.cookie, Value: v, Path: "/adfs/", Expires: sess.Expires,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: "", Path: "/adfs/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}
