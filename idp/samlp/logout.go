package samlp

import (
	"fmt"
	"net/url"
	"time"

	"github.com/beevik/etree"
)

// Limits on the fields of inbound logout messages.
const (
	maxNameIDLen      = 1024
	maxSessionIndexes = 16
	maxStatusLen      = 256
)

// SAML 2.0 status codes (saml-core §3.2.2.2) used by this package.
const (
	StatusSuccess       = "urn:oasis:names:tc:SAML:2.0:status:Success"
	StatusRequester     = "urn:oasis:names:tc:SAML:2.0:status:Requester"
	StatusResponder     = "urn:oasis:names:tc:SAML:2.0:status:Responder"
	StatusNoPassive     = "urn:oasis:names:tc:SAML:2.0:status:NoPassive"
	StatusRequestDenied = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"
	StatusPartialLogout = "urn:oasis:names:tc:SAML:2.0:status:PartialLogout"
)

// LogoutReasonUser is the LogoutRequest Reason fedgate sends: the user
// asked to sign out (saml-core §3.7.3.3).
const LogoutReasonUser = "urn:oasis:names:tc:SAML:2.0:logout:user"

// Message is one inbound protocol message of the /adfs/ls/ endpoint:
// exactly one field is set.
type Message struct {
	AuthnRequest   *AuthnRequest
	LogoutRequest  *LogoutRequest
	LogoutResponse *LogoutResponse
}

// LogoutRequest is a verified SP-initiated LogoutRequest (saml-core
// §3.7.1). Every field comes from the verified element when it was signed.
type LogoutRequest struct {
	// ID must be used once: the caller records it (store.UseOnce) until
	// IssueInstant + MaxRequestAge + ClockSkew, and answers InResponseTo it.
	ID string
	// IssueInstant as sent by the SP.
	IssueInstant time.Time
	// NotOnOrAfter is the SP's deadline; zero when absent. Already checked.
	NotOnOrAfter time.Time
	// SP is the looked-up, validated service provider (the Issuer).
	SP *ServiceProvider
	// Binding is how it arrived; the answer should use the same one.
	Binding string
	// Signed reports whether a signature was verified. It is always true
	// for an SP with a signing certificate (unsigned ones are refused).
	Signed bool
	// RelayState must be returned with the LogoutResponse (≤ MaxRelayState).
	RelayState string
	// NameID and NameIDFormat identify the principal as the SP knows it.
	// A missing Format is reported as NameIDFormatUnspecified (saml-core
	// §2.2.2). The caller must check they are what it issued to SP.
	NameID, NameIDFormat string
	// SessionIndexes are the sessions to end; none means every session of
	// the principal at this IdP (saml-core §3.7.3.2).
	SessionIndexes []string
	// Reason is the optional Reason URI ("" when absent).
	Reason string
}

// LogoutResponse is a verified LogoutResponse from an SP fedgate sent a
// LogoutRequest to.
type LogoutResponse struct {
	// ID of the response.
	ID string
	// InResponseTo names our LogoutRequest. The caller MUST check it is the
	// one it is waiting for: that check is what ties the response to the
	// logout in progress.
	InResponseTo string
	// IssueInstant as sent by the SP.
	IssueInstant time.Time
	// SP is the looked-up, validated service provider (the Issuer).
	SP *ServiceProvider
	// Binding is how it arrived.
	Binding string
	// Signed reports whether a signature was verified (always true for an
	// SP with a signing certificate).
	Signed bool
	// RelayState as returned by the SP (≤ MaxRelayState).
	RelayState string
	// Status is the top-level StatusCode, SubStatus the second level ("" if
	// none) and StatusMessage the optional message, clipped.
	Status, SubStatus, StatusMessage string
}

// Success reports whether the SP logged the principal out.
func (r *LogoutResponse) Success() bool { return r.Status == StatusSuccess }

// ParseRedirectMessage parses an HTTP-Redirect binding message on the
// IdP's endpoint: a SAMLRequest carrying an AuthnRequest or a
// LogoutRequest, or a SAMLResponse carrying a LogoutResponse. rawQuery is
// URL.RawQuery exactly as received (the signature covers its octets).
//
// Logout messages pass the same pipeline as AuthnRequests (xmlin limits,
// no DTD, no comments, issuer lookup, Destination, IssueInstant age) and
// must be signed whenever the SP has a signing certificate: see
// signatureRequired. Single use of the ID and the InResponseTo match are
// the caller's.
func (idp *IdP) ParseRedirectMessage(rawQuery string, lookup Lookup) (*Message, error) {
	in, err := idp.readRedirect(rawQuery, lookup, "")
	if err != nil {
		return nil, err
	}
	return idp.message(in)
}

