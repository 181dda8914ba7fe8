package samlp

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/fedgate/fedgate/idp/internal/xmlin"
)

const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"
	maxIDLen    = 256
	maxIssuer   = 1024
)

// Lookup returns the service provider registered under entityID. It
// returns (nil, nil) when there is none, and an error only for an
// infrastructure failure. It may be called once per request.
type Lookup func(entityID string) (*ServiceProvider, error)

// AuthnRequest is a verified SAML 2.0 AuthnRequest. Every field comes from
// the signed element when the request was signed.
type AuthnRequest struct {
	// ID must be used once: the caller records it with store.UseOnce until
	// IssueInstant + MaxRequestAge + ClockSkew, and refuses a repeat.
	ID string
	// IssueInstant as sent by the SP.
	IssueInstant time.Time
	// SP is the looked-up, validated service provider.
	SP *ServiceProvider
	// ACS is the registered endpoint the response must be POSTed to.
	ACS Endpoint
	// Binding is BindingHTTPRedirect or BindingHTTPPost (how it arrived).
	Binding string
	// Signed reports whether a signature was verified.
	Signed bool
	// RelayState is echoed back in the response form (≤ MaxRelayState).
	RelayState string
	// ForceAuthn: the user must re-enter credentials even with a session.
	ForceAuthn bool
	// IsPassive: the IdP must not show any page; answer NoPassive instead.
	IsPassive bool
	// NameIDFormat requested by NameIDPolicy ("" when none).
	NameIDFormat string
	// AllowCreate from NameIDPolicy.
	AllowCreate bool
}

// ParseRedirect parses an HTTP-Redirect binding request. rawQuery is the
// request's URL.RawQuery exactly as received: the signature covers its
// octets, not a re-encoding.
func (idp *IdP) ParseRedirect(rawQuery string, lookup Lookup) (*AuthnRequest, error) {
	q, err := splitQuery(rawQuery)
	if err != nil {
		return nil, err
	}
	reqParam, ok := q.value("SAMLRequest")
	if !ok {
		return nil, fmt.Errorf("samlp: redirect: no SAMLRequest parameter: %w", ErrInvalidRequest)
	}
	relay, _ := q.value("RelayState")
	if len(relay) > MaxRelayState {
		return nil, fmt.Errorf("samlp: RelayState is %d bytes; the limit is %d: %w", len(relay), MaxRelayState, ErrInvalidRequest)
	}
	raw, err := xmlin.DecodeRedirect(reqParam, MaxDeflatedBytes, MaxRequestBytes)
	if err != nil {
		return nil, fmt.Errorf("samlp: %w", err)
	}
	doc, err := parseRequestDoc(raw)
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	if len(findSignatures(root)) != 0 {
		// saml-bindings §3.4.4.1: any XML signature MUST be removed before
		// the message is DEFLATE-encoded.
		return nil, fmt.Errorf("samlp: redirect: request carries an XML signature; the Redirect binding signs the query string: %w", ErrInvalidRequest)
	}
	sp, err := idp.lookupIssuer(root, lookup)
	if err != nil {
		return nil, err
	}
	signed := false
	if _, has := q.value("Signature"); has && len(sp.SigningCerts) > 0 {
		if err := verifyRedirect(q, sp); err != nil {
			return nil, err
		}
		signed = true
	}
	if !signed && sp.RequireSignedRequests {
		return nil, fmt.Errorf("samlp: %q: unsigned redirect request: %w", sp.EntityID, ErrSignatureRequired)
	}
	return idp.finish(root, sp, BindingHTTPRedirect, signed, relay)
}

