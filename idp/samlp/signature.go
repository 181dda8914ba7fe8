package samlp

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // RSA-SHA1 only for SPs configured for it.
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/fedgate/fedgate/idp/token"
)

const maxSignatureParam = 4096

// rawQuery keeps each parameter's raw (still URL-encoded) value.
type rawQuery map[string]string

// splitQuery splits a raw query, refusing repeated SAML parameters (which
// would let the signed and the used value differ).
func splitQuery(raw string) (rawQuery, error) {
	q := rawQuery{}
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, fmt.Errorf("samlp: query parameter name: %w: %w", err, ErrInvalidRequest)
		}
		switch key {
		case paramRequest, paramResponse, "RelayState", "SigAlg", "Signature":
			if _, dup := q[key]; dup {
				return nil, fmt.Errorf("samlp: query parameter %s repeated: %w", key, ErrInvalidRequest)
			}
			q[key] = v
		}
	}
	return q, nil
}

// value returns the decoded parameter.
func (q rawQuery) value(key string) (string, bool) {
	raw, ok := q[key]
	if !ok {
		return "", false
	}
	v, err := url.QueryUnescape(raw)
	if err != nil {
		return "", false
	}
	return v, true
}

// verifyRedirect checks the query-string signature of saml-bindings
// §3.4.4.1 over "SAMLRequest=…&RelayState=…&SigAlg=…" (SAMLResponse=…
// for a response; param names it) in that order, with the original
// URL-encoded values, against the SP's certificates only. As for the POST
// binding (goxmldsig), a certificate is used only within its validity
// period at now.
func verifyRedirect(q rawQuery, param string, sp *ServiceProvider, now time.Time) error {
	sigAlg, okAlg := q.value("SigAlg")
	sigB64, _ := q.value("Signature")
	if !okAlg || len(sigB64) > maxSignatureParam {
		return fmt.Errorf("samlp: redirect: SigAlg missing or Signature oversized: %w", ErrBadSignature)
	}
	var h crypto.Hash
	switch {
	case sigAlg == dsig.RSASHA256SignatureMethod:
		h = crypto.SHA256
	case sigAlg == dsig.RSASHA1SignatureMethod && sp.SignatureAlgorithm == token.RSASHA1:
		h = crypto.SHA1
	default:
		return fmt.Errorf("samlp: redirect: SigAlg %q is not accepted for %q: %w", sigAlg, sp.EntityID, ErrBadSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return fmt.Errorf("samlp: redirect: Signature is not base64: %w", ErrBadSignature)
	}
	signed := param + "=" + q[param]
	if rs, ok := q["RelayState"]; ok {
		signed += "&RelayState=" + rs
	}
	signed += "&SigAlg=" + q["SigAlg"]
	var digest []byte
	if h == crypto.SHA256 {
		d := sha256.Sum256([]byte(signed))
		digest = d[:]
	} else {
		d := sha1.Sum([]byte(signed)) //nolint:gosec // see import
		digest = d[:]
	}
	expired := 0
	for _, c := range sp.SigningCerts {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			expired++
			continue
		}
		pub, ok := c.PublicKey.(*rsa.PublicKey)
		if ok && rsa.VerifyPKCS1v15(pub, h, digest, sig) == nil {
			return nil
		}
	}
	return fmt.Errorf("samlp: redirect: signature does not verify with the %d certificate(s) of %q (%d outside their validity period): %w",
		len(sp.SigningCerts), sp.EntityID, expired, ErrBadSignature)
}

// verifyEnveloped validates the enveloped signature on root with the SP's
// certificates and returns the signed element, the only one callers may
// read from. goxmldsig checks that the Reference URI is "#"+root/@ID, so a
// signature over some other (moved) element does not validate root.
func (idp *IdP) verifyEnveloped(root *etree.Element, sp *ServiceProvider) (*etree.Element, error) {
	store := &dsig.MemoryX509CertificateStore{Roots: sp.SigningCerts}
	ctx := dsig.NewDefaultValidationContext(store)
	ctx.IdAttribute = "ID"
	ctx.Clock = dsig.NewFakeClockAt(idp.cfg.Now())
	sm := root.FindElement("./Signature/SignedInfo/SignatureMethod")
	if sm == nil {
		return nil, fmt.Errorf("samlp: post: signature has no SignatureMethod: %w", ErrBadSignature)
	}
	switch alg := sm.SelectAttrValue("Algorithm", ""); {
	case alg == dsig.RSASHA256SignatureMethod:
	case alg == dsig.RSASHA1SignatureMethod && sp.SignatureAlgorithm == token.RSASHA1:
	default:
		return nil, fmt.Errorf("samlp: post: SignatureMethod %q is not accepted for %q: %w", alg, sp.EntityID, ErrBadSignature)
	}
	el, err := ctx.Validate(root)
	if err != nil {
		return nil, fmt.Errorf("samlp: post: %w: %w", err, ErrBadSignature)
	}
	return el, nil
}
