package samlp

import (
	"fmt"
	"net/url"
	"time"

	"github.com/beevik/etree"

	"github.com/fedgate/fedgate/idp/internal/xmlin"
)

// Root elements of the protocol messages the IdP accepts.
const (
	kindAuthnRequest   = "AuthnRequest"
	kindLogoutRequest  = "LogoutRequest"
	kindLogoutResponse = "LogoutResponse"
)

// Message parameters of the HTTP bindings (saml-bindings §3.4.4, §3.5.4).
const (
	paramRequest  = "SAMLRequest"
	paramResponse = "SAMLResponse"
)

// kindsFor lists the root elements a parameter may carry: requests come
// as SAMLRequest, the one response the IdP accepts as SAMLResponse.
func kindsFor(param string) []string {
	if param == paramResponse {
		return []string{kindLogoutResponse}
	}
	return []string{kindAuthnRequest, kindLogoutRequest}
}

// inbound is a decoded, issuer-resolved and (when signed) verified message.
// root is the verified element when signed: read fields only from it.
type inbound struct {
	kind    string
	root    *etree.Element
	sp      *ServiceProvider
	binding string
	signed  bool
	relay   string
}

// readRedirect runs the HTTP-Redirect pipeline: raw query split (no
// repeated SAML parameters), bounded base64 and inflate, xmlin, root kind
// (only when non-empty), no embedded XML signature, issuer lookup, then
// the query-string signature. only restricts the root element ("" accepts
// every kind the parameter may carry).
func (idp *IdP) readRedirect(rawQuery string, lookup Lookup, only string) (*inbound, error) {
	q, err := splitQuery(rawQuery)
	if err != nil {
		return nil, err
	}
	_, hasReq := q[paramRequest]
	_, hasResp := q[paramResponse]
	param := paramRequest
	switch {
	case hasReq && hasResp:
		return nil, fmt.Errorf("samlp: redirect: both SAMLRequest and SAMLResponse: %w", ErrInvalidRequest)
	case hasResp:
		param = paramResponse
	}
	msg, ok := q.value(param)
	if !ok {
		return nil, fmt.Errorf("samlp: redirect: no %s parameter: %w", param, ErrInvalidRequest)
	}
	relay, _ := q.value("RelayState")
	if len(relay) > MaxRelayState {
		return nil, fmt.Errorf("samlp: RelayState is %d bytes; the limit is %d: %w", len(relay), MaxRelayState, ErrInvalidRequest)
	}
	raw, err := xmlin.DecodeRedirect(msg, MaxDeflatedBytes, MaxRequestBytes)
	if err != nil {
		return nil, fmt.Errorf("samlp: %w", err)
	}
	doc, kind, err := parseProtocolDoc(raw, param, only)
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	if len(findSignatures(root)) != 0 {
		// saml-bindings §3.4.4.1: any XML signature MUST be removed before
		// the message is DEFLATE-encoded.
		return nil, fmt.Errorf("samlp: redirect: %s carries an XML signature; the Redirect binding signs the query string: %w", kind, ErrInvalidRequest)
	}
	sp, err := idp.lookupIssuer(root, lookup)
	if err != nil {
		return nil, err
	}
	signed := false
	if _, has := q.value("Signature"); has && len(sp.SigningCerts) > 0 {
		if err := verifyRedirect(q, param, sp, idp.cfg.Now()); err != nil {
			return nil, err
		}
		signed = true
	}
	if !signed && signatureRequired(kind, sp) {
		return nil, fmt.Errorf("samlp: %q: unsigned redirect %s: %w", sp.EntityID, kind, ErrSignatureRequired)
	}
	return &inbound{kind: kind, root: root, sp: sp, binding: BindingHTTPRedirect, signed: signed, relay: relay}, nil
}

// readPOST runs the HTTP-POST pipeline: exactly one SAMLRequest or
// SAMLResponse, bounded base64, xmlin, root kind, at most one enveloped
// signature as a child of the root, issuer lookup, then the signature,
// after which only the verified element is read.
func (idp *IdP) readPOST(form url.Values, lookup Lookup, only string) (*inbound, error) {
	nReq, nResp := len(form[paramRequest]), len(form[paramResponse])
	param := paramRequest
	if nResp > 0 {
		param = paramResponse
	}
	if nReq+nResp != 1 || len(form["RelayState"]) > 1 {
		return nil, fmt.Errorf("samlp: post: need exactly one SAMLRequest or SAMLResponse and at most one RelayState: %w", ErrInvalidRequest)
	}
	relay := form.Get("RelayState")
	if len(relay) > MaxRelayState {
		return nil, fmt.Errorf("samlp: RelayState is %d bytes; the limit is %d: %w", len(relay), MaxRelayState, ErrInvalidRequest)
	}
	raw, err := xmlin.DecodePOST(form.Get(param), MaxRequestBytes)
	if err != nil {
		return nil, fmt.Errorf("samlp: %w", err)
	}
	doc, kind, err := parseProtocolDoc(raw, param, only)
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	sigs := findSignatures(root)
	if len(sigs) > 1 || (len(sigs) == 1 && sigs[0].Parent() != root) {
		return nil, fmt.Errorf("samlp: post: %s must carry at most one signature, as a child of its root: %w", kind, ErrBadSignature)
	}
	// The unverified Issuer only selects which keys to trust; it is read
	// again from the verified element below.
	sp, err := idp.lookupIssuer(root, lookup)
	if err != nil {
		return nil, err
	}
	signed := false
	if len(sigs) == 1 && len(sp.SigningCerts) > 0 {
		verified, err := idp.verifyEnveloped(root, sp)
		if err != nil {
			return nil, err
		}
		issuer, err := issuerOf(verified)
		if err != nil || issuer != sp.EntityID {
			return nil, fmt.Errorf("samlp: post: signed Issuer differs from the unsigned one: %w", ErrBadSignature)
		}
		root, signed = verified, true
	}
	if !signed && signatureRequired(kind, sp) {
		return nil, fmt.Errorf("samlp: %q: unsigned %s: %w", sp.EntityID, kind, ErrSignatureRequired)
	}
	return &inbound{kind: kind, root: root, sp: sp, binding: BindingHTTPPost, signed: signed, relay: relay}, nil
}