// ParsePOSTMessage is ParseRedirectMessage for the HTTP-POST binding (form
// fields SAMLRequest or SAMLResponse, and RelayState; enveloped
// signature). The caller bounds the body before parsing the form.
func (idp *IdP) ParsePOSTMessage(form url.Values, lookup Lookup) (*Message, error) {
	in, err := idp.readPOST(form, lookup, "")
	if err != nil {
		return nil, err
	}
	return idp.message(in)
}

func (idp *IdP) message(in *inbound) (*Message, error) {
	switch in.kind {
	case kindAuthnRequest:
		r, err := idp.finish(in.root, in.sp, in.binding, in.signed, in.relay)
		if err != nil {
			return nil, err
		}
		return &Message{AuthnRequest: r}, nil
	case kindLogoutRequest:
		r, err := idp.finishLogoutRequest(in)
		if err != nil {
			return nil, err
		}
		return &Message{LogoutRequest: r}, nil
	default:
		r, err := idp.finishLogoutResponse(in)
		if err != nil {
			return nil, err
		}
		return &Message{LogoutResponse: r}, nil
	}
}

// finishLogoutRequest reads the fields of a (verified) LogoutRequest. The
// content model is saml-core §3.7.1: Issuer, Signature, Extensions, one
// identifier, SessionIndex*; anything else is refused.
func (idp *IdP) finishLogoutRequest(in *inbound) (*LogoutRequest, error) {
	root := in.root
	r := &LogoutRequest{SP: in.sp, Binding: in.binding, Signed: in.signed, RelayState: in.relay}
	var err error
	if r.ID, r.IssueInstant, err = idp.checkHeader(root, in.signed); err != nil {
		return nil, err
	}
	if a := root.SelectAttr("NotOnOrAfter"); a != nil {
		t, err := time.Parse(time.RFC3339Nano, a.Value)
		if err != nil {
			return nil, fmt.Errorf("samlp: LogoutRequest NotOnOrAfter is not an xs:dateTime: %w", ErrInvalidRequest)
		}
		r.NotOnOrAfter = t.UTC()
		if now := idp.cfg.Now(); !now.Before(r.NotOnOrAfter.Add(idp.cfg.ClockSkew)) {
			return nil, fmt.Errorf("samlp: LogoutRequest expired at %s: %w", r.NotOnOrAfter.Format(time.RFC3339), ErrStale)
		}
	}
	if r.Reason = root.SelectAttrValue("Reason", ""); len(r.Reason) > maxStatusLen {
		return nil, fmt.Errorf("samlp: LogoutRequest Reason exceeds %d bytes: %w", maxStatusLen, ErrInvalidRequest)
	}
	seenID := false
	for _, c := range root.ChildElements() {
		switch ns := c.NamespaceURI(); {
		case ns == nsAssertion && c.Tag == "Issuer", ns == nsDSig && c.Tag == "Signature", ns == nsProtocol && c.Tag == "Extensions":
		case ns == nsAssertion && c.Tag == "NameID":
			if seenID {
				return nil, fmt.Errorf("samlp: LogoutRequest has more than one identifier: %w", ErrInvalidRequest)
			}
			seenID = true
			if r.NameID, err = strictText(c); err != nil {
				return nil, err
			}
			if r.NameID == "" || len(r.NameID) > maxNameIDLen {
				return nil, fmt.Errorf("samlp: LogoutRequest NameID must be 1..%d characters: %w", maxNameIDLen, ErrInvalidRequest)
			}
			if r.NameIDFormat = c.SelectAttrValue("Format", NameIDFormatUnspecified); len(r.NameIDFormat) > maxStatusLen {
				return nil, fmt.Errorf("samlp: LogoutRequest NameID Format exceeds %d bytes: %w", maxStatusLen, ErrInvalidRequest)
			}
		case ns == nsAssertion && (c.Tag == "EncryptedID" || c.Tag == "BaseID"):
			return nil, fmt.Errorf("samlp: LogoutRequest identifier %s is not supported; fedgate issues plain NameIDs: %w", c.Tag, ErrInvalidRequest)
		case ns == nsProtocol && c.Tag == "SessionIndex":
			v, err := strictText(c)
			if err != nil {
				return nil, err
			}
			if v == "" || len(v) > maxIDLen || len(r.SessionIndexes) == maxSessionIndexes {
				return nil, fmt.Errorf("samlp: LogoutRequest may carry up to %d SessionIndex values of 1..%d characters: %w", maxSessionIndexes, maxIDLen, ErrInvalidRequest)
			}
			r.SessionIndexes = append(r.SessionIndexes, v)
		default:
			return nil, fmt.Errorf("samlp: LogoutRequest has an unexpected element {%s}%s: %w", ns, c.Tag, ErrInvalidRequest)
		}
	}
	if !seenID {
		return nil, fmt.Errorf("samlp: LogoutRequest names no principal (NameID is required): %w", ErrInvalidRequest)
	}
	return r, nil
}

