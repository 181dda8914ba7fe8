package token

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"
)

// MinRSABits is the smallest RSA modulus accepted for a token-signing key.
const MinRSABits = 2048

// maxPEMBytes bounds each PEM input to LoadKeyPairPEM. A certificate or an
// RSA-8192 key is under 7 KiB; anything larger is not a key file, and
// bounding the size bounds the cost of validating a hostile key.
const maxPEMBytes = 16 << 10

// KeyPair is one token-signing key and its certificate.
type KeyPair struct {
	// Signer signs token digests. It must be an RSA key (*rsa.PrivateKey, or
	// an HSM-backed crypto.Signer whose Public() is *rsa.PublicKey) of at
	// least MinRSABits bits, matching Cert's public key.
	Signer crypto.Signer
	// Cert is the (usually self-signed) token-signing certificate. Relying
	// parties pin it; its validity dates are informational to them.
	Cert *x509.Certificate
}

// KeySet is the key material the STS publishes and signs with.
type KeySet struct {
	// Current signs every token and metadata document.
	Current KeyPair
	// Next is published in metadata during a rollover so that relying parties
	// (Entra ID polls daily) learn it before it is promoted; nil otherwise.
	// It never signs.
	Next *x509.Certificate
}

// Certificates returns the certificates to publish: current first, then next.
// A nil certificate is left out.
func (k KeySet) Certificates() []*x509.Certificate {
	out := make([]*x509.Certificate, 0, 2)
	if k.Current.Cert != nil {
		out = append(out, k.Current.Cert)
	}
	if k.Next != nil {
		out = append(out, k.Next)
	}
	return out
}

// Validate checks that the pair can sign tokens: an RSA key of at least
// MinRSABits bits whose public half is the certificate's.
func (k KeyPair) Validate() error {
	if k.Signer == nil {
		return errors.New("token: key pair has no signer")
	}
	if k.Cert == nil {
		return errors.New("token: key pair has no certificate")
	}
	pub, ok := k.Signer.Public().(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("token: signing key is %T; only RSA keys are supported", k.Signer.Public())
	}
	if bits := pub.N.BitLen(); bits < MinRSABits {
		return fmt.Errorf("token: RSA signing key has %d bits; at least %d are required", bits, MinRSABits)
	}
	certPub, ok := k.Cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(certPub) {
		return fmt.Errorf("token: certificate %q does not belong to the signing key", k.Cert.Subject.CommonName)
	}
	return nil
}

// GenerateKeyPair creates an RSA-2048 key and a self-signed token-signing
// certificate for commonName, valid from now for validFor (AD FS uses one
// year). rand supplies the serial number; the Go runtime may draw the key
// itself from its own CSPRNG regardless of rand.
func GenerateKeyPair(commonName string, validFor time.Duration, now time.Time, rand io.Reader) (KeyPair, error) {
	if commonName == "" {
		return KeyPair{}, errors.New("token: generate key pair: common name is empty")
	}
	if validFor <= 0 {
		return KeyPair{}, fmt.Errorf("token: generate key pair: validity %s must be positive", validFor)
	}
	key, err := rsa.GenerateKey(rand, MinRSABits)
	if err != nil {
		return KeyPair{}, fmt.Errorf("token: generate RSA key: %w", err)
	}
	serialBytes := make([]byte, 16)
	if _, err := io.ReadFull(rand, serialBytes); err != nil {
		return KeyPair{}, fmt.Errorf("token: generate serial number: %w", err)
	}
	serialBytes[0] &= 0x7f // positive, as RFC 5280 §4.1.2.2 requires
	now = now.UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          new(big.Int).SetBytes(serialBytes),
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now,
		NotAfter:              now.Add(validFor),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		SignatureAlgorithm:    x509.SHA256WithRSA,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return KeyPair{}, fmt.Errorf("token: create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return KeyPair{}, fmt.Errorf("token: parse generated certificate: %w", err)
	}
	return KeyPair{Signer: key, Cert: cert}, nil
}

