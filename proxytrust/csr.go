package proxytrust

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
)

// MaxCSRBytes bounds a certificate signing request, PEM or DER, in bytes.
const MaxCSRBytes = 16 << 10

// Accepted RSA modulus sizes in CSRs, in bits.
const (
	minRSABits = 2048
	maxRSABits = 8192
)

// ParseCSR parses a PKCS#10 certificate signing request in DER or PEM
// ("CERTIFICATE REQUEST") form, checks its self-signature (proof that the
// sender holds the private key) and its key type: ECDSA P-256 or P-384,
// Ed25519, or RSA of 2048 to 8192 bits. Only the public key is used by the
// authority; subject, extensions and attributes are ignored.
func ParseCSR(data []byte) (*x509.CertificateRequest, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty body; send a PKCS#10 request", ErrInvalidCSR)
	}
	if len(data) > MaxCSRBytes {
		return nil, fmt.Errorf("%w: %d bytes; the limit is %d", ErrInvalidCSR, len(data), MaxCSRBytes)
	}
	der := data
	if trimmed := bytes.TrimSpace(data); bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		b, rest := pem.Decode(trimmed)
		if b == nil || b.Type != "CERTIFICATE REQUEST" {
			return nil, fmt.Errorf("%w: want one PEM CERTIFICATE REQUEST block", ErrInvalidCSR)
		}
		if len(bytes.TrimSpace(rest)) != 0 {
			return nil, fmt.Errorf("%w: data after the PEM block", ErrInvalidCSR)
		}
		der = b.Bytes
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCSR, err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrInvalidCSR, err)
	}
	if err := checkPublicKey(csr.PublicKey); err != nil {
		return nil, err
	}
	return csr, nil
}

func checkPublicKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return fmt.Errorf("%w: ECDSA curve %s is not accepted; use P-256 or P-384", ErrInvalidCSR, k.Curve.Params().Name)
		}
	case ed25519.PublicKey:
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < minRSABits || n > maxRSABits {
			return fmt.Errorf("%w: RSA key of %d bits; use %d to %d", ErrInvalidCSR, n, minRSABits, maxRSABits)
		}
	default:
		return fmt.Errorf("%w: key type %T is not accepted", ErrInvalidCSR, pub)
	}
	return nil
}

// NewKey generates the proxy's private key: ECDSA P-256. It is generated
// where it is used and never leaves the proxy. (Since Go 1.26 key
// generation draws from the system's secure source and ignores rnd unless
// GODEBUG=cryptocustomrand=1.)
func NewKey(rnd io.Reader) (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return nil, fmt.Errorf("proxytrust: generate key: %w", err)
	}
	return k, nil
}

// NewCSR returns a DER PKCS#10 request for key. The subject is empty: the
// authority takes the name from the enrollment token or the current
// certificate, never from the request.
func NewCSR(key crypto.Signer, rnd io.Reader) ([]byte, error) {
	der, err := x509.CreateCertificateRequest(rnd, &x509.CertificateRequest{}, key)
	if err != nil {
		return nil, fmt.Errorf("proxytrust: create CSR: %w", err)
	}
	return der, nil
}
