package proxytrusttest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
)

// NewCA returns a fresh proxy-trust CA valid at now.
func NewCA(t testing.TB, now time.Time) *proxytrust.CA {
	t.Helper()
	certPEM, keyPEM, err := proxytrust.GenerateCA("test proxy trust CA", now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := proxytrust.ParseCA(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// Enroll issues a token for name and enrolls a fresh key with it, the way
// fedgate-proxy does, returning the key pair ready for a TLS client.
func Enroll(t testing.TB, a *proxytrust.Authority, name string) tls.Certificate {
	t.Helper()
	ctx := context.Background()
	tok, _, err := a.IssueToken(ctx, name, 0)
	if err != nil {
		t.Fatal(err)
	}
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
	cert, err := a.Enroll(ctx, tok, csr)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
}

// ServerPKI is a throw-away TLS server CA standing in for the certificate
// of fedgate's listener (which a real farm gets from its PKI).
type ServerPKI struct {
	// Pool holds the CA, for the client's RootCAs.
	Pool *x509.CertPool
	// CA is the CA certificate.
	CA *x509.Certificate

	key *ecdsa.PrivateKey
}

// NewServerPKI creates a server CA valid for a day around now.
func NewServerPKI(t testing.TB, now time.Time) *ServerPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test server CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &ServerPKI{Pool: pool, CA: ca, key: key}
}

// Leaf issues a server certificate for the DNS names and IP addresses in
// hosts, valid for a day around now.
func (p *ServerPKI) Leaf(t testing.TB, now time.Time, hosts ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: hosts[0]},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.CA, key.Public(), p.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}
