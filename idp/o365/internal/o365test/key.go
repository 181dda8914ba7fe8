package o365test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"sync"
	"testing"
	"time"
)

// rsaKeys are generated once per test binary: RSA key generation dominates
// test time otherwise. Each is read-only after generation.
var rsaKeys = [...]func() (*rsa.PrivateKey, error){
	sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }),
	sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }),
	sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }),
}

// NumKeys is how many distinct keys NewKey can return.
const NumKeys = len(rsaKeys)

// Key is a token-signing key with its self-signed certificate.
type Key struct {
	Private *rsa.PrivateKey
	Cert    *x509.Certificate
}

// NewKey returns RSA key number n (0 ≤ n < NumKeys; the same n gives the
// same key within a test binary) with a fresh self-signed certificate valid
// from notBefore to notAfter.
func NewKey(tb testing.TB, n int, cn string, notBefore, notAfter time.Time) *Key {
	tb.Helper()
	priv, err := rsaKeys[n]()
	if err != nil {
		tb.Fatalf("o365test: generate key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(n) + 1),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		tb.Fatalf("o365test: create certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatalf("o365test: parse certificate: %v", err)
	}
	return &Key{Private: priv, Cert: cert}
}
