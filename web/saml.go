package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
)

// Replay records single-use identifiers (store.Store satisfies it). It returns
// first=false when id was already recorded for kind and has not expired.
type Replay interface {
	UseOnce(ctx context.Context, kind, id string, until time.Time) (first bool, err error)
}

// samlReplayKind is the UseOnce kind of AuthnRequest IDs; the id is
// "<SP entity ID>|<request ID>".
const samlReplayKind = "saml-authn"

// protocolSAML marks a flowState that answers a SAML 2.0 AuthnRequest.
const protocolSAML = "saml2"

// SAML 2.0 attribute names issued to service providers other than Entra
// ID (the AD FS claim type URIs, as AD FS emits them in SAML 2.0).
const (
	samlAttrUPN     = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
	samlAttrEmail   = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
	samlAttrMethods = "http://schemas.microsoft.com/claims/authnmethodsreferences"
)

// samlLookup resolves an AuthnRequest Issuer against the relying-party
// trusts: only a SAML2 party's service provider, (nil, nil) otherwise.
func (s *Server) samlLookup(entityID string) (*samlp.ServiceProvider, error) {
	p, err := s.parties.Lookup(entityID)
	if err != nil || p.Protocol != rp.SAML2 || p.SAML == nil {
		// Unknown (or not SAML) is (nil, nil) by samlp.Lookup's contract.
		return nil, nil
	}
	return p.SAML, nil
}

// samlGet handles the HTTP-Redirect binding: GET ?SAMLRequest=… (an
// AuthnRequest or a LogoutRequest) or ?SAMLResponse=… (a LogoutResponse).
func (s *Server) samlGet(w http.ResponseWriter, r *http.Request) error {
	if s.saml == nil {
		return badRequest("This server does not accept SAML 2.0 requests.", errors.New("web: SAML message but no SAML IdP configured"))
	}
	msg, err := s.saml.ParseRedirectMessage(r.URL.RawQuery, s.samlLookup)
	if err != nil {
		return s.samlParseError(w, r, err)
	}
	return s.samlDispatch(w, r, msg)
}

// samlPost handles the HTTP-POST binding. The form comes cross-site from
// the service provider, so it carries no CSRF token (as with AD FS); the
// message's own checks (registered issuer, ACS, Destination, age,
// signature when configured, single use, InResponseTo for a
// LogoutResponse) stand in for it. A cross-site POST also arrives without
// the SameSite=Lax SSO and sign-out cookies: such a message is first sent
// back to this endpoint from our own page (repostSAML), once.
func (s *Server) samlPost(w http.ResponseWriter, r *http.Request) error {
	if s.saml == nil {
		return badRequest("This server does not accept SAML 2.0 requests.", errors.New("web: SAML message but no SAML IdP configured"))
	}
	msg, err := s.saml.ParsePOSTMessage(r.PostForm, s.samlLookup)
	if err != nil {
		return s.samlParseError(w, r, err)
	}
	if s.needsRepost(r) {
		return s.repostSAML(w, r)
	}
	return s.samlDispatch(w, r, msg)
}

// samlDispatch routes a verified message.
func (s *Server) samlDispatch(w http.ResponseWriter, r *http.Request, msg *samlp.Message) error {
	switch {
	case msg.AuthnRequest != nil:
		return s.samlSignIn(w, r, msg.AuthnRequest)
	case msg.LogoutRequest != nil:
		return s.samlLogoutRequest(w, r, msg.LogoutRequest)
	default:
		return s.samlLogoutResponse(w, r, msg.LogoutResponse)
	}
}

// repostField marks a SAML POST that repostSAML sent back to /adfs/ls/.
const repostField = "fedgate_repost"

// needsRepost reports whether a POSTed SAML message arrived without our
// cookies because it came cross-site: the browser says so
// (Sec-Fetch-Site: cross-site; Chrome, Edge, Firefox and Safari 16.4+
// send it), it carries neither the SSO nor the sign-out cookie, and it was
// not re-posted already. The SameSite=Lax cookies stay Lax: the browser
// re-sends the message from our own origin instead, and then they come
// along. Browsers that send no Sec-Fetch-Site keep the old behaviour (a
// POST-binding sign-in asks for the password).
func (s *Server) needsRepost(r *http.Request) bool {
	if r.PostForm.Has(repostField) || r.Header.Get("Sec-Fetch-Site") != "cross-site" {
		return false
	}
	if _, err := r.Cookie(s.cookie); err == nil {
		return false
	}
	if _, err := r.Cookie(logoutCookie); err == nil {
		return false
	}
	return true
}