// LoadKeyPairPEM parses a token-signing certificate and its private key.
// certPEM must hold exactly one CERTIFICATE block; keyPEM exactly one
// unencrypted "PRIVATE KEY" (PKCS #8) or "RSA PRIVATE KEY" (PKCS #1) block.
// Each input is limited to 16 KiB. The pair must pass KeyPair.Validate.
func LoadKeyPairPEM(certPEM, keyPEM []byte) (KeyPair, error) {
	certDER, err := singlePEMBlock(certPEM, "certificate", "CERTIFICATE")
	if err != nil {
		return KeyPair{}, err
	}
	cert, err := x509.ParseCertificate(certDER.Bytes)
	if err != nil {
		return KeyPair{}, fmt.Errorf("token: parse certificate: %w", err)
	}
	keyBlock, err := singlePEMBlock(keyPEM, "private key", "PRIVATE KEY", "RSA PRIVATE KEY")
	if err != nil {
		return KeyPair{}, err
	}
	var signer crypto.Signer
	switch keyBlock.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(keyBlock.Bytes)
		if err != nil {
			return KeyPair{}, fmt.Errorf("token: parse PKCS #1 private key: %w", err)
		}
		signer = k
	default:
		k, err := x509.ParsePKCS8PrivateKey(keyBlock.Bytes)
		if err != nil {
			return KeyPair{}, fmt.Errorf("token: parse PKCS #8 private key: %w", err)
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return KeyPair{}, fmt.Errorf("token: private key type %T cannot sign", k)
		}
		signer = s
	}
	kp := KeyPair{Signer: signer, Cert: cert}
	if err := kp.Validate(); err != nil {
		return KeyPair{}, err
	}
	return kp, nil
}

// singlePEMBlock returns the only PEM block in data, which must have one of
// the allowed types. Text outside blocks (comments, as openssl writes) is
// ignored; a second block is an error so that a wrong file is noticed.
func singlePEMBlock(data []byte, what string, allowed ...string) (*pem.Block, error) {
	if len(data) > maxPEMBytes {
		return nil, fmt.Errorf("token: %s PEM is %d bytes; the limit is %d", what, len(data), maxPEMBytes)
	}
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("token: %s: no PEM block found; expected %q", what, allowed[0])
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, fmt.Errorf("token: %s: encrypted PEM is not supported; decrypt it first (openssl pkey -in key.pem -out plain.pem)", what)
	}
	ok := false
	for _, t := range allowed {
		ok = ok || block.Type == t
	}
	if !ok {
		return nil, fmt.Errorf("token: %s: PEM block is %q; expected %q", what, block.Type, allowed)
	}
	if _, encrypted := block.Headers["DEK-Info"]; encrypted {
		return nil, fmt.Errorf("token: %s: encrypted PEM is not supported; decrypt it first (openssl pkey -in key.pem -out plain.pem)", what)
	}
	if extra, _ := pem.Decode(rest); extra != nil {
		return nil, fmt.Errorf("token: %s: found a second PEM block (%q); supply only the token-signing %s", what, extra.Type, what)
	}
	if bytes.Contains(rest, []byte("-----BEGIN")) {
		return nil, fmt.Errorf("token: %s: trailing malformed PEM block", what)
	}
	return block, nil
}

// MarshalPEM encodes the certificate ("CERTIFICATE") and the private key
// (PKCS #8 "PRIVATE KEY"). It fails when Signer is not an exportable
// software key, for example an HSM handle. The key PEM is secret: write it
// with mode 0600 and never log it.
func (k KeyPair) MarshalPEM() (certPEM, keyPEM []byte, err error) {
	if k.Cert == nil {
		return nil, nil, errors.New("token: marshal key pair: no certificate")
	}
	priv, ok := k.Signer.(*rsa.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("token: marshal key pair: signer %T is not an exportable RSA key", k.Signer)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("token: marshal private key: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Cert.Raw})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return certPEM, keyPEM, nil
}
