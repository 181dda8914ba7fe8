package samlp

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/fedgate/fedgate/idp/internal/xmlin"
	"github.com/fedgate/fedgate/idp/token"
)

// ErrMetadata is wrapped by every ParseSPMetadata error that is about the
// document's content (as opposed to xmlin's size, encoding and DTD errors,
// which are wrapped as they are).
var ErrMetadata = errors.New("samlp: unusable SP metadata")

// Limits on SP metadata (saml-metadata). One SP's descriptor is a few KiB;
// the caps bound the work an imported file can cause.
const (
	// MaxMetadataBytes bounds an SP metadata document.
	MaxMetadataBytes = 256 << 10
	maxMetaACS       = 32
	maxMetaSLO       = 16
	maxMetaKeys      = 16
	maxMetaNameIDs   = 16
	maxCertB64       = 16 << 10
	maxURLLen        = 2048
	minRSABits       = 2048
)

const (
	nsMetadata = "urn:oasis:names:tc:SAML:2.0:metadata"
	protoSAML2 = "urn:oasis:names:tc:SAML:2.0:protocol"

	encAES256GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
	encAES128CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
	// keyRSAOAEP is the key transport crewjam's xmlenc.OAEP() writes.
	keyRSAOAEP = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
)

// knownACSBindings are the AssertionConsumerService bindings real SP
// metadata lists besides HTTP-POST (Shibboleth lists all of them, mellon
// Artifact and PAOS). They are skipped, not registered; any other binding
// URI is refused as a likely typo.
var knownACSBindings = map[string]bool{
	BindingHTTPRedirect: true,
	"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST-SimpleSign": true,
	"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact":        true,
	"urn:oasis:names:tc:SAML:2.0:bindings:PAOS":                 true,
	"urn:oasis:names:tc:SAML:2.0:bindings:SOAP":                 true,
	"urn:oasis:names:tc:SAML:1.0:profiles:browser-post":         true,
	"urn:oasis:names:tc:SAML:1.0:profiles:artifact-01":          true,
}

// knownBlockCiphers are XML Encryption block-cipher URIs an SP may list in
// md:EncryptionMethod; other URIs there (key transport, digests) are not
// block ciphers.
var knownBlockCiphers = map[string]bool{
	encAES256GCM: true,
	encAES128CBC: true,
	"http://www.w3.org/2009/xmlenc11#aes128-gcm":     true,
	"http://www.w3.org/2009/xmlenc11#aes192-gcm":     true,
	"http://www.w3.org/2001/04/xmlenc#aes192-cbc":    true,
	"http://www.w3.org/2001/04/xmlenc#aes256-cbc":    true,
	"http://www.w3.org/2001/04/xmlenc#tripledes-cbc": true,
}

var knownKeyTransports = map[string]bool{
	keyRSAOAEP: true,
	"http://www.w3.org/2009/xmlenc11#rsa-oaep": true,
	"http://www.w3.org/2001/04/xmlenc#rsa-1_5": true,
}