// finishLogoutResponse reads the fields of a (verified) LogoutResponse:
// header, a required InResponseTo and the Status.
func (idp *IdP) finishLogoutResponse(in *inbound) (*LogoutResponse, error) {
	root := in.root
	r := &LogoutResponse{SP: in.sp, Binding: in.binding, Signed: in.signed, RelayState: in.relay}
	var err error
	if r.ID, r.IssueInstant, err = idp.checkHeader(root, in.signed); err != nil {
		return nil, err
	}
	// An unsolicited LogoutResponse answers nothing fedgate asked.
	if r.InResponseTo = root.SelectAttrValue("InResponseTo", ""); r.InResponseTo == "" || len(r.InResponseTo) > maxIDLen {
		return nil, fmt.Errorf("samlp: LogoutResponse InResponseTo must be 1..%d characters: %w", maxIDLen, ErrInvalidRequest)
	}
	var status *etree.Element
	for _, c := range root.ChildElements() {
		switch ns := c.NamespaceURI(); {
		case ns == nsAssertion && c.Tag == "Issuer", ns == nsDSig && c.Tag == "Signature", ns == nsProtocol && c.Tag == "Extensions":
		case ns == nsProtocol && c.Tag == "Status" && status == nil:
			status = c
		default:
			return nil, fmt.Errorf("samlp: LogoutResponse has an unexpected element {%s}%s: %w", ns, c.Tag, ErrInvalidRequest)
		}
	}
	if status == nil {
		return nil, fmt.Errorf("samlp: LogoutResponse has no Status: %w", ErrInvalidRequest)
	}
	if r.Status, r.SubStatus, r.StatusMessage, err = readStatus(status); err != nil {
		return nil, err
	}
	return r, nil
}

// readStatus returns the top-level and second-level StatusCode values and
// the StatusMessage of a samlp:Status (saml-core §3.2.2).
func readStatus(st *etree.Element) (code, sub, msg string, err error) {
	var top *etree.Element
	for _, c := range st.ChildElements() {
		if c.NamespaceURI() != nsProtocol {
			continue
		}
		switch c.Tag {
		case "StatusCode":
			if top != nil {
				return "", "", "", fmt.Errorf("samlp: Status has more than one StatusCode: %w", ErrInvalidRequest)
			}
			top = c
		case "StatusMessage":
			if msg, err = strictText(c); err != nil {
				return "", "", "", err
			}
			if len(msg) > maxStatusLen {
				msg = msg[:maxStatusLen]
			}
		}
	}
	if top == nil {
		return "", "", "", fmt.Errorf("samlp: Status has no StatusCode: %w", ErrInvalidRequest)
	}
	code = top.SelectAttrValue("Value", "")
	if code == "" || len(code) > maxStatusLen {
		return "", "", "", fmt.Errorf("samlp: StatusCode Value must be 1..%d characters: %w", maxStatusLen, ErrInvalidRequest)
	}
	for _, c := range top.ChildElements() {
		if c.NamespaceURI() == nsProtocol && c.Tag == "StatusCode" {
			if sub = c.SelectAttrValue("Value", ""); len(sub) > maxStatusLen {
				return "", "", "", fmt.Errorf("samlp: second-level StatusCode exceeds %d bytes: %w", maxStatusLen, ErrInvalidRequest)
			}
			break
		}
	}
	return code, sub, msg, nil
}
