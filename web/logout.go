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
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/wsfed"
)

// Single sign-out, front channel only (AD FS behaves the same way):
//
//	SAML LogoutRequest (SP-initiated) ─┐
//	wsignout1.0 (WS-Fed RP, portal)  ──┴─▶ SSO session marked Ending, audit "signed_out"
//	   ─▶ for each other SAML party of the session with a SingleLogoutService:
//	        signed LogoutRequest (302, or auto-POST) ─▶ SP ─▶ LogoutResponse back to
//	        /adfs/ls/ (InResponseTo must be the request sent) ─▶ next party
//	   ─▶ SSO cookie cleared; WS-Fed parties get wa=wsignoutcleanup1.0 as hidden
//	      frames on the signed-out page (CSP frame-src widened to exactly their origins)
//	   ─▶ initiator answered: signed LogoutResponse (Success, PartialLogout when a
//	      party failed or could not be reached) with its RelayState, or wreply when
//	      registered, or the signed-out page
//
// The chain's progress travels in a sealed, short-lived cookie
// (logoutChain); the parties and their NameIDs come from the SSO cookie
// itself, which stays readable (but unusable for sign-in) until the end.

const (
	// logoutCookie holds the sealed logoutChain while a sign-out walks
	// through the SAML parties.
	logoutCookie  = "fedgate_slo"
	purposeLogout = "fedgate/logout/v1"
	// samlLogoutReplayKind is the UseOnce kind of LogoutRequest IDs; the
	// id is "<SP entity ID>|<request ID>".
	samlLogoutReplayKind = "saml-logout"
	// cleanupAction is what WS-Fed parties receive (MS-WSFED §2.2.6).
	cleanupAction = "wsignoutcleanup1.0"
)

// logoutChain is a sign-out in progress.
type logoutChain struct {
	Created time.Time `json:"t"`
	// The session being ended, identified by its user and authentication
	// instant; a different session in the cookie is not walked.
	UserID  string    `json:"u"`
	AuthnAt time.Time `json:"a"`
	// Initiator: Protocol is protocolSAML for an SP's LogoutRequest, ""
	// for wsignout1.0. Party is its identifier ("" when unknown, e.g. the
	// portal). A SAML initiator is answered InResponseTo RequestID with
	// RelayState, preferring Binding; a WS-Fed one returns to Reply (a
	// registered reply URL) when set.
	Protocol   string `json:"p,omitempty"`
	Party      string `json:"i,omitempty"`
	RequestID  string `json:"r,omitempty"`
	RelayState string `json:"rs,omitempty"`
	Binding    string `json:"b,omitempty"`
	Reply      string `json:"w,omitempty"`
	// Progress: Next indexes the session's Audience; Waiting is the party
	// whose LogoutResponse must answer WaitingID (the LogoutRequest sent).
	Next      int    `json:"n,omitempty"`
	Waiting   string `json:"c,omitempty"`
	WaitingID string `json:"ci,omitempty"`
	// Notified counts LogoutRequests sent; Partial is set when a party
	// failed or could not be reached.
	Notified int  `json:"k,omitempty"`
	Partial  bool `json:"x,omitempty"`
}

func (c *logoutChain) session(sess *ssoSession) bool {
	return sess != nil && sess.User.ID == c.UserID && sess.AuthnAt.Equal(c.AuthnAt)
}

// signOut serves wsignout1.0 and wsignoutcleanup1.0 (MS-WSFED §2.2.6). A
// wreply is followed only when it is a registered reply URL of some party.
// wsignoutcleanup1.0 only clears the session (AD FS: the RP cleans up, no
// other party is told); wsignout1.0 runs the sign-out chain.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request, req *wsfed.Request) error {
	if req.Reply != "" && !s.parties.IsReplyURL(req.Reply) {
		return badRequest("The application asked to return you to an address it has not registered.", fmt.Errorf("web: sign-out wreply %q not registered", req.Reply))
	}
	initiator := s.wsfedInitiator(req)
	sess, ok := s.openSession(r)
	if ok {
		s.recordAuditProto(r, initiator, string(rp.WSFed), sess.User.UPN, "signed_out", string(req.Action))
	}
	if !ok || req.Action == wsfed.SignOutCleanup {
		if ok {
			s.logAttempt(r, slog.LevelInfo, "signed out", slog.String("action", string(req.Action)), slog.String("initiator", initiator))
		}
		s.clearSession(w)
		if req.Action == wsfed.SignOut && req.Reply != "" {
			http.Redirect(w, r, req.Reply, http.StatusFound)
			return nil
		}
		return s.pages.render(w, http.StatusOK, "signedout", pageData{Brand: s.brand, ActivityID: ActivityID(r.Context())})
	}
	chain := &logoutChain{Created: s.now(), UserID: sess.User.ID, AuthnAt: sess.AuthnAt, Party: initiator, Reply: req.Reply}
	s.logAttempt(r, slog.LevelInfo, "sign-out started", slog.String("action", string(req.Action)), slog.String("initiator", initiator))
	return s.runLogout(w, r, chain, sess)
}

