package metadata

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
	xrv "github.com/mattermost/xml-roundtrip-validator"
)

// Parser limits.
const (
	// MaxDocumentBytes bounds the document ParseSigningCertificates reads:
	// 1 MiB. AD FS metadata is about 60 KiB.
	MaxDocumentBytes = 1 << 20
	// MaxCertificates bounds the signing certificates returned.
	MaxCertificates = 16
	// maxCertBase64 bounds one X509Certificate element's text.
	maxCertBase64 = 64 << 10
)

// ErrNoSigningCertificate is returned when the document names no signing
// certificate.
var ErrNoSigningCertificate = errors.New("metadata: no signing certificate found")

// ParseSigningCertificates reads a federation metadata document and returns
// its entityID, the passive endpoint (fed:PassiveRequestorEndpoint address
// of the STS RoleDescriptor, "" if absent) and its signing certificates in
// document order without duplicates.
//
// Certificates come from the KeyDescriptors (use="signing" or no use) of
// the fed:SecurityTokenServiceType RoleDescriptor, or, when the document
// has none, of the IDPSSODescriptor.
//
// The input is limited to MaxDocumentBytes, must not contain a DTD, and
// must pass xml-roundtrip-validator before it is parsed. The document's
// signature is NOT verified (see the package documentation): the caller
// decides whether to trust the certificates.
func ParseSigningCertificates(doc []byte) (entityID string, passiveURL string, certs []*x509.Certificate, err error) {
	root, err := parseDocument(doc)
	if err != nil {
		return "", "", nil, err
	}
	if root.Tag != "EntityDescriptor" || root.NamespaceURI() != NSMetadata {
		return "", "", nil, fmt.Errorf("metadata: root element is {%s}%s; expected an EntityDescriptor in %s", root.NamespaceURI(), root.Tag, NSMetadata)
	}
	entityID = strings.TrimSpace(root.SelectAttrValue("entityID", ""))
	if entityID == "" {
		return "", "", nil, errors.New("metadata: EntityDescriptor has no entityID")
	}

	var sts, idp *etree.Element
	for _, el := range root.ChildElements() {
		switch {
		case is(el, NSMetadata, "RoleDescriptor") && sts == nil && isSTS(el):
			sts = el
		case is(el, NSMetadata, "IDPSSODescriptor") && idp == nil:
			idp = el
		}
	}
	if addr := first(first(first(sts, NSFed, "PassiveRequestorEndpoint"),
		NSAddressing, "EndpointReference"), NSAddressing, "Address"); addr != nil {
		passiveURL = strings.TrimSpace(addr.Text())
	}
	source := sts
	if source == nil || len(children(source, NSMetadata, "KeyDescriptor")) == 0 {
		source = idp
	}
	if source != nil {
		certs, err = signingCertificates(source)
		if err != nil {
			return "", "", nil, err
		}
	}
	if len(certs) == 0 {
		return "", "", nil, ErrNoSigningCertificate
	}
	return entityID, passiveURL, certs, nil
}

// parseDocument applies the size limit, DTD refusal and round-trip
// validation, then parses.
func parseDocument(doc []byte) (*etree.Element, error) {
	if len(doc) > MaxDocumentBytes {
		return nil, fmt.Errorf("metadata: document is %d bytes; the limit is %d", len(doc), MaxDocumentBytes)
	}
	if upper := bytes.ToUpper(doc); bytes.Contains(upper, []byte("<!DOCTYPE")) || bytes.Contains(upper, []byte("<!ENTITY")) {
		return nil, errors.New("metadata: document contains a DTD; DTDs are refused")
	}
	if err := xrv.Validate(bytes.NewReader(doc)); err != nil {
		return nil, fmt.Errorf("metadata: document does not survive an XML round trip: %w", err)
	}
	d := etree.NewDocument()
	if err := d.ReadFromBytes(doc); err != nil {
		return nil, fmt.Errorf("metadata: parse: %w", err)
	}
	root := d.Root()
	if root == nil {
		return nil, errors.New("metadata: document has no root element")
	}
	if err := refuseDirectives(&d.Element); err != nil {
		return nil, err
	}
	return root, nil
}

func refuseDirectives(el *etree.Element) error {
	for _, tok := range el.Child {
		switch t := tok.(type) {
		case *etree.Directive:
			return errors.New("metadata: document contains a <!…> declaration; DTDs are refused")
		case *etree.Element:
			if err := refuseDirectives(t); err != nil {
				return err
			}
		}
	}
	return nil
}

func signingCertificates(role *etree.Element) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, kd := range children(role, NSMetadata, "KeyDescriptor") {
		if use := kd.SelectAttrValue("use", ""); use != "" && use != "signing" {
			continue
		}
		for _, ki := range children(kd, NSDSig, "KeyInfo") {
			for _, xd := range children(ki, NSDSig, "X509Data") {
				for _, xc := range children(xd, NSDSig, "X509Certificate") {
					cert, err := parseCert(xc.Text())
					if err != nil {
						return nil, err
					}
					if !containsCert(out, cert) {
						if len(out) == MaxCertificates {
							return nil, fmt.Errorf("metadata: more than %d signing certificates", MaxCertificates)
						}
						out = append(out, cert)
					}
				}
			}
		}
	}
	return out, nil
}

func parseCert(text string) (*x509.Certificate, error) {
	if len(text) > maxCertBase64 {
		return nil, fmt.Errorf("metadata: X509Certificate is %d bytes; the limit is %d", len(text), maxCertBase64)
	}
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, text)
	der, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return nil, fmt.Errorf("metadata: X509Certificate is not base64: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("metadata: X509Certificate: %w", err)
	}
	return cert, nil
}

func containsCert(list []*x509.Certificate, c *x509.Certificate) bool {
	for _, x := range list {
		if x.Equal(c) {
			return true
		}
	}
	return false
}

// isSTS reports whether a RoleDescriptor's xsi:type is
// fed:SecurityTokenServiceType, resolving both QName prefixes.
func isSTS(el *etree.Element) bool {
	for _, a := range el.Attr {
		if a.Key != "type" || a.Space == "" || lookupPrefix(el, a.Space) != NSXSI {
			continue
		}
		prefix, local, ok := strings.Cut(strings.TrimSpace(a.Value), ":")
		if !ok {
			prefix, local = "", prefix
		}
		return local == "SecurityTokenServiceType" && lookupPrefix(el, prefix) == NSFed
	}
	return false
}

// lookupPrefix resolves a namespace prefix ("" = default) at el.
func lookupPrefix(el *etree.Element, prefix string) string {
	for ; el != nil; el = el.Parent() {
		for _, a := range el.Attr {
			if (prefix == "" && a.Space == "" && a.Key == "xmlns") || (prefix != "" && a.Space == "xmlns" && a.Key == prefix) {
				return a.Value
			}
		}
	}
	return ""
}

func is(el *etree.Element, ns, local string) bool {
	return el.Tag == local && el.NamespaceURI() == ns
}

func children(el *etree.Element, ns, local string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if is(c, ns, local) {
			out = append(out, c)
		}
	}
	return out
}

// first returns the first child of el named {ns}local; nil if el is nil or
// has none.
func first(el *etree.Element, ns, local string) *etree.Element {
	if el == nil {
		return nil
	}
	for _, c := range el.ChildElements() {
		if is(c, ns, local) {
			return c
		}
	}
	return nil
}
