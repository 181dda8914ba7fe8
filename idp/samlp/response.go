package samlp

import (
	"encoding/base64"
	"fmt"
	"time"

	"github.com/beevik/etree"

	"github.com/fedgate/fedgate/idp/token"
)

// Attribute is one SAML attribute with its values.
type Attribute struct {
	Name   string
	Values []string
}

// ResponseInput is everything a Response states about one sign-in.
type ResponseInput struct {
	// SP and ACS say where the response goes; ACS must be one of SP.ACS.
	SP  *ServiceProvider
	ACS Endpoint
	// InResponseTo is the AuthnRequest ID ("" for IdP-initiated).
	InResponseTo string
	// RelayState is echoed in the POST form.
	RelayState string
	// NameID is the subject identifier; NameIDFormat defaults to the SP's.
	// A NameIDFormatTransient NameID must come from NewTransientNameID
	// (kept per session and SP), never from a directory value.
	NameID       string
	NameIDFormat string
	// Attributes go into one AttributeStatement (omitted when empty).
	Attributes []Attribute
	// AuthnInstant is when the user authenticated.
	AuthnInstant time.Time
	// SessionIndex goes into the AuthnStatement; SPs send it back in their
	// LogoutRequest (mellon, node-saml and Shibboleth need it for single
	// logout). It should not let SPs correlate the user (saml-core §2.7.2):
	// use a random value per session and SP. "" omits it.
	SessionIndex string
	// AuthnContextClassRef defaults to PasswordProtectedTransport.
	AuthnContextClassRef string
}

// IssuedNameIDFormat is the NameID Format BuildResponse writes:
// NameIDFormat, else the SP's configured format (default persistent).
// Record it with the NameID to address a LogoutRequest later.
func (in ResponseInput) IssuedNameIDFormat() string {
	if in.NameIDFormat != "" {
		return in.NameIDFormat
	}
	return in.SP.nameIDFormat()
}

// Input returns the ResponseInput fields this request determines,
// NameIDFormat included (IssueNameIDFormat).
func (r *AuthnRequest) Input() ResponseInput {
	return ResponseInput{SP: r.SP, ACS: r.ACS, InResponseTo: r.ID, RelayState: r.RelayState, NameIDFormat: r.IssueNameIDFormat}
}

// Response is a signed SAML Response ready to POST.
type Response struct {
	// XML is the serialised samlp:Response (no XML declaration).
	XML []byte
	// ID and AssertionID are the generated identifiers.
	ID, AssertionID string
	// Destination is the ACS URL the form must post to.
	Destination string
	// RelayState to echo.
	RelayState string
}

// PostForm is the auto-POST form content (saml-bindings §3.5.4).
type PostForm struct {
	Action       string
	SAMLResponse string
	RelayState   string // omitted from the form when empty
}

// PostForm returns the form fields; render them with html/template.
func (r *Response) PostForm() PostForm {
	return PostForm{Action: r.Destination, SAMLResponse: base64.StdEncoding.EncodeToString(r.XML), RelayState: r.RelayState}
}