// wsfedInitiator names the party a wsignout1.0 comes from: wtrealm when it
// is registered, else the WS-Fed party owning wreply, else "" (the portal
// or an unknown page).
func (s *Server) wsfedInitiator(req *wsfed.Request) string {
	if req.Realm != "" {
		if p, err := s.parties.Lookup(req.Realm); err == nil {
			return p.Identifiers[0]
		}
	}
	if req.Reply != "" {
		for _, p := range s.parties.Parties() {
			if _, err := p.ResolveReply(req.Reply); err == nil && p.Protocol == rp.WSFed {
				return p.Identifiers[0]
			}
		}
	}
	return ""
}

// samlLogoutRequest handles an SP-initiated LogoutRequest: single use of
// its ID, then either the sign-out chain (it names this browser's
// session) or, when it does not, a plain Success answer that leaves the
// session alone: a LogoutRequest for someone else's session must not end
// this one.
func (s *Server) samlLogoutRequest(w http.ResponseWriter, r *http.Request, req *samlp.LogoutRequest) error {
	party, err := s.parties.Lookup(req.SP.EntityID)
	if err != nil || party.Protocol != rp.SAML2 {
		return badRequest("There is no relying-party trust for the application that sent you here.", fmt.Errorf("web: SAML SP %q: %w", req.SP.EntityID, err))
	}
	if _, ok := req.SP.SingleLogout(req.Binding); !ok {
		return badRequest("The application that sent you here has not registered a sign-out address with this server.",
			fmt.Errorf("web: LogoutRequest from %q: %w", req.SP.EntityID, samlp.ErrNoSingleLogout))
	}
	until := req.IssueInstant.Add(samlp.DefaultMaxRequestAge + samlp.DefaultClockSkew)
	first, err := s.replay.UseOnce(r.Context(), samlLogoutReplayKind, req.SP.EntityID+"|"+req.ID, until)
	if err != nil {
		return fmt.Errorf("web: record LogoutRequest ID: %w", err)
	}
	if !first {
		return badRequest("This sign-out request has already been used.", fmt.Errorf("web: LogoutRequest %q from %q replayed", req.ID, req.SP.EntityID))
	}
	sess, ok := s.openSession(r)
	if reason := logoutMismatch(sess, ok, req); reason != "" {
		s.logAttempt(r, slog.LevelInfo, "logout request does not name this session; answered without signing out",
			slog.String("rp", party.Name), slog.String("reason", reason))
		return s.answerSAMLLogout(w, r, &logoutChain{Protocol: protocolSAML, Party: req.SP.EntityID, RequestID: req.ID, RelayState: req.RelayState, Binding: req.Binding}, nil)
	}
	s.recordAuditProto(r, req.SP.EntityID, string(rp.SAML2), sess.User.UPN, "signed_out", "saml_logout_request")
	s.logAttempt(r, slog.LevelInfo, "sign-out started", slog.String("initiator", req.SP.EntityID), slog.String("binding", req.Binding))
	chain := &logoutChain{
		Created: s.now(), UserID: sess.User.ID, AuthnAt: sess.AuthnAt,
		Protocol: protocolSAML, Party: req.SP.EntityID, RequestID: req.ID, RelayState: req.RelayState, Binding: req.Binding,
	}
	return s.runLogout(w, r, chain, sess)
}