// repostSAML answers with an auto-POST of the same SAML fields to
// /adfs/ls/ plus repostField, so the message is processed once, from a
// same-site POST that carries the Lax cookies. It adds nothing a
// cross-site page could not already send, and the marker stops any loop.
func (s *Server) repostSAML(w http.ResponseWriter, r *http.Request) error {
	var fields []formField
	for _, k := range []string{"SAMLRequest", "SAMLResponse", "RelayState"} {
		if r.PostForm.Has(k) {
			fields = append(fields, formField{k, r.PostForm.Get(k)})
		}
	}
	fields = append(fields, formField{repostField, "1"})
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "SAML POST re-posted to carry the session cookie", slog.String("activity_id", ActivityID(r.Context())))
	return s.renderAutopost(w, r, "/adfs/ls/", fields, "Continuing…")
}

// samlParseError answers a message samlp refused: a verified AuthnRequest
// whose NameIDPolicy cannot be satisfied gets an InvalidNameIDPolicy
// status response at its registered ACS; everything else the error page.
func (s *Server) samlParseError(w http.ResponseWriter, r *http.Request, err error) error {
	var policy *samlp.NameIDPolicyError
	if errors.As(err, &policy) && policy.Request != nil {
		return s.samlInvalidNameIDPolicy(w, r, policy)
	}
	return samlError(err)
}

// samlError turns a samlp parse error into the error page. It is never
// answered with a SAML Response: the ACS is not trusted at this point.
func samlError(err error) *Error {
	msg := "The sign-in request is not valid."
	switch {
	case errors.Is(err, samlp.ErrUnknownIssuer):
		msg = "There is no relying-party trust for the application that sent you here."
	case errors.Is(err, samlp.ErrACSNotRegistered):
		msg = "The application asked to receive your sign-in at an address it has not registered."
	case errors.Is(err, samlp.ErrSignatureRequired), errors.Is(err, samlp.ErrBadSignature):
		msg = "The sign-in request's signature could not be verified."
	case errors.Is(err, samlp.ErrStale):
		msg = "The sign-in request has expired. Start again from the application."
	case errors.Is(err, samlp.ErrDestination):
		msg = "The sign-in request was meant for another server."
	case errors.Is(err, samlp.ErrNameIDPolicy):
		msg = "The application asked for a user identifier this server does not issue to it."
	}
	return badRequest(msg, err)
}

// samlSignIn starts the sign-in for a verified AuthnRequest: single use of
// its ID, then the SSO session or the password page.
func (s *Server) samlSignIn(w http.ResponseWriter, r *http.Request, req *samlp.AuthnRequest) error {
	party, err := s.useAuthnRequest(r, req)
	if err != nil {
		return err
	}
	st := &flowState{
		Created: s.now(), Step: stepPassword,
		Protocol: protocolSAML, Realm: req.SP.EntityID, Reply: req.ACS.Location,
		RequestID: req.ID, RelayState: req.RelayState, ForceAuthn: req.ForceAuthn,
		NameID: s.samlNameIDFor(r, req.SP, req.NameIDFormat),
	}
	reuse := func(*ssoSession) bool { return !req.ForceAuthn && !party.RequireFreshAuth }
	return s.begin(w, r, st, party, reuse, req.IsPassive)
}

// useAuthnRequest returns the SAML party of a verified AuthnRequest after
// recording its ID once; an unknown party or a replayed ID is the error
// page.
func (s *Server) useAuthnRequest(r *http.Request, req *samlp.AuthnRequest) (*rp.Party, error) {
	party, err := s.parties.Lookup(req.SP.EntityID)
	if err != nil || party.Protocol != rp.SAML2 {
		return nil, badRequest("There is no relying-party trust for the application that sent you here.", fmt.Errorf("web: SAML SP %q: %w", req.SP.EntityID, err))
	}
	// A request ID is accepted until IssueInstant + max age + skew (the
	// samlp defaults, which app uses); it is remembered that long.
	until := req.IssueInstant.Add(samlp.DefaultMaxRequestAge + samlp.DefaultClockSkew)
	first, err := s.replay.UseOnce(r.Context(), samlReplayKind, req.SP.EntityID+"|"+req.ID, until)
	if err != nil {
		return nil, fmt.Errorf("web: record AuthnRequest ID: %w", err)
	}
	if !first {
		return nil, badRequest("This sign-in request has already been used. Start again from the application.", fmt.Errorf("web: AuthnRequest %q from %q replayed", req.ID, req.SP.EntityID))
	}
	return party, nil
}

// auditInvalidNameIDPolicy is the audit reason of a refused NameIDPolicy.
const auditInvalidNameIDPolicy = "invalid_nameid_policy"