// ParseSPMetadata reads the SAML 2.0 metadata of one service provider (an
// md:EntityDescriptor with one md:SPSSODescriptor) into a validated
// ServiceProvider. The document goes through xmlin (size, DTD and
// round-trip checks) before anything is read from it.
//
// What it takes from the descriptor:
//   - entityID → EntityID.
//   - AssertionConsumerService with the HTTP-POST binding → ACS (binding,
//     location, index, isDefault). Locations must be https (http only for
//     loopback hosts). ACS entries with other standard bindings (Artifact,
//     PAOS, POST-SimpleSign, SAML 1.x) are skipped; an unknown binding, a
//     missing or repeated index, or no HTTP-POST entry at all is an error.
//     The default endpoint follows saml-metadata §2.2.3: the first
//     isDefault="true", else the first without isDefault, else the first.
//   - KeyDescriptor use="signing" (or no use) → SigningCerts;
//     use="encryption" (or no use) → the first becomes EncryptionCert, and
//     its md:EncryptionMethod list selects Encryption (AES256GCM when listed
//     or when nothing is listed, else AES128CBC; an SP listing neither, or
//     listing key transports without RSA-OAEP-MGF1P, is refused). Keys must
//     be RSA of at least 2048 bits; certificate validity dates are not
//     checked (metadata certificates are key carriers).
//   - SingleLogoutService with the HTTP-Redirect or HTTP-POST binding →
//     SLO (binding, Location, ResponseLocation; same URL rules as ACS).
//     SOAP, Artifact and other standard bindings are skipped, an unknown
//     binding is an error; none at all leaves the SP out of single logout.
//   - AuthnRequestsSigned → RequireSignedRequests.
//   - WantAssertionsSigned is checked to be an xs:boolean; fedgate always
//     signs assertions, so it is always satisfied.
//   - the first NameIDFormat → NameIDFormat (default persistent). It is
//     not StrictNameIDFormat: the SP may still ask for transient.
//
// The result signs both the Response and the assertion with RSA-SHA256
// (SignResponse true: node-saml and other strict SPs require a signed
// Response by default; every SP accepts one). A ds:Signature on the
// metadata is not verified: trust in the file comes from the
// administrator who imports it.
func ParseSPMetadata(doc []byte) (*ServiceProvider, error) {
	if len(doc) > MaxMetadataBytes {
		return nil, fmt.Errorf("samlp: metadata is %d bytes; the limit is %d: %w", len(doc), MaxMetadataBytes, xmlin.ErrTooLarge)
	}
	d, err := xmlin.Parse(doc)
	if err != nil {
		return nil, fmt.Errorf("samlp: metadata: %w", err)
	}
	root := d.Root()
	if root.NamespaceURI() != nsMetadata || root.Tag != "EntityDescriptor" {
		if root.NamespaceURI() == nsMetadata && root.Tag == "EntitiesDescriptor" {
			return nil, metaErr("document is an EntitiesDescriptor (a federation aggregate); export the metadata of the single service provider")
		}
		return nil, metaErr("root element is {%s}%s, not md:EntityDescriptor", root.NamespaceURI(), root.Tag)
	}
	entityID := root.SelectAttrValue("entityID", "")
	if err := checkURI("entityID", entityID, maxIssuer); err != nil {
		return nil, err
	}
	spsso, err := singleSPSSO(root)
	if err != nil {
		return nil, err
	}
	if !hasToken(spsso.SelectAttrValue("protocolSupportEnumeration", ""), protoSAML2) {
		return nil, metaErr("SPSSODescriptor protocolSupportEnumeration does not list %s", protoSAML2)
	}
	sp := &ServiceProvider{
		EntityID:           entityID,
		SignResponse:       true,
		SignatureAlgorithm: token.RSASHA256,
	}
	if sp.RequireSignedRequests, err = metaBool(spsso, "AuthnRequestsSigned"); err != nil {
		return nil, err
	}
	if _, err := metaBool(spsso, "WantAssertionsSigned"); err != nil {
		return nil, err
	}
	if err := readKeyDescriptors(spsso, sp); err != nil {
		return nil, err
	}
	if sp.ACS, err = readACS(spsso); err != nil {
		return nil, err
	}
	if sp.SLO, err = readSLO(spsso); err != nil {
		return nil, err
	}
	if sp.NameIDFormat, err = readNameIDFormat(spsso); err != nil {
		return nil, err
	}
	if sp.RequireSignedRequests && len(sp.SigningCerts) == 0 {
		return nil, metaErr("AuthnRequestsSigned is true but no signing KeyDescriptor carries a certificate")
	}
	if err := sp.Validate(); err != nil {
		return nil, fmt.Errorf("samlp: metadata: %w: %w", err, ErrMetadata)
	}
	return sp, nil
}

func metaErr(format string, args ...any) error {
	return fmt.Errorf("samlp: metadata: "+format+": %w", append(args, ErrMetadata)...)
}

// mdChildren returns the children of el named {md}tag.
func mdChildren(el *etree.Element, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == nsMetadata {
			out = append(out, c)
		}
	}
	return out
}