// logoutMismatch says why req does not name the browser's session ("" when
// it does): the session must have issued to req's SP exactly this NameID
// (a request without Format, i.e. unspecified, matches any format), and a
// SessionIndex, when the request lists any, must be the one issued
// (saml-core §3.7.3.2: none means every session of the principal). This
// keeps an SP's logout for one user from ending another user's session in
// a shared browser; it is not a defence against forced sign-out, which
// any page can cause with wsignout1.0, as with AD FS.
func logoutMismatch(sess *ssoSession, ok bool, req *samlp.LogoutRequest) string {
	if !ok {
		return "no_session"
	}
	p := sess.party(req.SP.EntityID)
	switch {
	case p == nil:
		return "sp_not_in_session"
	case p.NameID == "" || p.NameID != req.NameID:
		return "nameid_mismatch"
	case req.NameIDFormat != samlp.NameIDFormatUnspecified && req.NameIDFormat != expandFormat(p.Format):
		return "nameid_format_mismatch"
	case len(req.SessionIndexes) > 0 && !contains(req.SessionIndexes, p.SessionIndex):
		return "session_index_mismatch"
	}
	return ""
}

// samlLogoutResponse continues the chain with a participant's answer. It
// must come from the party the chain is waiting for and answer the very
// LogoutRequest sent to it; anything else is refused.
func (s *Server) samlLogoutResponse(w http.ResponseWriter, r *http.Request, resp *samlp.LogoutResponse) error {
	chain, err := s.readChain(r)
	if err != nil {
		return &Error{Status: http.StatusBadRequest, Public: "There is no sign-out in progress in this browser, or it took too long.", Err: err}
	}
	if chain.WaitingID == "" || resp.InResponseTo != chain.WaitingID || resp.SP.EntityID != chain.Waiting {
		return badRequest("This sign-out response does not belong to the sign-out in progress.",
			fmt.Errorf("web: LogoutResponse from %q to %q; waiting for %q to answer %q", resp.SP.EntityID, resp.InResponseTo, chain.Waiting, chain.WaitingID))
	}
	chain.Waiting, chain.WaitingID = "", ""
	if !resp.Success() {
		chain.Partial = true
		s.logAttempt(r, slog.LevelWarn, "party reported sign-out failure", slog.String("rp", resp.SP.EntityID),
			slog.String("status", resp.Status), slog.String("sub_status", resp.SubStatus))
	}
	sess, ok := s.openSession(r)
	if !ok || !chain.session(sess) {
		// The cookie changed under the chain: the remaining parties are unknown.
		sess, chain.Partial = nil, true
	}
	return s.runLogout(w, r, chain, sess)
}

// runLogout sends the next SAML party of the session a LogoutRequest, or
// finishes. Parties that cannot be reached (no SingleLogoutService, no
// recorded NameID, trust removed) make the logout partial.
func (s *Server) runLogout(w http.ResponseWriter, r *http.Request, chain *logoutChain, sess *ssoSession) error {
	initiator := s.partyOf(chain.Party)
	for sess != nil && chain.Next < len(sess.Audience) {
		p := sess.Audience[chain.Next]
		chain.Next++
		party, err := s.parties.Lookup(p.ID)
		if err != nil {
			chain.Partial = true
			s.logAttempt(r, slog.LevelWarn, "sign-out cannot notify a party that is no longer trusted", slog.String("rp", p.ID))
			continue
		}
		if party.Protocol != rp.SAML2 || (initiator != nil && contains(initiator.Identifiers, p.ID)) {
			continue // WS-Fed parties are cleaned up on the final page
		}
		if s.saml == nil || party.SAML == nil || p.NameID == "" {
			chain.Partial = true
			s.logAttempt(r, slog.LevelWarn, "sign-out cannot notify a SAML party: no NameID recorded", slog.String("rp", party.Name))
			continue
		}
		out, err := s.saml.BuildLogoutRequest(samlp.LogoutRequestInput{SP: party.SAML, NameID: p.NameID, NameIDFormat: expandFormat(p.Format), SessionIndex: p.SessionIndex})
		if err != nil {
			chain.Partial = true
			level := slog.LevelError
			if errors.Is(err, samlp.ErrNoSingleLogout) {
				level = slog.LevelInfo
			}
			s.logAttempt(r, level, "sign-out cannot notify a SAML party", slog.String("rp", party.Name), slog.Any("error", err))
			continue
		}
		chain.Waiting, chain.WaitingID = p.ID, out.ID
		chain.Notified++
		if !sess.Ending {
			// From here on the session signs no one in, even if the
			// chain is abandoned half way.
			sess.Ending = true
			if err := s.writeSession(w, sess); err != nil {
				return fmt.Errorf("web: write ending session: %w", err)
			}
		}
		if err := s.writeChain(w, chain); err != nil {
			return err
		}
		s.logAttempt(r, slog.LevelInfo, "logout request sent", slog.String("rp", party.Name), slog.String("binding", out.Binding))
		return s.deliver(w, r, out, "Signing you out…")
	}
	return s.finishLogout(w, r, chain, sess)
}

