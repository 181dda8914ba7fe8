package samlp

import (
	"crypto/x509"
	"fmt"
	"net/url"
	"time"

	"github.com/fedgate/fedgate/idp/token"
)

// SAML URIs used by this package.
const (
	BindingHTTPPost     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
	BindingHTTPRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"

	NameIDFormatPersistent   = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	NameIDFormatUnspecified  = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	NameIDFormatEmailAddress = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	// NameIDFormatTransient is an opaque identifier that is new for each
	// session and SP (saml-core §8.3.8); see NewTransientNameID.
	NameIDFormatTransient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"

	// PasswordProtectedTransport is the AuthnContextClassRef for a password
	// sign-in over TLS.
	PasswordProtectedTransport = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
)

// Encryption names the block cipher used for encrypted assertions.
type Encryption string

const (
	// AES256GCM is the default: authenticated encryption (XML Encryption 1.1).
	AES256GCM Encryption = "aes256-gcm"
	// AES128CBC is for SPs that support only XML Encryption 1.0. CBC has no
	// integrity of its own; the assertion signature inside still protects
	// the content, but prefer GCM when the SP supports it.
	AES128CBC Encryption = "aes128-cbc"
)

// Endpoint is one AssertionConsumerService or SingleLogoutService of an SP.
type Endpoint struct {
	// Binding is BindingHTTPPost for an ACS (fedgate delivers responses
	// only by auto-POST); BindingHTTPRedirect or BindingHTTPPost for a
	// SingleLogoutService.
	Binding string
	// Location is the absolute https URL (http only for loopback tests).
	Location string
	// ResponseLocation (SingleLogoutService only) is where LogoutResponses
	// go when it differs from Location (saml-metadata §2.2.2). Default:
	// Location. Same URL rules.
	ResponseLocation string
	// Index is the AssertionConsumerServiceIndex that selects it (ACS only).
	Index int
	// IsDefault marks the endpoint used when the request names none (ACS
	// only). Default: the first endpoint.
	IsDefault bool
}

// ServiceProvider is a SAML 2.0 relying party as this package needs it.
type ServiceProvider struct {
	// EntityID is the SP's issuer; AuthnRequest Issuer must equal it.
	EntityID string
	// ACS lists the registered assertion consumer services; responses go
	// only to these. At least one is required.
	ACS []Endpoint
	// SLO lists the SP's SingleLogoutService endpoints (HTTP-Redirect
	// and/or HTTP-POST). LogoutRequests and LogoutResponses are sent only
	// to these. Default: none, and the SP can then neither be notified of
	// a single logout nor start one.
	SLO []Endpoint
	// SigningCerts verify signed AuthnRequests. Only these keys are ever
	// trusted, never a certificate inside the request. Default: none, and
	// any signature on a request is then ignored.
	SigningCerts []*x509.Certificate
	// RequireSignedRequests refuses unsigned AuthnRequests. Default false;
	// true needs SigningCerts.
	RequireSignedRequests bool
	// EncryptionCert, when set, encrypts every assertion to this RSA key.
	// Default: assertions are signed but not encrypted.
	EncryptionCert *x509.Certificate
	// Encryption is the block cipher for encrypted assertions. Default AES256GCM.
	Encryption Encryption
	// SignatureAlgorithm signs responses and is the only algorithm besides
	// RSA-SHA256 accepted on requests. Default token.RSASHA256; RSA-SHA1 only
	// for an SP that requires it.
	SignatureAlgorithm token.SignatureAlgorithm
	// SignResponse signs the Response element as well as the assertion
	// (the Entra profile does). Default false: only the assertion is signed.
	SignResponse bool
	// NameIDFormat is the NameID format issued when the AuthnRequest names
	// none (or unspecified), and in IdP-initiated responses. Default
	// persistent. An SP may also ask for transient (see NameIDFormatFor).
	NameIDFormat string
	// StrictNameIDFormat makes NameIDFormat the only format issued: a
	// request for any other, transient included, is answered
	// InvalidNameIDPolicy. Default false. rp sets it when a trust names
	// nameid_format explicitly; metadata alone never does.
	StrictNameIDFormat bool
	// Audience is the AudienceRestriction value. Default EntityID.
	Audience string
	// AssertionLifetime is Conditions NotOnOrAfter minus IssueInstant.
	// Default one hour (AD FS token lifetime).
	AssertionLifetime time.Duration
}