func singleSPSSO(root *etree.Element) (*etree.Element, error) {
	sps := mdChildren(root, "SPSSODescriptor")
	switch {
	case len(sps) == 1:
		return sps[0], nil
	case len(sps) > 1:
		return nil, metaErr("%d SPSSODescriptor elements; exactly one is supported", len(sps))
	case len(mdChildren(root, "IDPSSODescriptor")) > 0:
		return nil, metaErr("this is identity provider metadata (IDPSSODescriptor); import the service provider's metadata")
	default:
		return nil, metaErr("no SPSSODescriptor")
	}
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if f == tok {
			return true
		}
	}
	return false
}

// metaBool reads an optional xs:boolean attribute (default false).
func metaBool(el *etree.Element, name string) (bool, error) {
	switch v := strings.TrimSpace(el.SelectAttrValue(name, "false")); v {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	default:
		return false, metaErr("%s %s=%q is not an xs:boolean (true, false, 1, 0)", el.Tag, name, v)
	}
}

// checkURI bounds an identifier: non-empty, at most max bytes, no
// surrounding whitespace or control characters.
func checkURI(what, v string, max int) error {
	if v == "" || len(v) > max || strings.TrimSpace(v) != v {
		return metaErr("%s must be 1..%d characters without surrounding whitespace", what, max)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return metaErr("%s contains a control character", what)
		}
	}
	return nil
}

// metaText returns the element's character data, ignoring comments and
// refusing child elements.
func metaText(el *etree.Element) (string, error) {
	var b strings.Builder
	for _, c := range el.Child {
		switch t := c.(type) {
		case *etree.CharData:
			b.WriteString(t.Data)
		case *etree.Comment:
		default:
			return "", metaErr("%s must contain only text", el.Tag)
		}
	}
	return strings.TrimSpace(b.String()), nil
}

func readKeyDescriptors(spsso *etree.Element, sp *ServiceProvider) error {
	kds := mdChildren(spsso, "KeyDescriptor")
	if len(kds) > maxMetaKeys {
		return metaErr("%d KeyDescriptor elements; the limit is %d", len(kds), maxMetaKeys)
	}
	for i, kd := range kds {
		use := kd.SelectAttrValue("use", "")
		if use != "" && use != "signing" && use != "encryption" {
			return metaErr("KeyDescriptor[%d] use=%q; use signing, encryption or omit it", i, use)
		}
		cert, err := keyDescriptorCert(kd, i)
		if err != nil {
			return err
		}
		if use != "encryption" && !containsCert(sp.SigningCerts, cert) {
			sp.SigningCerts = append(sp.SigningCerts, cert)
		}
		if use != "signing" && sp.EncryptionCert == nil {
			enc, err := selectEncryption(kd, i)
			if err != nil {
				return err
			}
			sp.EncryptionCert, sp.Encryption = cert, enc
		}
	}
	return nil
}

// keyDescriptorCert returns the single ds:X509Certificate of a
// KeyDescriptor (KeyName and X509SubjectName siblings are ignored).
func keyDescriptorCert(kd *etree.Element, i int) (*x509.Certificate, error) {
	var found []*etree.Element
	for _, ki := range kd.ChildElements() {
		if ki.Tag != "KeyInfo" || ki.NamespaceURI() != nsDSig {
			continue
		}
		for _, xd := range ki.ChildElements() {
			if xd.Tag != "X509Data" || xd.NamespaceURI() != nsDSig {
				continue
			}
			for _, c := range xd.ChildElements() {
				if c.Tag == "X509Certificate" && c.NamespaceURI() == nsDSig {
					found = append(found, c)
				}
			}
		}
	}
	if len(found) != 1 {
		return nil, metaErr("KeyDescriptor[%d] has %d ds:KeyInfo/ds:X509Data/ds:X509Certificate elements; exactly one is required", i, len(found))
	}
	txt, err := metaText(found[0])
	if err != nil {
		return nil, err
	}
	if len(txt) > maxCertB64 {
		return nil, metaErr("KeyDescriptor[%d] certificate is %d bytes; the limit is %d", i, len(txt), maxCertB64)
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(txt), ""))
	if err != nil {
		return nil, fmt.Errorf("samlp: metadata: KeyDescriptor[%d] certificate is not base64: %w: %w", i, err, ErrMetadata)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("samlp: metadata: KeyDescriptor[%d] certificate: %w: %w", i, err, ErrMetadata)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, metaErr("KeyDescriptor[%d] certificate %q has a %T key; only RSA is supported", i, cert.Subject.CommonName, cert.PublicKey)
	}
	if pub.N.BitLen() < minRSABits {
		return nil, metaErr("KeyDescriptor[%d] certificate %q has a %d-bit RSA key; at least %d bits are required", i, cert.Subject.CommonName, pub.N.BitLen(), minRSABits)
	}
	return cert, nil
}