// partyOf looks up an identifier, nil when empty or unknown.
func (s *Server) partyOf(id string) *rp.Party {
	if id == "" {
		return nil
	}
	p, err := s.parties.Lookup(id)
	if err != nil {
		return nil
	}
	return p
}

// finishLogout clears the session and the chain, then answers the
// initiator, with the WS-Fed cleanup frames when there are any.
func (s *Server) finishLogout(w http.ResponseWriter, r *http.Request, chain *logoutChain, sess *ssoSession) error {
	cleanups, names := s.cleanupURLs(chain, sess)
	s.clearSession(w)
	s.clearChain(w)
	s.logAttempt(r, slog.LevelInfo, "signed out", slog.String("initiator", chain.Party), slog.Int("saml_notified", chain.Notified),
		slog.Any("wsfed_cleanup", names), slog.Bool("partial", chain.Partial))
	if chain.Protocol == protocolSAML {
		return s.answerSAMLLogout(w, r, chain, cleanups)
	}
	if len(cleanups) == 0 && chain.Reply != "" {
		http.Redirect(w, r, chain.Reply, http.StatusFound)
		return nil
	}
	return s.renderSignedOut(w, r, cleanups, nil, chain.Reply)
}

// answerSAMLLogout sends the SAML initiator its signed LogoutResponse:
// directly when there is nothing else to show, else from the signed-out
// page once the cleanup frames have loaded.
func (s *Server) answerSAMLLogout(w http.ResponseWriter, r *http.Request, chain *logoutChain, cleanups []string) error {
	party := s.partyOf(chain.Party)
	if s.saml == nil || party == nil || party.SAML == nil {
		// The trust went away during the chain: nowhere to answer.
		return s.renderSignedOut(w, r, cleanups, nil, "")
	}
	out, err := s.saml.BuildLogoutResponse(samlp.LogoutResponseInput{
		SP: party.SAML, InResponseTo: chain.RequestID, RelayState: chain.RelayState, PartialLogout: chain.Partial, Binding: chain.Binding,
	})
	if err != nil {
		return fmt.Errorf("web: build LogoutResponse for %q: %w", party.Name, err)
	}
	if len(cleanups) == 0 {
		return s.deliver(w, r, out, "Signing you out…")
	}
	return s.renderSignedOut(w, r, cleanups, out, "")
}

// cleanupURLs returns the wsignoutcleanup1.0 URL of every WS-Fed party of
// the session other than the initiator (one per party, at its first
// registered reply URL, as AD FS uses the RP's passive endpoint), and the
// party names for the log.
func (s *Server) cleanupURLs(chain *logoutChain, sess *ssoSession) (urls, names []string) {
	if !chain.session(sess) {
		return nil, nil
	}
	initiator := s.partyOf(chain.Party)
	seen := map[string]bool{}
	for _, p := range sess.Audience {
		party, err := s.parties.Lookup(p.ID)
		if err != nil || party.Protocol != rp.WSFed || len(party.ReplyURLs) == 0 || seen[party.Identifiers[0]] ||
			(initiator != nil && contains(initiator.Identifiers, p.ID)) {
			continue
		}
		seen[party.Identifiers[0]] = true
		u := party.ReplyURLs[0]
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		urls = append(urls, u+sep+"wa="+cleanupAction)
		names = append(names, party.Name)
	}
	return urls, names
}

