package o365_test

import (
	"crypto/rand"
	"crypto/x509"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/o365"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/wsfed"
)

// TestClaims_IssuedTokenPassesTheEntraChecker issues a real token with
// idp/token and idp/wsfed from the Office 365 claim set and runs it through
// the Entra-like checker.
func TestClaims_IssuedTokenPassesTheEntraChecker(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	kp, err := token.GenerateKeyPair("test", 24*time.Hour, now.Add(-time.Hour), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const issuerURI = "http://sts.contoso.com/adfs/services/trust"
	issuer, err := token.New(token.Config{Issuer: issuerURI, Keys: token.KeySet{Current: kp}, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	id := o365.ImmutableID([]byte{0x45, 0x6f, 0x9a, 0x2a, 0x2c, 0x0b, 0x1d, 0x4a, 0x9e, 0x3f, 0x5d, 0x6c, 0x7b, 0x8a, 0x9f, 0x01})
	for _, mfa := range []bool{true, false} {
		a, err := issuer.SAML11(o365.Claims(o365.SignIn{ImmutableID: id, UPN: "alice@contoso.com", AuthnInstant: now, MFA: mfa, InsideCorporateNetwork: true}), o365.Realm)
		if err != nil {
			t.Fatal(err)
		}
		rstr, err := wsfed.BuildRSTR(a, o365.Realm)
		if err != nil {
			t.Fatal(err)
		}
		checker := &o365.Checker{
			Federations: []o365.Federation{{Domain: "contoso.com", IssuerURI: issuerURI, SigningCertificates: []*x509.Certificate{kp.Cert}}},
			Users:       []o365.CloudUser{{UPN: "alice@contoso.com", ImmutableID: id}},
			Now:         clock,
		}
		res, err := checker.CheckWResult(rstr)
		if err != nil {
			t.Fatalf("mfa=%v: %v", mfa, err)
		}
		if res.UPN != "alice@contoso.com" || res.ImmutableID != id || res.MFA != mfa ||
			res.InsideCorporateNetwork == nil || !*res.InsideCorporateNetwork {
			t.Fatalf("mfa=%v: result %+v", mfa, res)
		}
	}
}
