package tokentest

import (
	"crypto/x509"
	"embed"
	"encoding/pem"
	"io"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/internal/testclock"
)

//go:embed testdata/*.crt testdata/*.key
var files embed.FS

// Names of the fixed key pairs: all RSA-2048, self-signed, valid
// 2024-01-01 to 2053-12-24.
const (
	Current = "current" // signs tokens in tests
	Next    = "next"    // the rollover certificate
	Other   = "other"   // an unrelated key, for "wrong key" cases
)

// KeyPair returns the fixed key pair name (Current, Next or Other).
func KeyPair(t testing.TB, name string) token.KeyPair {
	t.Helper()
	certPEM, keyPEM := PEM(t, name)
	kp, err := token.LoadKeyPairPEM(certPEM, keyPEM)
	if err != nil {
		t.Fatalf("tokentest: load %s: %v", name, err)
	}
	return kp
}

// PEM returns the certificate and key PEM of the fixed key pair name.
func PEM(t testing.TB, name string) (certPEM, keyPEM []byte) {
	t.Helper()
	certPEM, err := files.ReadFile("testdata/" + name + ".crt")
	if err != nil {
		t.Fatalf("tokentest: %v", err)
	}
	keyPEM, err = files.ReadFile("testdata/" + name + ".key")
	if err != nil {
		t.Fatalf("tokentest: %v", err)
	}
	return certPEM, keyPEM
}

// KeySet returns Current as the signing key and Next as the rollover
// certificate.
func KeySet(t testing.TB) token.KeySet {
	t.Helper()
	return token.KeySet{Current: KeyPair(t, Current), Next: KeyPair(t, Next).Cert}
}

// CertPEM encodes cert as a PEM CERTIFICATE block.
func CertPEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

// Epoch is a fixed instant for NewClock(Epoch); it has a non-zero
// millisecond part so that precision handling shows in golden files.
var Epoch = time.Date(2025, 6, 1, 12, 0, 0, 123_000_000, time.UTC)

// Clock is a manually advanced clock for Config.Now fields. The zero value
// is not useful; use NewClock.
type Clock = testclock.Clock

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return testclock.New(t) }

// CountingReader is a deterministic io.Reader for Config.Rand: each Read
// fills the buffer with a counter, so successive IDs differ but every run
// produces the same sequence. Never use it outside tests.
type CountingReader struct{ n byte }

// Read implements io.Reader.
func (r *CountingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.n
	}
	r.n++
	return len(p), nil
}

var _ io.Reader = (*CountingReader)(nil)

// Rand returns a fresh CountingReader.
func Rand() io.Reader { return &CountingReader{} }