// renderSignedOut renders the signed-out page: the cleanup frames (CSP
// frame-src exactly their origins) and, when given, the way back to the
// initiator, which signout.js follows once the frames have loaded: the
// SAML LogoutResponse (a link for Redirect, a form for POST, form-action
// widened to its origin) or a registered wreply.
func (s *Server) renderSignedOut(w http.ResponseWriter, r *http.Request, cleanups []string, out *samlp.Outbound, reply string) error {
	d := pageData{Brand: s.brand, ActivityID: ActivityID(r.Context()), Cleanup: cleanups, Return: reply}
	var formOrigins []string
	switch {
	case out != nil && out.Binding == samlp.BindingHTTPRedirect:
		d.Return = out.URL
	case out != nil:
		d.Action, d.Fields = out.URL, outboundFields(out)
		formOrigins = append(formOrigins, out.URL)
	}
	d.AutoReturn = len(cleanups) > 0 && (d.Return != "" || d.Action != "")
	w.Header().Set("Content-Security-Policy", policyWith(formOrigins, cleanups))
	return s.pages.render(w, http.StatusOK, "signedout", d)
}

// deliver sends a SAML protocol message: a redirect for HTTP-Redirect (303
// after a POST), else the auto-POST page with form-action widened to the
// destination's origin.
func (s *Server) deliver(w http.ResponseWriter, r *http.Request, out *samlp.Outbound, heading string) error {
	if out.Binding == samlp.BindingHTTPRedirect {
		code := http.StatusFound
		if r.Method == http.MethodPost {
			code = http.StatusSeeOther
		}
		http.Redirect(w, r, out.URL, code)
		return nil
	}
	return s.renderAutopost(w, r, out.URL, outboundFields(out), heading)
}

func outboundFields(out *samlp.Outbound) []formField {
	f := []formField{{out.Param, out.Value}}
	if out.RelayState != "" {
		f = append(f, formField{"RelayState", out.RelayState})
	}
	return f
}

// renderAutopost renders the auto-POST page (autopost.js submits it) to
// action, widening form-action to action's origin when it is absolute.
func (s *Server) renderAutopost(w http.ResponseWriter, r *http.Request, action string, fields []formField, heading string) error {
	w.Header().Set("Content-Security-Policy", policyWith([]string{action}, nil))
	return s.pages.render(w, http.StatusOK, "autopost", pageData{
		Brand: s.brand, ActivityID: ActivityID(r.Context()), Action: action, Fields: fields, Heading: heading,
	})
}

// policyWith is contentSecurityPolicy with form-action widened to the
// origins of formURLs and frame-src set to the origins of frameURLs. The
// URLs are registered ones; anything that does not reduce to a plain
// scheme://host[:port] origin is left out rather than pasted into the
// header.
func policyWith(formURLs, frameURLs []string) string {
	csp := contentSecurityPolicy
	if o := origins(formURLs); len(o) > 0 {
		csp = strings.Replace(csp, "form-action 'self'", "form-action 'self' "+strings.Join(o, " "), 1)
	}
	if o := origins(frameURLs); len(o) > 0 {
		csp += "; frame-src " + strings.Join(o, " ")
	}
	return csp
}

func origins(urls []string) []string {
	var out []string
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(u.Host, " ;,'\"") {
			continue
		}
		o := u.Scheme + "://" + u.Host
		if !contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

// writeChain seals the chain into its cookie; it lives as long as a
// sign-in flow may.
func (s *Server) writeChain(w http.ResponseWriter, c *logoutChain) error {
	v, err := s.sealer.Seal(purposeLogout, c)
	if err != nil {
		return fmt.Errorf("web: seal sign-out state: %w", err)
	}
	http.SetCookie(w, &http.Cookie{
		Name: logoutCookie, Value: v, Path: "/adfs/", MaxAge: int(s.flowTTL / time.Second),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

var errNoChain = errors.New("web: no sign-out in progress")

// readChain opens the chain cookie; an absent, tampered or expired one is
// errNoChain (wrapped).
func (s *Server) readChain(r *http.Request) (*logoutChain, error) {
	c, err := r.Cookie(logoutCookie)
	if err != nil {
		return nil, errNoChain
	}
	var chain logoutChain
	if err := s.sealer.Open(purposeLogout, c.Value, &chain); err != nil {
		return nil, fmt.Errorf("%w: %w", errNoChain, err)
	}
	if now := s.now(); now.Sub(chain.Created) > s.flowTTL || chain.Created.After(now.Add(time.Minute)) {
		return nil, fmt.Errorf("%w: sign-out started %s", errNoChain, chain.Created.UTC().Format(time.RFC3339))
	}
	return &chain, nil
}

func (s *Server) clearChain(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: logoutCookie, Value: "", Path: "/adfs/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}
