package proxytrust_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/proxytrust/proxytrusttest"
)

// fixture is an authority on an in-memory store with a manual clock and a
// captured JSON log.
type fixture struct {
	a     *proxytrust.Authority
	store *proxytrusttest.Store
	clock *proxytrusttest.Clock
	ca    *proxytrust.CA
	logs  *bytes.Buffer
}

// newFixture builds a fixture; mut may change the Config before New. The
// clock starts at the real time so that TLS handshakes (which use the wall
// clock) and the authority agree; nothing asserts on wall-clock time.
func newFixture(t *testing.T, mut func(*proxytrust.Config)) *fixture {
	t.Helper()
	clock := proxytrusttest.NewClock(time.Now())
	st := proxytrusttest.NewStore(clock.Now)
	ca := proxytrusttest.NewCA(t, clock.Now())
	logs := &bytes.Buffer{}
	cfg := proxytrust.Config{
		CA: ca, Store: st, Now: clock.Now,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mut != nil {
		mut(&cfg)
	}
	a, err := proxytrust.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{a: a, store: st, clock: clock, ca: ca, logs: logs}
}

// newCSR returns a fresh key and its DER and parsed CSR.
func newCSR(t *testing.T) (crypto.Signer, []byte, *x509.CertificateRequest) {
	t.Helper()
	key, err := proxytrust.NewKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := proxytrust.NewCSR(key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := proxytrust.ParseCSR(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, der, csr
}

// issueToken issues a token for name or fails the test.
func (f *fixture) issueToken(t *testing.T, name string) proxytrust.Token {
	t.Helper()
	tok, _, err := f.a.IssueToken(context.Background(), name, 0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tlsServer starts h on a real TLS listener that asks for proxy-trust
// client certificates the way fedgate's listener does.
func tlsServer(t *testing.T, v *proxytrust.Verifier, h http.Handler) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	now := time.Now()
	pki := proxytrusttest.NewServerPKI(t, now)
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = v.ServerTLSConfig(&tls.Config{
		Certificates: []tls.Certificate{pki.Leaf(t, now, "127.0.0.1", "fs.test")},
		MinVersion:   tls.VersionTLS12,
	})
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, pki.Pool
}

// client returns an HTTPS client trusting roots that presents cert (none
// when cert is nil).
func client(roots *x509.CertPool, cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if cert != nil {
		c := *cert
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &c, nil }
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 30 * time.Second}
}
