package msonline

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/fedgate/fedgate/idp/o365"
)

// Protocols the site can use with a federated domain
// (internalDomainFederation preferredAuthenticationProtocol).
const (
	// ProtocolWSFed sends wsignin1.0 and accepts wresult (the default).
	ProtocolWSFed = "wsfed"
	// ProtocolSAML2 sends a SAML 2.0 AuthnRequest (HTTP-Redirect binding)
	// and accepts SAMLResponse, as Entra's SAML 2.0 federation profile.
	ProtocolSAML2 = "saml2"
)

const (
	nsSAML2Protocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsSAML2Assertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	bindingHTTPPost  = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
	nameIDPersistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
)

// redirectSAML starts a SAML 2.0 federated sign-in: a single-use RelayState
// is remembered with the AuthnRequest ID and the browser is redirected to
// the IdP's passive endpoint with an unsigned AuthnRequest (Entra signs
// requests only when isSignedAuthenticationRequestRequired is set).
func (s *Site) redirectSAML(w http.ResponseWriter, r *http.Request, fed *federation, email string) {
	relay, err := s.newID(24)
	var id string
	if err == nil {
		id, err = s.newID(16)
		id = "_" + id // xs:ID must not start with a digit or '-'
	}
	var q string
	if err == nil {
		q, err = authnRequestQuery(id, s.now(), fed.passive.String(), s.ReplyURL(), relay)
	}
	if err != nil {
		s.startFailed(w, r, err)
		return
	}
	s.pending.addRequest(relay, email, id, s.now())
	u := *fed.passive
	if u.RawQuery != "" {
		q = u.RawQuery + "&" + q
	}
	u.RawQuery = q
	s.log.InfoContext(r.Context(), "msonline: SAML AuthnRequest to federated IdP", "domain", fed.domain, "idp", fed.passive.Host, "request_id", id)
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// startFailed renders the error page when a sign-in cannot be started.
func (s *Site) startFailed(w http.ResponseWriter, r *http.Request, err error) {
	id := s.activityID()
	s.log.ErrorContext(r.Context(), "msonline: cannot start sign-in", "activity_id", id, "err", err)
	s.render(w, r, http.StatusInternalServerError, "rejected", rejectedData{Reason: "The site could not start the sign-in. Try again.", ActivityID: id})
}

// authnRequestQuery returns "SAMLRequest=…&RelayState=…" for the
// HTTP-Redirect binding (saml-bindings §3.4.4.1: raw DEFLATE, base64, URL
// encoding).
func authnRequestQuery(id string, now time.Time, destination, acs, relay string) (string, error) {
	var xml bytes.Buffer
	xml.WriteString(`<samlp:AuthnRequest xmlns:samlp="` + nsSAML2Protocol + `" ID="` + id + `" Version="2.0" IssueInstant="` + now.UTC().Format("2006-01-02T15:04:05.000Z") + `"`)
	xml.WriteString(` Destination="` + attrEscape(destination) + `" AssertionConsumerServiceURL="` + attrEscape(acs) + `" ProtocolBinding="` + bindingHTTPPost + `">`)
	xml.WriteString(`<saml:Issuer xmlns:saml="` + nsSAML2Assertion + `">` + o365.Realm + `</saml:Issuer>`)
	xml.WriteString(`<samlp:NameIDPolicy Format="` + nameIDPersistent + `"/></samlp:AuthnRequest>`)
	var z bytes.Buffer
	fw, err := flate.NewWriter(&z, flate.BestCompression)
	if err != nil {
		return "", fmt.Errorf("msonline: deflate AuthnRequest: %w", err)
	}
	if _, err := fw.Write(xml.Bytes()); err != nil {
		return "", fmt.Errorf("msonline: deflate AuthnRequest: %w", err)
	}
	if err := fw.Close(); err != nil {
		return "", fmt.Errorf("msonline: deflate AuthnRequest: %w", err)
	}
	return "SAMLRequest=" + url.QueryEscape(base64.StdEncoding.EncodeToString(z.Bytes())) + "&RelayState=" + url.QueryEscape(relay), nil
}

// attrEscape escapes a value for a double-quoted XML attribute.
func attrEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// serveSAMLResponse is login.srf for the SAML 2.0 profile: the RelayState
// must be one this site issued for a SAML sign-in, once, and the Checker
// must accept the response as the answer to that AuthnRequest.
func (s *Site) serveSAMLResponse(w http.ResponseWriter, r *http.Request, form url.Values) {
	resp, ok1 := single(form, "SAMLResponse")
	relay, ok2 := single(form, "RelayState")
	if !ok1 || !ok2 {
		s.rejected(w, r, http.StatusBadRequest, "The form must carry exactly one each of SAMLResponse and RelayState.", nil)
		return
	}
	// Consumed before the response is checked, as wctx is.
	p, ok := s.pending.takeRequest(relay, s.now())
	if !ok || p.requestID == "" {
		s.rejected(w, r, http.StatusBadRequest, "The RelayState was not issued by this site for a SAML sign-in, has expired or was already used. Start the sign-in again.", nil)
		return
	}
	res, err := s.checker.CheckSAMLResponse(resp, o365.SAMLRequestInfo{ID: p.requestID, ACS: s.ReplyURL()})
	if err != nil {
		reason := "The SAML response could not be validated."
		var re *o365.RejectError
		if errors.As(err, &re) {
			reason = re.Reason
		}
		s.rejected(w, r, http.StatusBadRequest, reason, err)
		return
	}
	s.accepted(w, r, res, p.login)
}