// ParsePOST parses an HTTP-POST binding request from the form values
// (SAMLRequest, RelayState). The caller bounds the body with
// http.MaxBytesReader before parsing the form.
func (idp *IdP) ParsePOST(form url.Values, lookup Lookup) (*AuthnRequest, error) {
	if len(form["SAMLRequest"]) != 1 || len(form["RelayState"]) > 1 {
		return nil, fmt.Errorf("samlp: post: need exactly one SAMLRequest and at most one RelayState: %w", ErrInvalidRequest)
	}
	relay := form.Get("RelayState")
	if len(relay) > MaxRelayState {
		return nil, fmt.Errorf("samlp: RelayState is %d bytes; the limit is %d: %w", len(relay), MaxRelayState, ErrInvalidRequest)
	}
	raw, err := xmlin.DecodePOST(form.Get("SAMLRequest"), MaxRequestBytes)
	if err != nil {
		return nil, fmt.Errorf("samlp: %w", err)
	}
	doc, err := parseRequestDoc(raw)
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	sigs := findSignatures(root)
	if len(sigs) > 1 || (len(sigs) == 1 && sigs[0].Parent() != root) {
		return nil, fmt.Errorf("samlp: post: request must carry at most one signature, as a child of AuthnRequest: %w", ErrBadSignature)
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
	if !signed && sp.RequireSignedRequests {
		return nil, fmt.Errorf("samlp: %q: unsigned request: %w", sp.EntityID, ErrSignatureRequired)
	}
	return idp.finish(root, sp, BindingHTTPPost, signed, relay)
}

// parseRequestDoc runs xmlin and refuses comments and non-AuthnRequest roots.
func parseRequestDoc(raw []byte) (*etree.Document, error) {
	doc, err := xmlin.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("samlp: %w", err)
	}
	root := doc.Root()
	if root.Tag != "AuthnRequest" || root.NamespaceURI() != nsProtocol {
		return nil, fmt.Errorf("samlp: root element is {%s}%s, not samlp:AuthnRequest: %w", root.NamespaceURI(), root.Tag, ErrInvalidRequest)
	}
	// Comments inside signed text split it into several nodes, and a reader
	// that takes the first one sees a different value than was signed
	// (CVE-2017-11427 class). SPs never need comments in a request.
	if hasComment(&doc.Element) {
		return nil, fmt.Errorf("samlp: request contains an XML comment: %w", ErrInvalidRequest)
	}
	return doc, nil
}

func hasComment(el *etree.Element) bool {
	for _, c := range el.Child {
		switch t := c.(type) {
		case *etree.Comment:
			return true
		case *etree.Element:
			if hasComment(t) {
				return true
			}
		}
	}
	return false
}

func findSignatures(el *etree.Element) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == "Signature" && c.NamespaceURI() == nsDSig {
			out = append(out, c)
		}
		out = append(out, findSignatures(c)...)
	}
	return out
}

func (idp *IdP) lookupIssuer(root *etree.Element, lookup Lookup) (*ServiceProvider, error) {
	issuer, err := issuerOf(root)
	if err != nil {
		return nil, err
	}
	sp, err := lookup(issuer)
	if err != nil {
		return nil, fmt.Errorf("samlp: look up %q: %w", issuer, err)
	}
	if sp == nil {
		return nil, fmt.Errorf("samlp: issuer %q: %w", issuer, ErrUnknownIssuer)
	}
	if err := sp.Validate(); err != nil {
		return nil, err
	}
	return sp, nil
}

func issuerOf(root *etree.Element) (string, error) {
	var found *etree.Element
	for _, c := range root.ChildElements() {
		if c.Tag == "Issuer" && c.NamespaceURI() == nsAssertion {
			if found != nil {
				return "", fmt.Errorf("samlp: more than one Issuer: %w", ErrInvalidRequest)
			}
			found = c
		}
	}
	if found == nil {
		return "", fmt.Errorf("samlp: request has no Issuer: %w", ErrInvalidRequest)
	}
	v, err := strictText(found)
	if err != nil || v == "" || len(v) > maxIssuer {
		return "", fmt.Errorf("samlp: Issuer must be 1..%d characters of plain text: %w", maxIssuer, ErrInvalidRequest)
	}
	return v, nil
}

// strictText returns the element's text, refusing child elements,
// comments or anything but character data.
func strictText(el *etree.Element) (string, error) {
	var b strings.Builder
	for _, c := range el.Child {
		cd, ok := c.(*etree.CharData)
		if !ok {
			return "", fmt.Errorf("samlp: %s must contain only text: %w", el.Tag, ErrInvalidRequest)
		}
		b.WriteString(cd.Data)
	}
	return strings.TrimSpace(b.String()), nil
}