// Validate reports the first configuration problem.
func (sp *ServiceProvider) Validate() error {
	if sp == nil || sp.EntityID == "" {
		return fmt.Errorf("samlp: service provider has no entity ID: %w", ErrConfig)
	}
	if len(sp.ACS) == 0 {
		return fmt.Errorf("samlp: service provider %q has no assertion consumer service: %w", sp.EntityID, ErrConfig)
	}
	for i, e := range sp.ACS {
		if e.Binding != BindingHTTPPost {
			return fmt.Errorf("samlp: %q acs[%d]: binding %q is not supported; use %s: %w", sp.EntityID, i, e.Binding, BindingHTTPPost, ErrConfig)
		}
		u, err := url.Parse(e.Location)
		if err != nil || !u.IsAbs() || (u.Scheme != "https" && !isLoopback(u)) {
			return fmt.Errorf("samlp: %q acs[%d]: location %q must be an absolute https URL: %w", sp.EntityID, i, e.Location, ErrConfig)
		}
	}
	for i, e := range sp.SLO {
		if e.Binding != BindingHTTPRedirect && e.Binding != BindingHTTPPost {
			return fmt.Errorf("samlp: %q slo[%d]: binding %q is not supported; use %s or %s: %w", sp.EntityID, i, e.Binding, BindingHTTPRedirect, BindingHTTPPost, ErrConfig)
		}
		locs := []string{e.Location}
		if e.ResponseLocation != "" {
			locs = append(locs, e.ResponseLocation)
		}
		for _, loc := range locs {
			u, err := url.Parse(loc)
			if err != nil || !u.IsAbs() || u.Host == "" || u.User != nil || u.Fragment != "" || (u.Scheme != "https" && !isLoopback(u)) {
				return fmt.Errorf("samlp: %q slo[%d]: location %q must be an absolute https URL without user information or fragment: %w", sp.EntityID, i, loc, ErrConfig)
			}
		}
	}
	if sp.RequireSignedRequests && len(sp.SigningCerts) == 0 {
		return fmt.Errorf("samlp: %q requires signed requests but has no signing certificate: %w", sp.EntityID, ErrConfig)
	}
	if _, err := sp.SignatureAlgorithm.SignatureMethod(); err != nil {
		return fmt.Errorf("samlp: %q: %w: %w", sp.EntityID, err, ErrConfig)
	}
	switch sp.Encryption {
	case "", AES256GCM, AES128CBC:
	default:
		return fmt.Errorf("samlp: %q: encryption %q is not supported; use %q or %q: %w", sp.EntityID, sp.Encryption, AES256GCM, AES128CBC, ErrConfig)
	}
	if sp.AssertionLifetime < 0 {
		return fmt.Errorf("samlp: %q: negative assertion lifetime: %w", sp.EntityID, ErrConfig)
	}
	return nil
}

func isLoopback(u *url.URL) bool {
	h := u.Hostname()
	return u.Scheme == "http" && (h == "localhost" || h == "127.0.0.1" || h == "::1")
}

func (sp *ServiceProvider) nameIDFormat() string {
	if sp.NameIDFormat == "" {
		return NameIDFormatPersistent
	}
	return sp.NameIDFormat
}

func (sp *ServiceProvider) audience() string {
	if sp.Audience == "" {
		return sp.EntityID
	}
	return sp.Audience
}

func (sp *ServiceProvider) lifetime() time.Duration {
	if sp.AssertionLifetime == 0 {
		return time.Hour
	}
	return sp.AssertionLifetime
}

// defaultACS returns the IsDefault endpoint, else the first.
func (sp *ServiceProvider) defaultACS() Endpoint {
	for _, e := range sp.ACS {
		if e.IsDefault {
			return e
		}
	}
	return sp.ACS[0]
}

// acsByURL returns the registered endpoint whose Location equals loc
// exactly (no normalisation: a registered URL is matched octet for octet).
func (sp *ServiceProvider) acsByURL(loc string) (Endpoint, bool) {
	for _, e := range sp.ACS {
		if e.Location == loc {
			return e, true
		}
	}
	return Endpoint{}, false
}

func (sp *ServiceProvider) acsByIndex(i int) (Endpoint, bool) {
	for _, e := range sp.ACS {
		if e.Index == i {
			return e, true
		}
	}
	return Endpoint{}, false
}

// SingleLogout returns the SingleLogoutService to send a message to:
// the first endpoint with the preferred binding, else the first
// HTTP-Redirect one, else the first HTTP-POST one. preferred may be "".
// ok is false when the SP registered none.
func (sp *ServiceProvider) SingleLogout(preferred string) (e Endpoint, ok bool) {
	for _, b := range []string{preferred, BindingHTTPRedirect, BindingHTTPPost} {
		for _, e := range sp.SLO {
			if b != "" && e.Binding == b {
				return e, true
			}
		}
	}
	return Endpoint{}, false
}