// samlInvalidNameIDPolicy answers an AuthnRequest that passed every check
// (issuer, signature, Destination, age, registered ACS) but asks for a
// NameID the SP may not receive: single use of its ID, then a signed
// Requester/InvalidNameIDPolicy status response, no assertion, to the ACS
// the request selected, with InResponseTo and RelayState (saml-core
// §3.4.1.1). Nobody is signed in; the audit records a failure.
func (s *Server) samlInvalidNameIDPolicy(w http.ResponseWriter, r *http.Request, refused *samlp.NameIDPolicyError) error {
	req := refused.Request
	party, err := s.useAuthnRequest(r, req)
	if err != nil {
		return err
	}
	resp, err := s.saml.BuildStatusResponse(req.InvalidNameIDPolicy())
	if err != nil {
		return fmt.Errorf("web: build InvalidNameIDPolicy response for %q: %w", party.Name, err)
	}
	user := ""
	if sess, ok := s.readSession(r); ok {
		user = sess.User.UPN
	}
	s.logAttempt(r, slog.LevelInfo, "AuthnRequest NameIDPolicy refused; answered InvalidNameIDPolicy",
		slog.String("rp", party.Name), slog.String("nameid_format", req.NameIDFormat), slog.Any("error", refused.Err))
	s.recordAudit(r, party, user, "failure", auditInvalidNameIDPolicy)
	return s.postStatusResponse(w, r, resp)
}

// postStatusResponse renders the auto-POST of a status response.
func (s *Server) postStatusResponse(w http.ResponseWriter, r *http.Request, resp *samlp.Response) error {
	f := resp.PostForm()
	fields := []formField{{"SAMLResponse", f.SAMLResponse}}
	if f.RelayState != "" {
		fields = append(fields, formField{"RelayState", f.RelayState})
	}
	return s.renderAutopost(w, r, f.Action, fields, "Returning to the application…")
}

// samlNoPassive answers an IsPassive AuthnRequest that would need a page
// (no usable session, ForceAuthn, or MFA still to do) with a signed
// Responder/NoPassive status response to its ACS (saml-core §3.4.1: the
// IdP must not visibly take over the user interface). The ACS is the one
// the verified request selected, looked up again in the party.
func (s *Server) samlNoPassive(w http.ResponseWriter, r *http.Request, st *flowState, party *rp.Party) error {
	if s.saml == nil || party.Protocol != rp.SAML2 || party.SAML == nil {
		return badRequest("The application asked to sign you in without showing any page, and you are not signed in.",
			fmt.Errorf("web: passive request for non-SAML party %q", party.Name))
	}
	var acs *samlp.Endpoint
	for i := range party.SAML.ACS {
		if party.SAML.ACS[i].Location == st.Reply {
			acs = &party.SAML.ACS[i]
		}
	}
	if acs == nil {
		return badRequest("The application's sign-in address is no longer registered.", fmt.Errorf("web: ACS %q of %q gone", st.Reply, party.Name))
	}
	resp, err := s.saml.BuildStatusResponse(samlp.StatusResponseInput{
		SP: party.SAML, ACS: *acs, InResponseTo: st.RequestID, RelayState: st.RelayState,
		Status: samlp.StatusResponder, SubStatus: samlp.StatusNoPassive,
	})
	if err != nil {
		return fmt.Errorf("web: build NoPassive response for %q: %w", party.Name, err)
	}
	s.logAttempt(r, slog.LevelInfo, "passive request answered NoPassive", slog.String("rp", party.Name))
	return s.postStatusResponse(w, r, resp)
}

// samlFields builds the signed SAML Response for a completed SAML flow and
// returns the auto-POST fields and the response ID. The party is the one
// looked up again when the flow resumed; its ACS must still be registered.
func (s *Server) samlFields(st *flowState, party *rp.Party, user sessionUser, subject *claims.Subject, authnAt time.Time, mfaDone bool) ([]formField, string, error) {
	if s.saml == nil || party.Protocol != rp.SAML2 || party.SAML == nil {
		return nil, "", badRequest("The relying-party trust for this sign-in no longer uses SAML 2.0.", fmt.Errorf("web: party %q is not a SAML SP", party.Name))
	}
	sp := party.SAML
	var acs *samlp.Endpoint
	for i := range sp.ACS {
		if sp.ACS[i].Location == st.Reply {
			acs = &sp.ACS[i]
		}
	}
	if acs == nil {
		return nil, "", badRequest("The application's sign-in address is no longer registered.", fmt.Errorf("web: ACS %q of %q gone", st.Reply, party.Name))
	}
	in := samlp.ResponseInput{SP: sp, ACS: *acs, InResponseTo: st.RequestID, RelayState: st.RelayState, AuthnInstant: authnAt}
	if err := s.samlSubjectFor(st, party, user, subject, mfaDone, &in); err != nil {
		return nil, "", err
	}
	s.bindSAMLSession(st, user, &in)
	resp, err := s.saml.BuildResponse(in)
	if err != nil {
		return nil, "", fmt.Errorf("web: build SAML response for %q: %w", party.Name, err)
	}
	f := resp.PostForm()
	fields := []formField{{"SAMLResponse", f.SAMLResponse}}
	if f.RelayState != "" {
		fields = append(fields, formField{"RelayState", f.RelayState})
	}
	return fields, resp.AssertionID, nil
}

