package metadata

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/fedgate/fedgate/idp/token"
)

// Namespaces and protocol identifiers written into the document.
const (
	NSMetadata   = "urn:oasis:names:tc:SAML:2.0:metadata"
	NSFed        = "http://docs.oasis-open.org/wsfed/federation/200706"
	NSAuth       = "http://docs.oasis-open.org/wsfed/authorization/200706"
	NSAddressing = "http://www.w3.org/2005/08/addressing"
	NSXSI        = "http://www.w3.org/2001/XMLSchema-instance"
	NSDSig       = "http://www.w3.org/2000/09/xmldsig#"

	ProtocolSAML20      = "urn:oasis:names:tc:SAML:2.0:protocol"
	BindingHTTPRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
	BindingHTTPPOST     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
	NameIDPersistent    = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	TokenTypeSAML11     = "urn:oasis:names:tc:SAML:1.0:assertion"
	TokenTypeSAML20     = "urn:oasis:names:tc:SAML:2.0:assertion"
)

const (
	stsType              = "fed:SecurityTokenServiceType"
	defaultValidFor      = 24 * time.Hour
	maxValidFor          = 30 * 24 * time.Hour
	maxDisplayNameLength = 256
)

// Config describes the federation service to publish.
type Config struct {
	// EntityID is the token issuer URI, e.g.
	// "http://sts.contoso.com/adfs/services/trust". Required.
	EntityID string
	// PassiveURL is the passive endpoint, e.g.
	// "https://sts.contoso.com/adfs/ls/". Required; must be https.
	PassiveURL string
	// MEXURL, when set, is published as fed:SecurityTokenServiceEndpoint,
	// e.g. "https://sts.contoso.com/adfs/services/trust/mex". Must be https.
	// Default: omitted.
	MEXURL string
	// DisplayName is published as the STS ServiceDisplayName attribute.
	// Default: omitted. At most 256 bytes.
	DisplayName string
	// Keys: Current signs the document; Current and Next are published as
	// signing certificates (current first).
	Keys token.KeySet
	// Algorithm signs the document. Default token.RSASHA256.
	Algorithm token.SignatureAlgorithm
	// ValidFor sets validUntil = Now + ValidFor. Default 24h, at most 30
	// days. Short values limit how long a stale document (one still listing
	// a retired certificate) is honoured by consumers that check validUntil.
	ValidFor time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Rand is the source of the document ID. Default crypto/rand.Reader.
	Rand io.Reader
}

// claimTypes are the claims fedgate issues, as offered in metadata.
var claimTypes = []struct{ uri, name, desc string }{
	{token.NSClaims + "/UPN", "UPN", "The user principal name (UPN) of the user"},
	{token.NSLiveID + "/ImmutableID", "ImmutableID", "The Microsoft Entra ID source anchor of the user"},
	{token.NSMSClaims + "/authnmethodsreferences", "Authentication methods references",
		"The authentication methods used; http://schemas.microsoft.com/claims/multipleauthn after MFA"},
	{token.NSWS2012 + "/insidecorporatenetwork", "Inside corporate network",
		"Whether the request came from inside the corporate network"},
}

func (c *Config) validate() error {
	var errs []error
	if c.EntityID == "" {
		errs = append(errs, errors.New("EntityID is empty; set it to the token issuer, e.g. http://sts.contoso.com/adfs/services/trust"))
	} else if u, err := url.Parse(c.EntityID); err != nil || u.Scheme == "" || strings.ContainsAny(c.EntityID, " \t\r\n") {
		errs = append(errs, fmt.Errorf("EntityID %q is not an absolute URI", c.EntityID))
	}
	if err := checkHTTPS("PassiveURL", c.PassiveURL, true); err != nil {
		errs = append(errs, err)
	}
	if err := checkHTTPS("MEXURL", c.MEXURL, false); err != nil {
		errs = append(errs, err)
	}
	if len(c.DisplayName) > maxDisplayNameLength || strings.ContainsFunc(c.DisplayName, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		errs = append(errs, fmt.Errorf("DisplayName must be at most %d bytes without control characters", maxDisplayNameLength))
	}
	if c.ValidFor < 0 || c.ValidFor > maxValidFor {
		errs = append(errs, fmt.Errorf("ValidFor %s is out of range; use up to %s (0 means %s)", c.ValidFor, maxValidFor, defaultValidFor))
	}
	if len(errs) > 0 {
		return fmt.Errorf("metadata: config: %w", errors.Join(errs...))
	}
	return nil
}

