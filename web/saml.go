package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
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

// samlGet handles the HTTP-Redirect binding (GET ?SAMLRequest=…).
func (s *Server) samlGet(w http.ResponseWriter, r *http.Request) error {
	if s.saml == nil {
		return badRequest("This server does not accept SAML 2.0 sign-in requests.", errors.New("web: SAML request but no SAML IdP configured"))
	}
	req, err := s.saml.ParseRedirect(r.URL.RawQuery, s.samlLookup)
	if err != nil {
		return samlError(err)
	}
	return s.samlSignIn(w, r, req)
}

// samlPost handles the HTTP-POST binding. The form comes cross-site from
// the service provider, so it carries no CSRF token (as with AD FS); the
// request's own checks (registered issuer, ACS, Destination, age,
// signature when configured, single use) stand in for it.
func (s *Server) samlPost(w http.ResponseWriter, r *http.Request) error {
	if s.saml == nil {
		return badRequest("This server does not accept SAML 2.0 sign-in requests.", errors.New("web: SAML request but no SAML IdP configured"))
	}
	req, err := s.saml.ParsePOST(r.PostForm, s.samlLookup)
	if err != nil {
		return samlError(err)
	}
	return s.samlSignIn(w, r, req)
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
	party, err := s.parties.Lookup(req.SP.EntityID)
	if err != nil || party.Protocol != rp.SAML2 {
		return badRequest("There is no relying-party trust for the application that sent you here.", fmt.Errorf("web: SAML SP %q: %w", req.SP.EntityID, err))
	}
	// A request ID is accepted until IssueInstant + max age + skew (the
	// samlp defaults, which app uses); it is remembered that long.
	until := req.IssueInstant.Add(samlp.DefaultMaxRequestAge + samlp.DefaultClockSkew)
	first, err := s.replay.UseOnce(r.Context(), samlReplayKind, req.SP.EntityID+"|"+req.ID, until)
	if err != nil {
		return fmt.Errorf("web: record AuthnRequest ID: %w", err)
	}
	if !first {
		return badRequest("This sign-in request has already been used. Start again from the application.", fmt.Errorf("web: AuthnRequest %q from %q replayed", req.ID, req.SP.EntityID))
	}
	st := &flowState{
		Created: s.now(), Step: stepPassword,
		Protocol: protocolSAML, Realm: req.SP.EntityID, Reply: req.ACS.Location,
		RequestID: req.ID, RelayState: req.RelayState, ForceAuthn: req.ForceAuthn,
	}
	reuse := func(*ssoSession) bool { return !req.ForceAuthn && !party.RequireFreshAuth }
	return s.begin(w, r, st, party, reuse, req.IsPassive)
}

// errPassive refuses IsPassive requests that would need a page. A SAML
// NoPassive status response to the ACS is not built yet, so the user
// gets the error page instead.
var errPassive = badRequest("The application asked to sign you in without showing any page, and you are not signed in.",
	errors.New("web: IsPassive request needs interaction"))

// samlFields builds the signed SAML Response for a completed SAML flow and
// returns the auto-POST fields and the response ID. The party is the one
// looked up again when the flow resumed; its ACS must still be registered.
func (s *Server) samlFields(st *flowState, party *rp.Party, user sessionUser, authnAt time.Time, mfaDone bool) ([]formField, string, error) {
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
	if sp.EntityID == samlp.EntraEntityID {
		in = samlp.EntraProfile(in, user.ID, user.UPN)
	} else {
		in.NameID = user.ID
		if sp.NameIDFormat == samlp.NameIDFormatEmailAddress {
			in.NameID = user.UPN
		}
		in.Attributes = []samlp.Attribute{
			{Name: samlAttrUPN, Values: []string{user.UPN}},
			{Name: samlAttrEmail, Values: []string{user.UPN}},
		}
	}
	if mfaDone {
		in.Attributes = append(in.Attributes, samlp.Attribute{Name: samlAttrMethods, Values: []string{token.MultipleAuthn}})
	}
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

// protocolOf reports which protocol a /adfs/ls/ request speaks from its
// parameters; both or neither is an error.
func protocolOf(v url.Values) (saml bool, err error) {
	hasSAML, hasWS := v.Has("SAMLRequest"), v.Has("wa")
	if hasSAML && hasWS {
		return false, badRequest("The sign-in request is not valid.", errors.New("web: request has both SAMLRequest and wa"))
	}
	return hasSAML, nil
}