// signatureRequired: AuthnRequests must be signed when the SP says so
// (AuthnRequestsSigned). Logout messages must be signed whenever the SP
// has a signing key: saml-profiles §4.4.4.1 requires the requester to
// authenticate itself and the front-channel bindings offer nothing but the
// signature for that, and an unsigned logout message would let any page
// end the user's session.
func signatureRequired(kind string, sp *ServiceProvider) bool {
	if kind == kindAuthnRequest {
		return sp.RequireSignedRequests
	}
	return sp.RequireSignedRequests || len(sp.SigningCerts) > 0
}

// parseProtocolDoc runs xmlin and refuses comments and roots the parameter
// may not carry (or other than only, when set).
func parseProtocolDoc(raw []byte, param, only string) (*etree.Document, string, error) {
	doc, err := xmlin.Parse(raw)
	if err != nil {
		return nil, "", fmt.Errorf("samlp: %w", err)
	}
	root := doc.Root()
	kind := ""
	if root.NamespaceURI() == nsProtocol {
		for _, k := range kindsFor(param) {
			if root.Tag == k && (only == "" || only == k) {
				kind = k
			}
		}
	}
	if kind == "" {
		want := "samlp:" + only
		if only == "" {
			want = fmt.Sprintf("one of %v (samlp)", kindsFor(param))
		}
		return nil, "", fmt.Errorf("samlp: %s root element is {%s}%s, not %s: %w", param, root.NamespaceURI(), root.Tag, want, ErrInvalidRequest)
	}
	// Comments inside signed text split it into several nodes, and a reader
	// that takes the first one sees a different value than was signed
	// (CVE-2017-11427 class). SPs never need comments in a protocol message.
	if hasComment(&doc.Element) {
		return nil, "", fmt.Errorf("samlp: %s contains an XML comment: %w", kind, ErrInvalidRequest)
	}
	return doc, kind, nil
}

// checkHeader reads and checks the attributes every protocol message
// carries: ID, Version 2.0, a fresh IssueInstant and Destination.
// saml-bindings §3.4.5.2 / §3.5.5.2: when Destination is present it must
// be the URL the message was received at, and a signed message MUST carry
// it; requireDestination enforces the latter.
func (idp *IdP) checkHeader(root *etree.Element, requireDestination bool) (string, time.Time, error) {
	id := root.SelectAttrValue("ID", "")
	if id == "" || len(id) > maxIDLen {
		return "", time.Time{}, fmt.Errorf("samlp: %s ID must be 1..%d characters: %w", root.Tag, maxIDLen, ErrInvalidRequest)
	}
	if v := root.SelectAttrValue("Version", ""); v != "2.0" {
		return "", time.Time{}, fmt.Errorf("samlp: Version %q is not 2.0: %w", v, ErrInvalidRequest)
	}
	ii, err := time.Parse(time.RFC3339Nano, root.SelectAttrValue("IssueInstant", ""))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("samlp: IssueInstant is not an xs:dateTime: %w", ErrInvalidRequest)
	}
	ii = ii.UTC()
	now := idp.cfg.Now()
	if ii.After(now.Add(idp.cfg.ClockSkew)) || ii.Before(now.Add(-idp.cfg.MaxRequestAge-idp.cfg.ClockSkew)) {
		return "", time.Time{}, fmt.Errorf("samlp: IssueInstant %s, now %s: %w", ii.Format(time.RFC3339), now.UTC().Format(time.RFC3339), ErrStale)
	}
	d := root.SelectAttr("Destination")
	switch {
	case d != nil && d.Value != idp.cfg.SSOURL:
		return "", time.Time{}, fmt.Errorf("samlp: Destination %q, expected %q: %w", d.Value, idp.cfg.SSOURL, ErrDestination)
	case d == nil && requireDestination:
		return "", time.Time{}, fmt.Errorf("samlp: signed %s has no Destination (saml-bindings §3.4.5.2): %w", root.Tag, ErrDestination)
	}
	return id, ii, nil
}