func checkHTTPS(field, v string, required bool) error {
	if v == "" {
		if required {
			return fmt.Errorf("%s is empty; set it to e.g. https://sts.contoso.com/adfs/ls/", field)
		}
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" || strings.ContainsAny(v, " \t\r\n") {
		return fmt.Errorf("%s %q must be an absolute https URL", field, v)
	}
	return nil
}

// Build returns the signed metadata document. See the package
// documentation for its shape.
func Build(cfg Config) ([]byte, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.ValidFor == 0 {
		cfg.ValidFor = defaultValidFor
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	signer, err := token.NewXMLSigner(cfg.Keys.Current, cfg.Algorithm, "ID")
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	id, err := token.NewID(cfg.Rand)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	certs := cfg.Keys.Certificates()
	if cfg.Keys.Next != nil && cfg.Keys.Next.Equal(cfg.Keys.Current.Cert) {
		certs = certs[:1]
	}

	ed := etree.NewElement("EntityDescriptor")
	ed.CreateAttr("xmlns", NSMetadata)
	ed.CreateAttr("ID", id)
	ed.CreateAttr("entityID", cfg.EntityID)
	ed.CreateAttr("validUntil", cfg.Now().UTC().Add(cfg.ValidFor).Format(token.TimeFormat))

	sts := ed.CreateElement("RoleDescriptor")
	sts.CreateAttr("xmlns:xsi", NSXSI)
	sts.CreateAttr("xmlns:fed", NSFed)
	sts.CreateAttr("xsi:type", stsType)
	sts.CreateAttr("protocolSupportEnumeration", NSFed)
	if cfg.DisplayName != "" {
		sts.CreateAttr("ServiceDisplayName", cfg.DisplayName)
	}
	addKeyDescriptors(sts, certs)
	tt := sts.CreateElement("fed:TokenTypesOffered")
	for _, typ := range []string{TokenTypeSAML11, TokenTypeSAML20} {
		tt.CreateElement("fed:TokenType").CreateAttr("Uri", typ)
	}
	ct := sts.CreateElement("fed:ClaimTypesOffered")
	for _, c := range claimTypes {
		e := ct.CreateElement("auth:ClaimType")
		e.CreateAttr("xmlns:auth", NSAuth)
		e.CreateAttr("Uri", c.uri)
		e.CreateAttr("Optional", "true")
		e.CreateElement("auth:DisplayName").SetText(c.name)
		e.CreateElement("auth:Description").SetText(c.desc)
	}
	if cfg.MEXURL != "" {
		addEndpoint(sts.CreateElement("fed:SecurityTokenServiceEndpoint"), cfg.MEXURL)
	}
	addEndpoint(sts.CreateElement("fed:PassiveRequestorEndpoint"), cfg.PassiveURL)

	// SAML 2.0 metadata §2.4.3: SSODescriptorType children come before
	// IDPSSODescriptorType's own (SingleSignOnService).
	idp := ed.CreateElement("IDPSSODescriptor")
	idp.CreateAttr("protocolSupportEnumeration", ProtocolSAML20)
	addKeyDescriptors(idp, certs)
	for _, b := range []string{BindingHTTPRedirect, BindingHTTPPOST} {
		addService(idp, "SingleLogoutService", b, cfg.PassiveURL)
	}
	for _, f := range []string{NameIDPersistent, token.NameIDUnspecified} {
		idp.CreateElement("NameIDFormat").SetText(f)
	}
	for _, b := range []string{BindingHTTPRedirect, BindingHTTPPOST} {
		addService(idp, "SingleSignOnService", b, cfg.PassiveURL)
	}

	sig, err := signer.Signature(ed)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	// SAML 2.0 metadata schema: ds:Signature is the first child.
	ed.InsertChildAt(0, sig)
	return token.MarshalElement(ed), nil
}

func addKeyDescriptors(parent *etree.Element, certs []*x509.Certificate) {
	for _, c := range certs {
		kd := parent.CreateElement("KeyDescriptor")
		kd.CreateAttr("use", "signing")
		ki := kd.CreateElement("KeyInfo")
		ki.CreateAttr("xmlns", NSDSig)
		ki.CreateElement("X509Data").CreateElement("X509Certificate").
			SetText(base64.StdEncoding.EncodeToString(c.Raw))
	}
}

func addEndpoint(parent *etree.Element, address string) {
	epr := parent.CreateElement("wsa:EndpointReference")
	epr.CreateAttr("xmlns:wsa", NSAddressing)
	epr.CreateElement("wsa:Address").SetText(address)
}

func addService(parent *etree.Element, tag, binding, location string) {
	s := parent.CreateElement(tag)
	s.CreateAttr("Binding", binding)
	s.CreateAttr("Location", location)
}
