package samlp_test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token/tokentest"
)

// certValidAt returns a self-signed certificate for the tokentest Next key
// valid from notBefore to notAfter.
func certValidAt(t *testing.T, notBefore, notAfter time.Time) *x509.Certificate {
	t.Helper()
	kp := tokentest.KeyPair(t, tokentest.Next)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "sp signing"},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, kp.Signer.Public(), kp.Signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestParse_SigningCertificateValidityPeriod: both bindings use an SP
// signing certificate only within its validity period at the IdP's clock,
// so a key the SP has retired (its certificate expired) or not yet rolled
// over to is refused the same way whichever binding the request uses.
func TestParse_SigningCertificateValidityPeriod(t *testing.T) {
	doc := requestXML(spEntity, "", "")
	for _, tc := range []struct {
		name                string
		notBefore, notAfter time.Time
		wantErr             bool
	}{
		{"valid", tokentest.Epoch.Add(-time.Hour), tokentest.Epoch.Add(time.Hour), false},
		{"expired", tokentest.Epoch.Add(-48 * time.Hour), tokentest.Epoch.Add(-24 * time.Hour), true},
		{"not yet valid", tokentest.Epoch.Add(24 * time.Hour), tokentest.Epoch.Add(48 * time.Hour), true},
	} {
		cert := certValidAt(t, tc.notBefore, tc.notAfter)
		sp := newSP(t, func(s *samlp.ServiceProvider) {
			s.SigningCerts = []*x509.Certificate{cert}
			s.RequireSignedRequests = true
		})
		t.Run(tc.name+"/redirect", func(t *testing.T) {
			_, err := newIdP(t).ParseRedirect(redirectQuery(t, doc, "", tokentest.Next), lookupOf(sp))
			checkValidityErr(t, err, tc.wantErr)
		})
		t.Run(tc.name+"/post", func(t *testing.T) {
			kp := tokentest.KeyPair(t, tokentest.Next)
			kp.Cert = cert
			_, err := newIdP(t).ParsePOST(postForm(t, signWith(t, doc, kp), ""), lookupOf(sp))
			checkValidityErr(t, err, tc.wantErr)
		})
	}
}

func checkValidityErr(t *testing.T, err error, want bool) {
	t.Helper()
	switch {
	case want && !errors.Is(err, samlp.ErrBadSignature):
		t.Fatalf("want ErrBadSignature, got %v", err)
	case !want && err != nil:
		t.Fatalf("want accepted, got %v", err)
	}
}