// samlSubjectFor fills in's subject: the NameID format the flow's request
// asked for, settled against the trust as it is now (it may have changed
// since the request was parsed), the NameID (a transient one, or the
// party's NameID source; the Entra profile for Microsoft Online) and the
// attributes.
func (s *Server) samlSubjectFor(st *flowState, party *rp.Party, user sessionUser, subject *claims.Subject, mfaDone bool, in *samlp.ResponseInput) error {
	var ns samlNameID
	if st.NameID != nil {
		ns = *st.NameID
	}
	format, err := party.SAML.NameIDFormatFor(ns.Format)
	if err != nil {
		return badRequest("The application asked for a user identifier this server no longer issues to it. Start again from the application.",
			fmt.Errorf("web: flow for %q: %w", party.Name, err))
	}
	transient := format == samlp.NameIDFormatTransient && !party.IsMicrosoftOnline()
	subjectParty := party
	if transient && party.NameIDSource != "" {
		// The directory value is replaced by the transient NameID below;
		// a user without it (no mail, say) must not fail for it.
		p := *party
		p.NameIDSource = ""
		subjectParty = &p
	}
	// NameID and attributes from the party's rules (the Entra profile
	// for Microsoft Online); see samlSubject.
	if err := samlSubject(in, subjectParty, subject, mfaDone); err != nil {
		return issuanceError(party, err)
	}
	switch {
	case party.IsMicrosoftOnline():
		// The Entra profile fixes NameID persistent = ImmutableID.
	case transient:
		in.NameIDFormat = format
		if in.NameID, err = s.transientNameID(ns, user); err != nil {
			return err
		}
	default:
		in.NameIDFormat = format
	}
	return nil
}

// protocolOf reports which protocol a /adfs/ls/ request speaks from its
// parameters (SAMLRequest or SAMLResponse: SAML 2.0); SAML and wa together
// are an error.
func protocolOf(v url.Values) (saml bool, err error) {
	hasSAML, hasWS := v.Has("SAMLRequest") || v.Has("SAMLResponse"), v.Has("wa")
	if hasSAML && hasWS {
		return false, badRequest("The sign-in request is not valid.", errors.New("web: request has both a SAML message and wa"))
	}
	return hasSAML, nil
}

// samlNameID is what a SAML 2.0 flow keeps about its NameID between the
// AuthnRequest and the response (flowState.NameID, sealed and CSRF-bound
// with the rest of the flow). nil (flows started before it existed) is the
// zero value.
type samlNameID struct {
	// Format is the NameID format the verified AuthnRequest asked for
	// (samlp.AuthnRequest.NameIDFormat; "" for none, as IdP-initiated
	// sign-on). It is settled against the trust as it is when the
	// response is built.
	Format string `json:"f,omitempty"`
	// Transient is the transient NameID the browser's SSO session already
	// issued to this SP (its sessionParty record, which single logout
	// matches), and User that session's user ID: a response for the same
	// user repeats it, so the SP sees one identifier per session.
	Transient string `json:"t,omitempty"`
	User      string `json:"u,omitempty"`
}

// samlNameIDFor returns the NameID state for a new flow to sp that asks
// for the NameID format requested ("" for none, as IdP-initiated sign-on):
// the request and, when it comes to a transient NameID, the one the
// browser's current SSO session holds for sp (from the session's party
// record, the one single logout reads). An ended or expired session, no
// record for sp or a record in another format gives none: a new transient
// NameID is then drawn.
func (s *Server) samlNameIDFor(r *http.Request, sp *samlp.ServiceProvider, requested string) *samlNameID {
	n := &samlNameID{Format: requested}
	if f, err := sp.NameIDFormatFor(requested); err != nil || f != samlp.NameIDFormatTransient {
		return n
	}
	if sess, ok := s.readSession(r); ok {
		if p := sess.party(sp.EntityID); p != nil && p.NameID != "" && expandFormat(p.Format) == samlp.NameIDFormatTransient {
			n.Transient, n.User = p.NameID, sess.User.ID
		}
	}
	return n
}

// transientNameID returns the transient NameID for user: the one the SSO
// session already gave this SP when it is the same user's, else a new one
// (samlp.NewTransientNameID: 128 bits from the server's Rand, never a
// directory value).
func (s *Server) transientNameID(n samlNameID, user sessionUser) (string, error) {
	if n.Transient != "" && n.User == user.ID {
		return n.Transient, nil
	}
	id, err := samlp.NewTransientNameID(s.rand)
	if err != nil {
		return "", fmt.Errorf("web: %w", err)
	}
	return id, nil
}
