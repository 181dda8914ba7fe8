package samlp

// This is the only file that imports github.com/crewjam/saml (G9).
// xmlenc draws the content key, IVs and OAEP seeds from the package-level
// xmlenc.RandReader, which is crypto/rand.Reader; fedgate never replaces it,
// so encrypted assertions cannot be made deterministic and are not golden-
// tested byte for byte.

import (
	"crypto/rsa"
	"crypto/x509"
	"fmt"

	"github.com/beevik/etree"
	"github.com/crewjam/saml/xmlenc"
)

// encryptAssertion wraps the serialised signed assertion in an
// xenc:EncryptedData with RSA-OAEP (MGF1-SHA1, SHA-1 digest: the
// combination every XML Encryption 1.0 recipient supports; OAEP's hash is
// not a signature hash) key transport to cert.
func encryptAssertion(plaintext []byte, cert *x509.Certificate, enc Encryption) (*etree.Element, error) {
	if _, ok := cert.PublicKey.(*rsa.PublicKey); !ok {
		return nil, fmt.Errorf("samlp: encryption certificate %q has no RSA key: %w", cert.Subject.CommonName, ErrConfig)
	}
	e := xmlenc.OAEP()
	e.DigestMethod = xmlenc.SHA1
	switch enc {
	case "", AES256GCM:
		e.BlockCipher = xmlenc.AES256GCM
	case AES128CBC:
		e.BlockCipher = xmlenc.AES128CBC
	default:
		return nil, fmt.Errorf("samlp: encryption %q: %w", enc, ErrConfig)
	}
	el, err := e.Encrypt(cert, plaintext, nil)
	if err != nil {
		return nil, fmt.Errorf("samlp: encrypt assertion: %w", err)
	}
	el.CreateAttr("Type", "http://www.w3.org/2001/04/xmlenc#Element")
	return el, nil
}
