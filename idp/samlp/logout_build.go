package samlp

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/sha1" //nolint:gosec // RSA-SHA1 only for SPs configured for it.
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/fedgate/fedgate/idp/token"
)

// logoutLifetime is how long an SP may take to act on our LogoutRequest
// (its NotOnOrAfter): the browser carries it there at once.
const logoutLifetime = 5 * time.Minute

// LogoutRequestInput is an IdP-initiated LogoutRequest to one session
// participant (saml-profiles §4.4.3.3).
type LogoutRequestInput struct {
	// SP is the participant; it must have a SingleLogoutService.
	SP *ServiceProvider
	// NameID and NameIDFormat exactly as issued to SP in this session; the
	// SP matches them against its own session. NameIDFormat "" means the
	// SP's configured format (what BuildResponse issues by default).
	NameID, NameIDFormat string
	// SessionIndex as issued in the AuthnStatement; "" omits it, which asks
	// the SP to end every session of the principal.
	SessionIndex string
	// RelayState is sent along (≤ MaxRelayState); "" omits it.
	RelayState string
	// Binding is the preferred binding; "" prefers HTTP-Redirect
	// (ServiceProvider.SingleLogout decides among the SP's endpoints).
	Binding string
}

// LogoutResponseInput answers an SP-initiated LogoutRequest.
type LogoutResponseInput struct {
	// SP is the requester; it must have a SingleLogoutService.
	SP *ServiceProvider
	// InResponseTo is the LogoutRequest ID.
	InResponseTo string
	// RelayState is the request's, returned unchanged ("" omits it).
	RelayState string
	// PartialLogout adds the second-level status PartialLogout: fedgate
	// ended its own session but could not notify every other participant
	// (saml-core §3.7.3.2). The top-level status is Success either way.
	PartialLogout bool
	// Binding is the preferred binding, normally the request's.
	Binding string
}

// Outbound is a signed protocol message for the browser to carry to an SP.
// With BindingHTTPRedirect the message is entirely in URL (deflated, with
// the query-string signature of saml-bindings §3.4.4.1): answer with a 302
// to it, byte for byte. With BindingHTTPPost, auto-POST a form to URL with
// the field Param=Value and, when not empty, RelayState (saml-bindings
// §3.5.4); the XML then carries an enveloped signature.
type Outbound struct {
	// ID is the message ID; a LogoutResponse to a LogoutRequest will name
	// it in InResponseTo.
	ID string
	// Binding is BindingHTTPRedirect or BindingHTTPPost.
	Binding string
	// Destination is the SP endpoint (the message's Destination attribute).
	Destination string
	// URL is the complete redirect URL (Redirect) or the form action (POST).
	URL string
	// Param ("SAMLRequest" or "SAMLResponse") and Value (base64 of XML)
	// are the POST form field; Value is "" for Redirect.
	Param, Value string
	// RelayState is the POST form's RelayState field ("" omits it); for
	// Redirect it is already in URL.
	RelayState string
	// XML is the message as sent (for Redirect without a ds:Signature).
	XML []byte
}

// BuildLogoutRequest returns a signed LogoutRequest for in.SP, with Reason
// "user", NotOnOrAfter five minutes ahead and the NameID and SessionIndex
// as issued. It fails with ErrNoSingleLogout when the SP has no endpoint.
func (idp *IdP) BuildLogoutRequest(in LogoutRequestInput) (*Outbound, error) {
	sp := in.SP
	if err := sp.Validate(); err != nil {
		return nil, err
	}
	ep, ok := sp.SingleLogout(in.Binding)
	if !ok {
		return nil, fmt.Errorf("samlp: logout request to %q: %w", sp.EntityID, ErrNoSingleLogout)
	}
	if in.NameID == "" || len(in.NameID) > maxNameIDLen || len(in.SessionIndex) > maxIDLen || len(in.RelayState) > MaxRelayState {
		return nil, fmt.Errorf("samlp: logout request needs a NameID of 1..%d characters, a SessionIndex and RelayState within limits: %w", maxNameIDLen, ErrConfig)
	}
	id, err := token.NewID(idp.cfg.Rand)
	if err != nil {
		return nil, fmt.Errorf("samlp: %w", err)
	}
	now := idp.cfg.Now().UTC().Truncate(time.Millisecond)
	el := idp.protocolElement("samlp:LogoutRequest", id, ep.Location, now)
	el.CreateAttr("NotOnOrAfter", now.Add(logoutLifetime).Format(token.TimeFormat))
	el.CreateAttr("Reason", LogoutReasonUser)
	el.CreateElement("saml:Issuer").SetText(idp.cfg.EntityID)
	nid := el.CreateElement("saml:NameID")
	f := in.NameIDFormat
	if f == "" {
		f = sp.nameIDFormat()
	}
	nid.CreateAttr("Format", f)
	nid.SetText(in.NameID)
	if in.SessionIndex != "" {
		el.CreateElement("samlp:SessionIndex").SetText(in.SessionIndex)
	}
	out, err := idp.bind(sp, el, ep.Binding, ep.Location, paramRequest, in.RelayState)
	if err != nil {
		return nil, err
	}
	idp.cfg.Log.Debug("samlp: logout request built", "rp", sp.EntityID, "request_id", id, "binding", ep.Binding)
	return out, nil
}