// finish checks the protocol fields of a (verified) request.
func (idp *IdP) finish(root *etree.Element, sp *ServiceProvider, binding string, signed bool, relay string) (*AuthnRequest, error) {
	r := &AuthnRequest{SP: sp, Binding: binding, Signed: signed, RelayState: relay}
	r.ID = root.SelectAttrValue("ID", "")
	if r.ID == "" || len(r.ID) > maxIDLen {
		return nil, fmt.Errorf("samlp: request ID must be 1..%d characters: %w", maxIDLen, ErrInvalidRequest)
	}
	if v := root.SelectAttrValue("Version", ""); v != "2.0" {
		return nil, fmt.Errorf("samlp: Version %q is not 2.0: %w", v, ErrInvalidRequest)
	}
	ii, err := time.Parse(time.RFC3339Nano, root.SelectAttrValue("IssueInstant", ""))
	if err != nil {
		return nil, fmt.Errorf("samlp: IssueInstant is not an xs:dateTime: %w", ErrInvalidRequest)
	}
	r.IssueInstant = ii.UTC()
	now := idp.cfg.Now()
	if ii.After(now.Add(idp.cfg.ClockSkew)) || ii.Before(now.Add(-idp.cfg.MaxRequestAge-idp.cfg.ClockSkew)) {
		return nil, fmt.Errorf("samlp: IssueInstant %s, now %s: %w", r.IssueInstant.Format(time.RFC3339), now.UTC().Format(time.RFC3339), ErrStale)
	}
	// saml-bindings §3.4.5.2 / §3.5.5.2: when Destination is present it
	// must be the URL the message was received at.
	if d := root.SelectAttr("Destination"); d != nil && d.Value != idp.cfg.SSOURL {
		return nil, fmt.Errorf("samlp: Destination %q, expected %q: %w", d.Value, idp.cfg.SSOURL, ErrDestination)
	}
	if r.ACS, err = selectACS(root, sp); err != nil {
		return nil, err
	}
	if r.ForceAuthn, err = boolAttr(root, "ForceAuthn"); err != nil {
		return nil, err
	}
	if r.IsPassive, err = boolAttr(root, "IsPassive"); err != nil {
		return nil, err
	}
	for _, c := range root.ChildElements() {
		if c.Tag == "NameIDPolicy" && c.NamespaceURI() == nsProtocol {
			r.NameIDFormat = c.SelectAttrValue("Format", "")
			if r.AllowCreate, err = boolAttr(c, "AllowCreate"); err != nil {
				return nil, err
			}
		}
	}
	if f := r.NameIDFormat; f != "" && f != NameIDFormatUnspecified && f != sp.nameIDFormat() {
		return nil, fmt.Errorf("samlp: %q asked for NameID format %q; it is configured for %q: %w", sp.EntityID, f, sp.nameIDFormat(), ErrNameIDPolicy)
	}
	return r, nil
}

func selectACS(root *etree.Element, sp *ServiceProvider) (Endpoint, error) {
	urlAttr := root.SelectAttr("AssertionConsumerServiceURL")
	idxAttr := root.SelectAttr("AssertionConsumerServiceIndex")
	if pb := root.SelectAttrValue("ProtocolBinding", ""); pb != "" && pb != BindingHTTPPost {
		return Endpoint{}, fmt.Errorf("samlp: ProtocolBinding %q is not supported; only %s: %w", pb, BindingHTTPPost, ErrACSNotRegistered)
	}
	switch {
	case urlAttr != nil && idxAttr != nil:
		return Endpoint{}, fmt.Errorf("samlp: AssertionConsumerServiceURL and AssertionConsumerServiceIndex are mutually exclusive: %w", ErrInvalidRequest)
	case urlAttr != nil:
		e, ok := sp.acsByURL(urlAttr.Value)
		if !ok {
			return Endpoint{}, fmt.Errorf("samlp: %q: ACS URL %q: %w", sp.EntityID, urlAttr.Value, ErrACSNotRegistered)
		}
		return e, nil
	case idxAttr != nil:
		i, err := strconv.Atoi(idxAttr.Value)
		if err != nil {
			return Endpoint{}, fmt.Errorf("samlp: AssertionConsumerServiceIndex %q is not a number: %w", idxAttr.Value, ErrInvalidRequest)
		}
		e, ok := sp.acsByIndex(i)
		if !ok {
			return Endpoint{}, fmt.Errorf("samlp: %q: ACS index %d: %w", sp.EntityID, i, ErrACSNotRegistered)
		}
		return e, nil
	default:
		return sp.defaultACS(), nil
	}
}

func boolAttr(el *etree.Element, name string) (bool, error) {
	switch v := el.SelectAttrValue(name, "false"); v {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	default:
		return false, fmt.Errorf("samlp: %s=%q is not an xs:boolean: %w", name, v, ErrInvalidRequest)
	}
}
