package web

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/fedgate/fedgate/idp/samlp"
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
	// SAML 2.0: the SessionIndex the browser's SSO session already gave
	// this SP, and that session's user ID; a new response to the same SP
	// for the same user keeps it, so the SP's LogoutRequest still matches.
	SessionIndex string `json:"si,omitempty"`
	SessionUser  string `json:"su,omitempty"`
	// NameID is the SAML 2.0 request's NameID format and the transient
	// NameID the SSO session already gave this SP (see samlNameID).
	NameID *samlNameID `json:"n,omitempty"`
	// issued is what the SAML response just built said about the subject
	// (set by bindSAMLSession, recorded by sessionAfterIssue); never sealed.
	issued *sessionParty
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
	User    sessionUser `json:"u"`
	AuthnAt time.Time   `json:"a"`
	MFAAt   time.Time   `json:"m,omitempty"`
	Expires time.Time   `json:"e"`
	// Audience lists the parties a token was issued to in this session,
	// oldest first, with what single sign-out needs to notify each one (at
	// most maxSessionParties; see record).
	Audience []sessionParty `json:"p,omitempty"`
	// Ending is set when a sign-out has started: the session no longer
	// signs anyone in (readSession refuses it) but still lists the parties
	// the sign-out is notifying (openSession).
	Ending bool `json:"x,omitempty"`
}

// Limits that keep the SSO cookie under the 4 KiB browsers accept.
const (
	// maxSessionParties caps Audience; the oldest record makes way.
	maxSessionParties = 16
	// maxSessionCookieBytes bounds the sealed cookie value; writeSession
	// drops the oldest parties (which then miss single sign-out) rather
	// than set a cookie the browser would silently discard.
	maxSessionCookieBytes = 3800
	// sessionIndexBytes of randomness in a SAML SessionIndex (120 bits).
	sessionIndexBytes = 15
)

// sessionParty is one party issued to in a session. SAML parties also
// keep the NameID (value and format) and SessionIndex their assertion
// carried: a LogoutRequest to them must repeat exactly these, and theirs
// to us must match them.
type sessionParty struct {
	// ID is the identifier the token was issued for (wtrealm or SP entity ID).
	ID           string `json:"i"`
	NameID       string `json:"n,omitempty"`
	Format       string `json:"f,omitempty"` // compactFormat form
	SessionIndex string `json:"s,omitempty"`
}

// UnmarshalJSON also reads the earlier cookie format, where a party was
// just its identifier, so sessions survive the upgrade.
func (p *sessionParty) UnmarshalJSON(b []byte) error {
	var id string
	if err := json.Unmarshal(b, &id); err == nil {
		*p = sessionParty{ID: id}
		return nil
	}
	type plain sessionParty
	return json.Unmarshal(b, (*plain)(p))
}

// Short forms of the NameID formats issued to SAML parties, to keep the
// cookie small; any other format is stored in full.
var nameIDFormatCodes = map[string]string{
	samlp.NameIDFormatPersistent:   "p",
	samlp.NameIDFormatEmailAddress: "e",
	samlp.NameIDFormatUnspecified:  "u",
	samlp.NameIDFormatTransient:    "t",
}

func compactFormat(f string) string {
	if c, ok := nameIDFormatCodes[f]; ok {
		return c
	}
	return f
}

func expandFormat(c string) string {
	for f, code := range nameIDFormatCodes {
		if code == c {
			return f
		}
	}
	return c
}

// party returns the record for identifier id, or nil.
func (sess *ssoSession) party(id string) *sessionParty {
	for i := range sess.Audience {
		if sess.Audience[i].ID == id {
			return &sess.Audience[i]
		}
	}
	return nil
}

// record adds p, replacing the record with the same ID (a later issuance
// to the same party). When the session is full the oldest record is
// dropped: the party signed in to most recently is the likeliest to still
// hold a session worth ending.
func (sess *ssoSession) record(p sessionParty) {
	if have := sess.party(p.ID); have != nil {
		*have = p
		return
	}
	if len(sess.Audience) >= maxSessionParties {
		sess.Audience = sess.Audience[len(sess.Audience)-maxSessionParties+1:]
	}
	sess.Audience = append(sess.Audience, p)
}