// BuildResponse issues a Success response with one signed assertion.
func (idp *IdP) BuildResponse(in ResponseInput) (*Response, error) {
	sp := in.SP
	if err := sp.Validate(); err != nil {
		return nil, err
	}
	if _, ok := sp.acsByURL(in.ACS.Location); !ok {
		return nil, fmt.Errorf("samlp: response ACS %q: %w", in.ACS.Location, ErrACSNotRegistered)
	}
	if in.NameID == "" || in.AuthnInstant.IsZero() {
		return nil, fmt.Errorf("samlp: response needs a NameID and an AuthnInstant: %w", ErrConfig)
	}
	if len(in.RelayState) > MaxRelayState {
		return nil, fmt.Errorf("samlp: RelayState exceeds %d bytes: %w", MaxRelayState, ErrConfig)
	}
	respID, err := token.NewID(idp.cfg.Rand)
	if err != nil {
		return nil, fmt.Errorf("samlp: %w", err)
	}
	asrtID, err := token.NewID(idp.cfg.Rand)
	if err != nil {
		return nil, fmt.Errorf("samlp: %w", err)
	}
	now := idp.cfg.Now().UTC().Truncate(time.Millisecond)
	signer := idp.signer(sp.SignatureAlgorithm)

	a := idp.assertion(in, asrtID, now)
	sig, err := signer.Signature(a)
	if err != nil {
		return nil, fmt.Errorf("samlp: sign assertion: %w", err)
	}
	a.InsertChildAt(1, sig) // right after saml:Issuer

	resp := etree.NewElement("samlp:Response")
	resp.CreateAttr("xmlns:samlp", nsProtocol)
	resp.CreateAttr("ID", respID)
	resp.CreateAttr("Version", "2.0")
	resp.CreateAttr("IssueInstant", now.Format(token.TimeFormat))
	resp.CreateAttr("Destination", in.ACS.Location)
	if in.InResponseTo != "" {
		resp.CreateAttr("InResponseTo", in.InResponseTo)
	}
	iss := resp.CreateElement("saml:Issuer")
	iss.CreateAttr("xmlns:saml", nsAssertion)
	iss.SetText(idp.cfg.EntityID)
	st := resp.CreateElement("samlp:Status")
	st.CreateElement("samlp:StatusCode").CreateAttr("Value", "urn:oasis:names:tc:SAML:2.0:status:Success")
	if sp.EncryptionCert != nil {
		enc, err := encryptAssertion(token.MarshalElement(a), sp.EncryptionCert, sp.Encryption)
		if err != nil {
			return nil, err
		}
		ea := resp.CreateElement("saml:EncryptedAssertion")
		ea.CreateAttr("xmlns:saml", nsAssertion)
		ea.AddChild(enc)
	} else {
		resp.AddChild(a)
	}
	if sp.SignResponse {
		rsig, err := signer.Signature(resp)
		if err != nil {
			return nil, fmt.Errorf("samlp: sign response: %w", err)
		}
		resp.InsertChildAt(1, rsig)
	}
	idp.cfg.Log.Debug("samlp: response issued", "rp", sp.EntityID, "response_id", respID, "assertion_id", asrtID, "encrypted", sp.EncryptionCert != nil)
	return &Response{XML: token.MarshalElement(resp), ID: respID, AssertionID: asrtID, Destination: in.ACS.Location, RelayState: in.RelayState}, nil
}

func (idp *IdP) assertion(in ResponseInput, id string, now time.Time) *etree.Element {
	sp := in.SP
	a := etree.NewElement("saml:Assertion")
	a.CreateAttr("xmlns:saml", nsAssertion)
	a.CreateAttr("ID", id)
	a.CreateAttr("Version", "2.0")
	a.CreateAttr("IssueInstant", now.Format(token.TimeFormat))
	a.CreateElement("saml:Issuer").SetText(idp.cfg.EntityID)

	subj := a.CreateElement("saml:Subject")
	nid := subj.CreateElement("saml:NameID")
	nid.CreateAttr("Format", in.IssuedNameIDFormat())
	nid.SetText(in.NameID)
	sc := subj.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	if in.InResponseTo != "" {
		scd.CreateAttr("InResponseTo", in.InResponseTo)
	}
	scd.CreateAttr("NotOnOrAfter", now.Add(subjectConfirmationLifetime).Format(token.TimeFormat))
	scd.CreateAttr("Recipient", in.ACS.Location)

	cond := a.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", now.Format(token.TimeFormat))
	cond.CreateAttr("NotOnOrAfter", now.Add(sp.lifetime()).Format(token.TimeFormat))
	cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(sp.audience())

	if len(in.Attributes) > 0 {
		as := a.CreateElement("saml:AttributeStatement")
		for _, at := range in.Attributes {
			ae := as.CreateElement("saml:Attribute")
			ae.CreateAttr("Name", at.Name)
			for _, v := range at.Values {
				ae.CreateElement("saml:AttributeValue").SetText(v)
			}
		}
	}
	an := a.CreateElement("saml:AuthnStatement")
	an.CreateAttr("AuthnInstant", in.AuthnInstant.UTC().Truncate(time.Millisecond).Format(token.TimeFormat))
	if in.SessionIndex != "" {
		an.CreateAttr("SessionIndex", in.SessionIndex)
	}
	ref := in.AuthnContextClassRef
	if ref == "" {
		ref = PasswordProtectedTransport
	}
	an.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").SetText(ref)
	return a
}
