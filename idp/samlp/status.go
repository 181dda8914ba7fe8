package samlp

import (
	"fmt"
	"time"

	"github.com/fedgate/fedgate/idp/token"
)

// StatusInvalidNameIDPolicy is the second-level status for an
// AuthnRequest whose NameIDPolicy cannot be satisfied (saml-core §3.2.2.2).
const StatusInvalidNameIDPolicy = "urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy"

// StatusResponseInput is a Response without an assertion that tells the
// SP why no sign-in happened (saml-core §3.2.2).
type StatusResponseInput struct {
	// SP and ACS say where the response goes; ACS must be one of SP.ACS
	// (normally AuthnRequest.ACS).
	SP  *ServiceProvider
	ACS Endpoint
	// InResponseTo is the AuthnRequest ID.
	InResponseTo string
	// RelayState is echoed in the POST form.
	RelayState string
	// Status is the top-level code: StatusResponder or StatusRequester.
	Status string
	// SubStatus is the optional second-level code, e.g. StatusNoPassive
	// (IsPassive request, no usable session: saml-core §3.4.1),
	// StatusInvalidNameIDPolicy or StatusRequestDenied.
	SubStatus string
	// Message is an optional StatusMessage for the SP's logs. It is sent to
	// the SP: never put user or infrastructure details in it.
	Message string
}

// NoPassive returns the input for the answer to an IsPassive request that
// cannot be satisfied without showing a page: Responder / NoPassive.
func (r *AuthnRequest) NoPassive() StatusResponseInput {
	return StatusResponseInput{SP: r.SP, ACS: r.ACS, InResponseTo: r.ID, RelayState: r.RelayState,
		Status: StatusResponder, SubStatus: StatusNoPassive}
}

// BuildStatusResponse issues a signed samlp:Response carrying only a
// non-success Status (no assertion) to a registered ACS. The Response is
// always signed, whatever SP.SignResponse says: there is no assertion
// signature for the SP to rely on.
func (idp *IdP) BuildStatusResponse(in StatusResponseInput) (*Response, error) {
	sp := in.SP
	if err := sp.Validate(); err != nil {
		return nil, err
	}
	if _, ok := sp.acsByURL(in.ACS.Location); !ok {
		return nil, fmt.Errorf("samlp: status response ACS %q: %w", in.ACS.Location, ErrACSNotRegistered)
	}
	if in.Status != StatusResponder && in.Status != StatusRequester {
		return nil, fmt.Errorf("samlp: status response needs status %s or %s, not %q: %w", StatusResponder, StatusRequester, in.Status, ErrConfig)
	}
	if len(in.RelayState) > MaxRelayState || len(in.InResponseTo) > maxIDLen || len(in.SubStatus) > maxStatusLen || len(in.Message) > maxStatusLen {
		return nil, fmt.Errorf("samlp: status response field exceeds its limit: %w", ErrConfig)
	}
	id, err := token.NewID(idp.cfg.Rand)
	if err != nil {
		return nil, fmt.Errorf("samlp: %w", err)
	}
	now := idp.cfg.Now().UTC().Truncate(time.Millisecond)
	el := idp.protocolElement("samlp:Response", id, in.ACS.Location, now)
	if in.InResponseTo != "" {
		el.CreateAttr("InResponseTo", in.InResponseTo)
	}
	el.CreateElement("saml:Issuer").SetText(idp.cfg.EntityID)
	st := el.CreateElement("samlp:Status")
	code := st.CreateElement("samlp:StatusCode")
	code.CreateAttr("Value", in.Status)
	if in.SubStatus != "" {
		code.CreateElement("samlp:StatusCode").CreateAttr("Value", in.SubStatus)
	}
	if in.Message != "" {
		st.CreateElement("samlp:StatusMessage").SetText(in.Message)
	}
	sig, err := idp.signer(sp.SignatureAlgorithm).Signature(el)
	if err != nil {
		return nil, fmt.Errorf("samlp: sign status response: %w", err)
	}
	el.InsertChildAt(1, sig)
	idp.cfg.Log.Debug("samlp: status response issued", "rp", sp.EntityID, "response_id", id, "status", in.Status, "sub_status", in.SubStatus)
	return &Response{XML: token.MarshalElement(el), ID: id, Destination: in.ACS.Location, RelayState: in.RelayState}, nil
}
