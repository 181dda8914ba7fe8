package o365

import (
	"crypto/x509"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// verifySignature checks the element's enveloped signature (its Reference
// names the element by idAttr: AssertionID in SAML 1.1, ID in SAML 2.0)
// against certs,
// the federation's stored signing certificates, and returns the element
// goxmldsig reconstructed from the signed bytes. Callers must read every claim
// from that element, never from assertion.
//
// The certificate in KeyInfo is never trusted on its own: goxmldsig accepts
// it only if it equals one of certs, and checks its validity period at now.
func verifySignature(assertion *etree.Element, certs []*x509.Certificate, now time.Time, idAttr string) (*etree.Element, error) {
	const reason = "signature does not verify against the federation's signing certificate"
	if err := checkAlgorithms(assertion, idAttr); err != nil {
		return nil, err
	}
	// Detach with every in-scope namespace declaration so a prefix declared
	// on the RSTR still resolves once the assertion stands alone.
	nsCtx, err := etreeutils.NSBuildParentContext(assertion)
	if err != nil {
		return nil, reject(err, reason)
	}
	detached, err := etreeutils.NSDetatch(nsCtx, assertion)
	if err != nil {
		return nil, reject(err, reason)
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: certs})
	vc.IdAttribute = idAttr
	vc.Clock = dsig.NewFakeClockAt(now)
	verified, err := vc.Validate(detached)
	if err != nil {
		return nil, reject(err, reason)
	}
	return verified, nil
}

// checkAlgorithms refuses signature and digest algorithms Entra does not
// accept before any cryptography runs. Values are read from the unverified
// signature; Validate then proves the SignedInfo carrying them is authentic.
func checkAlgorithms(assertion *etree.Element, idAttr string) error {
	sig := childrenNamed(assertion, nsDSig, "Signature")[0]
	infos := childrenNamed(sig, nsDSig, "SignedInfo")
	if len(infos) != 1 {
		return reject(nil, "ds:Signature must hold exactly one ds:SignedInfo")
	}
	methods := childrenNamed(infos[0], nsDSig, "SignatureMethod")
	if len(methods) != 1 {
		return reject(nil, "ds:SignedInfo must hold exactly one ds:SignatureMethod")
	}
	if alg, _ := attr(methods[0], "Algorithm"); !allowedSignatureMethods[alg] {
		return reject(nil, "signature algorithm %s is not accepted; use rsa-sha256 (or rsa-sha1)", q(alg))
	}
	refs := childrenNamed(infos[0], nsDSig, "Reference")
	if len(refs) != 1 {
		return reject(nil, "ds:SignedInfo holds %d ds:Reference elements; want exactly 1 (#%s)", len(refs), idAttr)
	}
	id, _ := attr(assertion, idAttr)
	if uri, _ := attr(refs[0], "URI"); id == "" || uri != "#"+id {
		return reject(nil, "ds:Reference URI %s does not point at the assertion's %s %s", q(uri), idAttr, q(id))
	}
	for _, dm := range childrenNamed(refs[0], nsDSig, "DigestMethod") {
		if alg, _ := attr(dm, "Algorithm"); !allowedDigestMethods[alg] {
			return reject(nil, "digest algorithm %s is not accepted; use sha256 (or sha1)", q(alg))
		}
	}
	return nil
}