// BuildLogoutResponse returns the signed LogoutResponse (Success, with
// PartialLogout when asked) for an SP's LogoutRequest, addressed to its
// SingleLogoutService ResponseLocation (else Location).
func (idp *IdP) BuildLogoutResponse(in LogoutResponseInput) (*Outbound, error) {
	sp := in.SP
	if err := sp.Validate(); err != nil {
		return nil, err
	}
	ep, ok := sp.SingleLogout(in.Binding)
	if !ok {
		return nil, fmt.Errorf("samlp: logout response to %q: %w", sp.EntityID, ErrNoSingleLogout)
	}
	if in.InResponseTo == "" || len(in.InResponseTo) > maxIDLen || len(in.RelayState) > MaxRelayState {
		return nil, fmt.Errorf("samlp: logout response needs InResponseTo of 1..%d characters and RelayState within %d bytes: %w", maxIDLen, MaxRelayState, ErrConfig)
	}
	dest := ep.ResponseLocation
	if dest == "" {
		dest = ep.Location
	}
	id, err := token.NewID(idp.cfg.Rand)
	if err != nil {
		return nil, fmt.Errorf("samlp: %w", err)
	}
	now := idp.cfg.Now().UTC().Truncate(time.Millisecond)
	el := idp.protocolElement("samlp:LogoutResponse", id, dest, now)
	el.CreateAttr("InResponseTo", in.InResponseTo)
	el.CreateElement("saml:Issuer").SetText(idp.cfg.EntityID)
	code := el.CreateElement("samlp:Status").CreateElement("samlp:StatusCode")
	code.CreateAttr("Value", StatusSuccess)
	if in.PartialLogout {
		code.CreateElement("samlp:StatusCode").CreateAttr("Value", StatusPartialLogout)
	}
	out, err := idp.bind(sp, el, ep.Binding, dest, paramResponse, in.RelayState)
	if err != nil {
		return nil, err
	}
	idp.cfg.Log.Debug("samlp: logout response built", "rp", sp.EntityID, "in_response_to", in.InResponseTo, "binding", ep.Binding, "partial", in.PartialLogout)
	return out, nil
}

// protocolElement starts a protocol message root with the samlp and saml
// namespaces declared, ID, Version, IssueInstant and Destination.
func (idp *IdP) protocolElement(tag, id, dest string, now time.Time) *etree.Element {
	el := etree.NewElement(tag)
	el.CreateAttr("xmlns:samlp", nsProtocol)
	el.CreateAttr("xmlns:saml", nsAssertion)
	el.CreateAttr("ID", id)
	el.CreateAttr("Version", "2.0")
	el.CreateAttr("IssueInstant", now.Format(token.TimeFormat))
	el.CreateAttr("Destination", dest)
	return el
}

// bind signs el for binding and encodes it for the browser. The Issuer
// must be el's first child (the enveloped signature goes right after it).
func (idp *IdP) bind(sp *ServiceProvider, el *etree.Element, binding, dest, param, relay string) (*Outbound, error) {
	out := &Outbound{ID: el.SelectAttrValue("ID", ""), Binding: binding, Destination: dest}
	if binding == BindingHTTPRedirect {
		out.XML = token.MarshalElement(el)
		u, err := idp.redirectURL(dest, param, out.XML, relay, sp.SignatureAlgorithm)
		if err != nil {
			return nil, err
		}
		out.URL = u
		return out, nil
	}
	sig, err := idp.signer(sp.SignatureAlgorithm).Signature(el)
	if err != nil {
		return nil, fmt.Errorf("samlp: sign %s: %w", el.Tag, err)
	}
	el.InsertChildAt(1, sig)
	out.XML = token.MarshalElement(el)
	out.URL, out.Param, out.RelayState = dest, param, relay
	out.Value = base64.StdEncoding.EncodeToString(out.XML)
	return out, nil
}

// redirectURL encodes msg for the HTTP-Redirect binding (raw DEFLATE,
// base64, URL-encoding) and signs "param=…[&RelayState=…]&SigAlg=…" with
// the current key (saml-bindings §3.4.4.1). RSA-SHA256 unless the SP is
// configured for RSA-SHA1. dest may already carry a query string.
func (idp *IdP) redirectURL(dest, param string, msg []byte, relay string, alg token.SignatureAlgorithm) (string, error) {
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return "", fmt.Errorf("samlp: deflate: %w", err)
	}
	if _, err := fw.Write(msg); err != nil {
		return "", fmt.Errorf("samlp: deflate: %w", err)
	}
	if err := fw.Close(); err != nil {
		return "", fmt.Errorf("samlp: deflate: %w", err)
	}
	method, err := alg.SignatureMethod()
	if err != nil {
		return "", fmt.Errorf("samlp: %w: %w", err, ErrConfig)
	}
	q := param + "=" + url.QueryEscape(base64.StdEncoding.EncodeToString(buf.Bytes()))
	if relay != "" {
		q += "&RelayState=" + url.QueryEscape(relay)
	}
	q += "&SigAlg=" + url.QueryEscape(method)
	var (
		h      crypto.Hash
		digest []byte
	)
	if alg == token.RSASHA1 {
		d := sha1.Sum([]byte(q)) //nolint:gosec // see import
		h, digest = crypto.SHA1, d[:]
	} else {
		d := sha256.Sum256([]byte(q))
		h, digest = crypto.SHA256, d[:]
	}
	sig, err := idp.cfg.Keys.Current.Signer.Sign(idp.cfg.Rand, digest, h)
	if err != nil {
		return "", fmt.Errorf("samlp: sign redirect query: %w", err)
	}
	q += "&Signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
	sep := "?"
	if strings.Contains(dest, "?") {
		sep = "&"
	}
	return dest + sep + q, nil
}
