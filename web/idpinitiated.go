package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"

	"github.com/go-chi/chi/v5"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
)

// IdP-initiated sign-on (AD FS /adfs/ls/idpinitiatedsignon.aspx): a page
// listing the SAML 2.0 parties, and ?loginToRp=<entity ID> (or choosing one
// on the page) to sign in and receive an unsolicited Response (no
// InResponseTo) at the party's default ACS. The sign-in reuses the SAML
// flow: SSO session, password, MFA per the party's policy.
//
// The page lists only the parties a signed-in user may reach (their
// access rules, checked on a fresh directory read); choosing one still
// goes through complete, which checks the rules again before issuing.
//
// Like AD FS's EnableIdPInitiatedSignonPage it is off unless
// Config.IdPInitiated is set: the page names the SAML trusts to anyone who
// opens it (as AD FS's does), and unsolicited responses are more exposed
// to login CSRF at the SP than SP-initiated ones.

// idpInitiatedPaths are the paths served; chi matches case-sensitively, so
// the AD FS spellings seen in documentation are listed.
var idpInitiatedPaths = []string{
	"/adfs/ls/idpinitiatedsignon",
	"/adfs/ls/idpinitiatedsignon.aspx",
	"/adfs/ls/IdpInitiatedSignon.aspx",
	"/adfs/ls/IdpInitiatedSignOn.aspx",
}

// maxEntityIDBytes bounds the loginToRp / rp parameter.
const maxEntityIDBytes = 1024

// mountIdPInitiated adds the IdP-initiated sign-on routes.
func (s *Server) mountIdPInitiated(r chi.Router) {
	for _, p := range idpInitiatedPaths {
		r.Get(p, s.wrap(s.idpInitiatedGet))
		r.Post(p, s.wrap(s.idpInitiatedPost))
	}
}

// idpInitiatedData is the idpinitiated page.
type idpInitiatedData struct {
	Brand, ActivityID string
	CSRF              string
	SignedInAs        string // UPN of the SSO session, "" when none
	Parties           []idpInitiatedParty
}

type idpInitiatedParty struct{ Name, EntityID string }

var errIdPInitiatedOff = &Error{Status: http.StatusNotFound, Public: "IdP-initiated sign-on is not enabled on this server.",
	Err: errors.New("web: IdP-initiated sign-on is disabled")}

func (s *Server) idpInitiatedGet(w http.ResponseWriter, r *http.Request) error {
	if !s.idpInitiated || s.saml == nil {
		return errIdPInitiatedOff
	}
	if q := r.URL.Query(); q.Has("loginToRp") {
		return s.idpInitiatedStart(w, r, q.Get("loginToRp"))
	}
	d := idpInitiatedData{Brand: s.brand, ActivityID: ActivityID(r.Context()), CSRF: s.csrfToken(w, r)}
	sess, signedIn := s.readSession(r)
	if signedIn {
		d.SignedInAs = sess.User.UPN
	}
	reach := s.reachable(r, sess)
	for _, p := range s.parties.Parties() {
		if p.Protocol == rp.SAML2 && p.SAML != nil && reach(p) {
			d.Parties = append(d.Parties, idpInitiatedParty{Name: p.Name, EntityID: p.SAML.EntityID})
		}
	}
	sort.Slice(d.Parties, func(i, j int) bool { return d.Parties[i].Name < d.Parties[j].Name })
	return s.pages.render(w, http.StatusOK, "idpinitiated", d)
}

// reachable returns which parties the page may list for sess. Without a
// session every party is listed, as on AD FS's page: the user is not
// known yet, and signing in applies each party's access rules. With one,
// parties with access rules are listed only when the rules admit the
// user, read again from the directory once (only if some party has
// rules); when that read fails they are left out.
func (s *Server) reachable(r *http.Request, sess *ssoSession) func(*rp.Party) bool {
	if sess == nil {
		return func(*rp.Party) bool { return true }
	}
	var (
		subject *claims.Subject
		read    bool
	)
	return func(p *rp.Party) bool {
		if p.Access.IsZero() {
			return true
		}
		if !read {
			read = true
			var err error
			if subject, err = s.lookupSubject(r.Context(), sess.User); err != nil {
				s.logAttempt(r, slog.LevelInfo, "IdP-initiated page: user not read; parties with access rules are not listed", slog.Any("error", err))
				subject = nil
			}
		}
		return subject != nil && p.Access.Decide(subject).Permit
	}
}

// idpInitiatedPost is the page's form: the CSRF field must equal the cookie.
func (s *Server) idpInitiatedPost(w http.ResponseWriter, r *http.Request) error {
	if !s.idpInitiated || s.saml == nil {
		return errIdPInitiatedOff
	}
	cookie, err := r.Cookie(csrfCookie)
	form := r.PostFormValue("csrf")
	if err != nil || len(cookie.Value) != 43 || subtle.ConstantTimeCompare([]byte(cookie.Value), []byte(form)) != 1 {
		return &Error{Status: http.StatusForbidden, Public: "Your request could not be verified. Cookies may be blocked; enable them and start again.", Err: errCSRF}
	}
	return s.idpInitiatedStart(w, r, r.PostFormValue("rp"))
}

// idpInitiatedStart begins a SAML flow without an AuthnRequest for the SAML
// party entityID: the response goes to its default ACS with no
// InResponseTo and no RelayState.
func (s *Server) idpInitiatedStart(w http.ResponseWriter, r *http.Request, entityID string) error {
	if entityID == "" || len(entityID) > maxEntityIDBytes {
		return badRequest("Choose an application to sign in to.", errors.New("web: IdP-initiated sign-on without a party"))
	}
	party, err := s.parties.Lookup(entityID)
	if err != nil || party.Protocol != rp.SAML2 || party.SAML == nil {
		return badRequest("There is no SAML 2.0 relying-party trust with that identifier.", fmt.Errorf("web: IdP-initiated sign-on to %q: %w", clip(entityID, 128), err))
	}
	if err := party.SAML.Validate(); err != nil {
		return fmt.Errorf("web: IdP-initiated sign-on to %q: %w", party.Name, err)
	}
	st := &flowState{
		Created: s.now(), Step: stepPassword, Protocol: protocolSAML,
		Realm: party.SAML.EntityID, Reply: defaultACS(party.SAML).Location,
		NameID: s.samlNameIDFor(r, party.SAML, ""),
	}
	s.logAttempt(r, slog.LevelInfo, "IdP-initiated sign-on", slog.String("rp", party.Name))
	reuse := func(*ssoSession) bool { return !party.RequireFreshAuth }
	return s.begin(w, r, st, party, reuse, false)
}

// defaultACS is the SP's IsDefault endpoint, else its first (saml-metadata
// §2.2.3, as samlp applies it to requests naming no ACS).
func defaultACS(sp *samlp.ServiceProvider) samlp.Endpoint {
	for _, e := range sp.ACS {
		if e.IsDefault {
			return e
		}
	}
	return sp.ACS[0]
}