// bindSAMLSession gives a SAML response being built its SessionIndex and
// notes the subject it states, for sessionAfterIssue to record. Call it
// once in is complete (NameID and format set), before BuildResponse. The
// SessionIndex is random per session and SP (saml-core §2.7.2: it must
// not let SPs correlate the user) and kept when the same user's session
// issues to the same SP again.
func (s *Server) bindSAMLSession(st *flowState, user sessionUser, in *samlp.ResponseInput) {
	idx := ""
	if st.SessionUser == user.ID {
		idx = st.SessionIndex
	}
	if idx == "" {
		var b [sessionIndexBytes]byte
		if _, err := io.ReadFull(s.rand, b[:]); err != nil {
			panic("web: random source failed: " + err.Error())
		}
		idx = "_" + base64.RawURLEncoding.EncodeToString(b[:])
	}
	in.SessionIndex = idx
	st.issued = &sessionParty{ID: st.Realm, NameID: in.NameID, Format: compactFormat(in.IssuedNameIDFormat()), SessionIndex: idx}
}

// sessionAfterIssue returns the SSO session to write once a token for
// st's party has been issued. An SSO issuance (prev) keeps prev's expiry
// and parties; a fresh sign-in keeps the parties of the browser's current
// session when it is the same user's (ForceAuthn, wfresh=0), so sign-out
// still reaches them. The party is recorded with what bindSAMLSession
// noted for a SAML response.
func (s *Server) sessionAfterIssue(r *http.Request, prev *ssoSession, st *flowState, user sessionUser, authnAt, mfaAt time.Time) *ssoSession {
	sess := &ssoSession{User: user, AuthnAt: authnAt, MFAAt: mfaAt, Expires: s.now().Add(s.lifetime)}
	base := prev
	if prev != nil {
		sess.Expires = prev.Expires
	} else if cur, ok := s.readSession(r); ok && cur.User.ID == user.ID {
		base = cur
	}
	if base != nil {
		sess.Audience = append([]sessionParty(nil), base.Audience...)
	}
	p := sessionParty{ID: st.Realm}
	if st.issued != nil && st.issued.ID == st.Realm {
		p = *st.issued
	}
	sess.record(p)
	return sess
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

// readSession returns the SSO session if the cookie opens, is current and
// is not being signed out: the session that may sign someone in.
func (s *Server) readSession(r *http.Request) (*ssoSession, bool) {
	sess, ok := s.openSession(r)
	if !ok || sess.Ending || !s.now().Before(sess.Expires) {
		return nil, false
	}
	return sess, true
}

// openSession returns whatever session the cookie holds, ended or
// expired: sign-out uses it to find the parties to notify, never to sign
// anyone in.
func (s *Server) openSession(r *http.Request) (*ssoSession, bool) {
	c, err := r.Cookie(s.cookie)
	if err != nil {
		return nil, false
	}
	var sess ssoSession
	if err := s.sealer.Open(purposeSession, c.Value, &sess); err != nil {
		return nil, false
	}
	return &sess, true
}

// writeSession seals sess into the SSO cookie. A value over
// maxSessionCookieBytes loses its oldest party records until it fits,
// except for an Ending session, whose parties a sign-out is walking by
// index: it only ever grows by the flag.
func (s *Server) writeSession(w http.ResponseWriter, sess *ssoSession) error {
	v, err := s.sealer.Seal(purposeSession, sess)
	dropped := 0
	for err == nil && len(v) > maxSessionCookieBytes && !sess.Ending && len(sess.Audience) > 0 {
		sess.Audience = sess.Audience[1:]
		dropped++
		v, err = s.sealer.Seal(purposeSession, sess)
	}
	if err != nil {
		return err
	}
	if dropped > 0 {
		s.log.LogAttrs(context.Background(), slog.LevelWarn, "session cookie full: oldest parties will not be notified at sign-out",
			slog.Int("dropped", dropped), slog.Int("kept", len(sess.Audience)))
	}
	// Max-Age, not Expires: the browser counts the lifetime from when it
	// receives the cookie, so a client whose clock is off neither drops the
	// session early nor keeps it late. The sealed value carries the
	// authoritative expiry, checked by this server's clock.
	maxAge := int(sess.Expires.Sub(s.now()) / time.Second)
	if maxAge < 1 {
		maxAge = 1
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.cookie, Value: v, Path: "/adfs/", MaxAge: maxAge,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: "", Path: "/adfs/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}