func containsCert(certs []*x509.Certificate, c *x509.Certificate) bool {
	for _, have := range certs {
		if bytes.Equal(have.Raw, c.Raw) {
			return true
		}
	}
	return false
}

// selectEncryption picks our block cipher from the KeyDescriptor's
// md:EncryptionMethod list (saml-metadata §2.4.1.1): no list means no
// restriction, so the default (AES-256-GCM) is used.
func selectEncryption(kd *etree.Element, i int) (Encryption, error) {
	var ciphers, transports []string
	for _, em := range mdChildren(kd, "EncryptionMethod") {
		alg := strings.TrimSpace(em.SelectAttrValue("Algorithm", ""))
		switch {
		case knownBlockCiphers[alg]:
			ciphers = append(ciphers, alg)
		case knownKeyTransports[alg]:
			transports = append(transports, alg)
		}
	}
	if len(transports) > 0 && !contains(transports, keyRSAOAEP) {
		return "", metaErr("KeyDescriptor[%d] lists key transports %v but not %s, the only one fedgate uses", i, transports, keyRSAOAEP)
	}
	switch {
	case len(ciphers) == 0 || contains(ciphers, encAES256GCM):
		return AES256GCM, nil
	case contains(ciphers, encAES128CBC):
		return AES128CBC, nil
	default:
		return "", metaErr("KeyDescriptor[%d] lists block ciphers %v; fedgate supports %s and %s", i, ciphers, encAES256GCM, encAES128CBC)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func readACS(spsso *etree.Element) ([]Endpoint, error) {
	els := mdChildren(spsso, "AssertionConsumerService")
	if len(els) > maxMetaACS {
		return nil, metaErr("%d AssertionConsumerService elements; the limit is %d", len(els), maxMetaACS)
	}
	seen := map[int]bool{}
	var out []Endpoint
	// isDefault as written: nil when absent (saml-metadata §2.2.3).
	var explicit []*bool
	for i, el := range els {
		binding := el.SelectAttrValue("Binding", "")
		idxAttr := el.SelectAttr("index")
		if idxAttr == nil {
			return nil, metaErr("AssertionConsumerService[%d] has no index attribute (it is required)", i)
		}
		idx, err := strconv.ParseUint(strings.TrimSpace(idxAttr.Value), 10, 16)
		if err != nil {
			return nil, metaErr("AssertionConsumerService[%d] index=%q is not an xs:unsignedShort", i, idxAttr.Value)
		}
		if seen[int(idx)] {
			return nil, metaErr("AssertionConsumerService index %d is used twice", idx)
		}
		seen[int(idx)] = true
		var def *bool
		if el.SelectAttr("isDefault") != nil {
			v, err := metaBool(el, "isDefault")
			if err != nil {
				return nil, err
			}
			def = &v
		}
		switch {
		case binding == BindingHTTPPost:
		case knownACSBindings[binding]:
			continue // never used: fedgate answers only by auto-POST
		default:
			return nil, metaErr("AssertionConsumerService[%d] binding %q is unknown; fedgate delivers responses with %s", i, binding, BindingHTTPPost)
		}
		loc := el.SelectAttrValue("Location", "")
		if err := checkACSLocation(loc, i); err != nil {
			return nil, err
		}
		out = append(out, Endpoint{Binding: binding, Location: loc, Index: int(idx)})
		explicit = append(explicit, def)
	}
	if len(out) == 0 {
		return nil, metaErr("no AssertionConsumerService with the %s binding; fedgate delivers responses only by POST", BindingHTTPPost)
	}
	out[defaultIndex(explicit)].IsDefault = true
	return out, nil
}

// defaultIndex applies saml-metadata §2.2.3: the first endpoint with
// isDefault="true", else the first without isDefault, else the first.
func defaultIndex(explicit []*bool) int {
	for i, d := range explicit {
		if d != nil && *d {
			return i
		}
	}
	for i, d := range explicit {
		if d == nil {
			return i
		}
	}
	return 0
}

func checkACSLocation(loc string, i int) error {
	return checkLocation(fmt.Sprintf("AssertionConsumerService[%d] Location", i), loc)
}

// checkLocation applies the endpoint URL rules to what (an element and
// attribute name for the message): absolute, https (http only for
// loopback hosts), no user information, no fragment.
func checkLocation(what, loc string) error {
	if err := checkURI(what, loc, maxURLLen); err != nil {
		return err
	}
	u, err := url.Parse(loc)
	if err != nil {
		return fmt.Errorf("samlp: metadata: %s: %w: %w", what, err, ErrMetadata)
	}
	switch {
	case !u.IsAbs() || u.Host == "" || u.Opaque != "":
		return metaErr("%s %q is not an absolute URL", what, loc)
	case u.User != nil || u.Fragment != "":
		return metaErr("%s %q must not carry user information or a fragment", what, loc)
	case u.Scheme == "https", isLoopback(u):
		return nil
	default:
		return metaErr("%s %q must be https (http is accepted only for localhost, 127.0.0.1 and ::1)", what, loc)
	}
}

// knownSLOBindings are SingleLogoutService bindings real SP metadata lists
// besides the two front-channel ones fedgate uses (Shibboleth lists SOAP
// and Artifact). They are skipped; any other binding URI is refused.
var knownSLOBindings = map[string]bool{
	"urn:oasis:names:tc:SAML:2.0:bindings:SOAP":                 true,
	"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact":        true,
	"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST-SimpleSign": true,
	"urn:oasis:names:tc:SAML:2.0:bindings:PAOS":                 true,
}

// readSLO reads the SingleLogoutService endpoints with the HTTP-Redirect
// and HTTP-POST bindings (saml-metadata §2.2.2, §2.4.2), in document
// order. Location and the optional ResponseLocation follow the ACS URL
// rules. None at all is fine: the SP then takes no part in single logout.
func readSLO(spsso *etree.Element) ([]Endpoint, error) {
	els := mdChildren(spsso, "SingleLogoutService")
	if len(els) > maxMetaSLO {
		return nil, metaErr("%d SingleLogoutService elements; the limit is %d", len(els), maxMetaSLO)
	}
	var out []Endpoint
	for i, el := range els {
		binding := el.SelectAttrValue("Binding", "")
		switch {
		case binding == BindingHTTPRedirect, binding == BindingHTTPPost:
		case knownSLOBindings[binding]:
			continue // back-channel or artifact: fedgate logs out in the browser only
		default:
			return nil, metaErr("SingleLogoutService[%d] binding %q is unknown; fedgate uses %s and %s", i, binding, BindingHTTPRedirect, BindingHTTPPost)
		}
		e := Endpoint{Binding: binding, Location: el.SelectAttrValue("Location", "")}
		if err := checkLocation(fmt.Sprintf("SingleLogoutService[%d] Location", i), e.Location); err != nil {
			return nil, err
		}
		if a := el.SelectAttr("ResponseLocation"); a != nil {
			e.ResponseLocation = a.Value
			if err := checkLocation(fmt.Sprintf("SingleLogoutService[%d] ResponseLocation", i), e.ResponseLocation); err != nil {
				return nil, err
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func readNameIDFormat(spsso *etree.Element) (string, error) {
	els := mdChildren(spsso, "NameIDFormat")
	if len(els) > maxMetaNameIDs {
		return "", metaErr("%d NameIDFormat elements; the limit is %d", len(els), maxMetaNameIDs)
	}
	if len(els) == 0 {
		return "", nil
	}
	f, err := metaText(els[0])
	if err != nil {
		return "", err
	}
	if err := checkURI("NameIDFormat", f, 256); err != nil {
		return "", err
	}
	return f, nil
}
