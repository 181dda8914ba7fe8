package token

import (
	"fmt"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// SignatureAlgorithm selects the XML signature and digest algorithms.
type SignatureAlgorithm string

const (
	// RSASHA256 is rsa-sha256 with a SHA-256 digest: the default and what
	// Microsoft recommends for the Office 365 relying party trust.
	RSASHA256 SignatureAlgorithm = "rsa-sha256"
	// RSASHA1 is rsa-sha1 with a SHA-1 digest. SHA-1 is deprecated; use it
	// only for a relying party that is explicitly configured for it.
	RSASHA1 SignatureAlgorithm = "rsa-sha1"
)

// SignatureMethod returns the XML-DSig SignatureMethod URI; "" means
// RSASHA256. Unknown values are an error, never a silent fallback.
func (a SignatureAlgorithm) SignatureMethod() (string, error) {
	switch a {
	case "", RSASHA256:
		return dsig.RSASHA256SignatureMethod, nil
	case RSASHA1:
		return dsig.RSASHA1SignatureMethod, nil
	default:
		return "", fmt.Errorf("token: signature algorithm %q is not supported; use %q or %q", string(a), RSASHA256, RSASHA1)
	}
}

// XMLSigner computes enveloped XML signatures (exclusive c14n, explicit
// SignatureMethod, the signing certificate in KeyInfo) with one key. It is
// safe for concurrent use; build it once and reuse it.
type XMLSigner struct {
	ctx *dsig.SigningContext
}

// NewXMLSigner returns a signer for kp. idAttribute names the attribute the
// Reference URI points at: "AssertionID" for SAML 1.1, "ID" for SAML 2.0
// assertions and metadata. alg "" means RSASHA256.
func NewXMLSigner(kp KeyPair, alg SignatureAlgorithm, idAttribute string) (*XMLSigner, error) {
	if err := kp.Validate(); err != nil {
		return nil, err
	}
	if idAttribute == "" {
		return nil, fmt.Errorf("token: XML signer needs an ID attribute name")
	}
	method, err := alg.SignatureMethod()
	if err != nil {
		return nil, err
	}
	ctx, err := dsig.NewSigningContext(kp.Signer, [][]byte{kp.Cert.Raw})
	if err != nil {
		return nil, fmt.Errorf("token: signing context: %w", err)
	}
	ctx.IdAttribute = idAttribute
	ctx.Prefix = dsig.DefaultPrefix
	// Exclusive c14n with an empty prefix list (no InclusiveNamespaces
	// element), as AD FS emits; see excC14N for why it is our own.
	ctx.Canonicalizer = excC14N{}
	if err := ctx.SetSignatureMethod(method); err != nil {
		return nil, fmt.Errorf("token: signature method: %w", err)
	}
	return &XMLSigner{ctx: ctx}, nil
}

// Signature returns a ds:Signature element over el (which must carry the ID
// attribute) with the enveloped-signature and exc-c14n transforms. el is not
// modified; the caller places the signature where its schema wants it (last
// child for SAML 1.1, after Issuer for SAML 2.0, first child for metadata).
// Anything changed in el afterwards invalidates the signature.
func (s *XMLSigner) Signature(el *etree.Element) (*etree.Element, error) {
	if el.SelectAttrValue(s.ctx.IdAttribute, "") == "" {
		return nil, fmt.Errorf("token: element %s has no %s attribute to reference", el.FullTag(), s.ctx.IdAttribute)
	}
	sig, err := s.ctx.ConstructSignature(el, true)
	if err != nil {
		return nil, fmt.Errorf("token: sign %s: %w", el.FullTag(), err)
	}
	return sig, nil
}
