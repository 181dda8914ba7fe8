package samlp

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
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
	// AllowCreate from NameIDPolicy. Informational: fedgate creates no
	// identifier state for a request (persistent and emailAddress NameIDs
	// are existing directory values; transient ones ignore AllowCreate,
	// saml-core §3.4.1.1), so AllowCreate="false" is always satisfied.
	AllowCreate bool
	// SPNameQualifier from NameIDPolicy ("" when none); when set it is
	// the SP's entity ID or audience.
	SPNameQualifier string
	// IssueNameIDFormat is the NameID format the response must carry,
	// settled by SP.NameIDFormatFor(NameIDFormat). For
	// NameIDFormatTransient the NameID value must come from
	// NewTransientNameID, never from the directory.
	IssueNameIDFormat string
}

// ParseRedirect parses an HTTP-Redirect binding AuthnRequest. rawQuery is
// the request's URL.RawQuery exactly as received: the signature covers its
// octets, not a re-encoding. Use ParseRedirectMessage where a
// LogoutRequest or LogoutResponse may arrive on the same URL.
func (idp *IdP) ParseRedirect(rawQuery string, lookup Lookup) (*AuthnRequest, error) {
	in, err := idp.readRedirect(rawQuery, lookup, kindAuthnRequest)
	if err != nil {
		return nil, err
	}
	return idp.finish(in.root, in.sp, in.binding, in.signed, in.relay)
}

// ParsePOST parses an HTTP-POST binding AuthnRequest from the form values
// (SAMLRequest, RelayState). The caller bounds the body with
// http.MaxBytesReader before parsing the form.
func (idp *IdP) ParsePOST(form url.Values, lookup Lookup) (*AuthnRequest, error) {
	in, err := idp.readPOST(form, lookup, kindAuthnRequest)
	if err != nil {
		return nil, err
	}
	return idp.finish(in.root, in.sp, in.binding, in.signed, in.relay)
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
	var err error
	if r.ID, r.IssueInstant, err = idp.checkHeader(root, false); err != nil {
		return nil, err
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
	pol, err := readNameIDPolicy(root)
	if err != nil {
		return nil, err
	}
	r.NameIDFormat, r.AllowCreate, r.SPNameQualifier = pol.format, pol.allowCreate, pol.spNameQualifier
	// Last: every other check has passed, so a NameIDPolicyError carries
	// a request whose ACS may receive a status response.
	if r.IssueNameIDFormat, err = checkNameIDPolicy(pol, sp); err != nil {
		return nil, &NameIDPolicyError{Request: r, Err: err}
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
