package proxytrust

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"
)

// Certificate validity constants.
const (
	// DefaultCALifetime is the validity of a CA made by GenerateCA.
	DefaultCALifetime = 10 * 365 * 24 * time.Hour
	// DefaultCertLifetime is the validity of a proxy certificate.
	DefaultCertLifetime = 30 * 24 * time.Hour
	// clockSkew backdates NotBefore so a proxy whose clock is slightly
	// behind accepts its new certificate at once.
	clockSkew = 5 * time.Minute
)

// CA is the proxy-trust certificate authority: a dedicated CA whose only
// job is to sign proxy client certificates. Never reuse the TLS or
// token-signing CA for it: every certificate it signs is trusted to
// assert client addresses.
type CA struct {
	cert    *x509.Certificate
	certPEM []byte
	key     crypto.Signer
}

// GenerateCA creates a self-signed ECDSA P-256 CA valid from now for
// DefaultCALifetime, restricted to signing end-entity certificates
// (MaxPathLen 0). It returns the certificate and the PKCS#8 private key
// in PEM form. The key is the farm's proxy-trust secret: store it readable
// by fedgate only.
func GenerateCA(commonName string, now time.Time, rnd io.Reader) (certPEM, keyPEM []byte, err error) {
	if commonName == "" {
		commonName = "fedgate proxy trust CA"
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return nil, nil, fmt.Errorf("proxytrust: generate CA key: %w", err)
	}
	serial, err := randomSerial(rnd)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(DefaultCALifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rnd, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("proxytrust: create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("proxytrust: parse CA certificate: %w", err)
	}
	keyPEM, err = MarshalPrivateKeyPEM(key)
	if err != nil {
		return nil, nil, err
	}
	return CertificatePEM(cert), keyPEM, nil
}

// ParseCACertificate parses and checks a proxy-trust CA certificate: it
// must be a CA allowed to sign certificates. It is all a node needs to
// verify proxies ([Verifier]); signing also needs the key ([ParseCA]).
func ParseCACertificate(certPEM []byte) (*x509.Certificate, error) {
	certs, err := ParseCertificatesPEM(certPEM)
	if err != nil {
		return nil, err
	}
	if len(certs) != 1 {
		return nil, fmt.Errorf("proxytrust: the CA file holds %d certificates; it must hold exactly the proxy-trust CA", len(certs))
	}
	c := certs[0]
	if !c.BasicConstraintsValid || !c.IsCA || c.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, errors.New("proxytrust: the certificate is not a CA (basic constraints CA:TRUE and keyCertSign are required)")
	}
	return c, nil
}

// ParseCA parses the CA certificate and its private key (PEM) and checks
// that they belong together.
func ParseCA(certPEM, keyPEM []byte) (*CA, error) {
	cert, err := ParseCACertificate(certPEM)
	if err != nil {
		return nil, err
	}
	key, err := ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, errors.New("proxytrust: the CA private key does not match the CA certificate")
	}
	return &CA{cert: cert, certPEM: CertificatePEM(cert), key: key}, nil
}

// LoadCA reads and parses the CA certificate and key files (each at most
// MaxPEMFile bytes). Errors name the file.
func LoadCA(certFile, keyFile string) (*CA, error) {
	certPEM, err := ReadFileLimited(certFile, MaxPEMFile)
	if err != nil {
		return nil, fmt.Errorf("proxytrust: CA certificate: %w", err)
	}
	keyPEM, err := ReadFileLimited(keyFile, MaxPEMFile)
	if err != nil {
		return nil, fmt.Errorf("proxytrust: CA key: %w", err)
	}
	ca, err := ParseCA(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%w (%s, %s)", err, certFile, keyFile)
	}
	return ca, nil
}

// Certificate returns the CA certificate.
func (c *CA) Certificate() *x509.Certificate { return c.cert }

// CertificatePEM returns the CA certificate in PEM form.
func (c *CA) CertificatePEM() []byte { return append([]byte(nil), c.certPEM...) }

// sign issues a client certificate for name and pub, valid from now minus
// clockSkew for lifetime, capped at the CA's own expiry.
func (c *CA) sign(pub crypto.PublicKey, name string, now time.Time, lifetime time.Duration, rnd io.Reader) (*x509.Certificate, error) {
	if !now.Before(c.cert.NotAfter) {
		return nil, fmt.Errorf("proxytrust: the proxy-trust CA expired on %s; create a new one with `fedgate proxy-trust init-ca` and re-enroll every proxy", c.cert.NotAfter.UTC().Format(time.RFC3339))
	}
	notAfter := now.Add(lifetime)
	if notAfter.After(c.cert.NotAfter) {
		notAfter = c.cert.NotAfter
	}
	serial, err := randomSerial(rnd)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		DNSNames:              []string{name},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rnd, tmpl, c.cert, pub, c.key)
	if err != nil {
		return nil, fmt.Errorf("proxytrust: sign certificate for %s: %w", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("proxytrust: parse issued certificate: %w", err)
	}
	return cert, nil
}

// randomSerial returns a positive 127-bit serial from rnd (RFC 5280 allows
// 20 octets; CA/B rules want at least 64 random bits).
func randomSerial(rnd io.Reader) (*big.Int, error) {
	var b [16]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return nil, fmt.Errorf("proxytrust: serial randomness: %w", err)
	}
	b[0] &= 0x7f
	b[0] |= 0x40 // never zero, constant length
	return new(big.Int).SetBytes(b[:]), nil
}
