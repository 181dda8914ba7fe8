package wsfed_test

import (
	"testing"
	"time"

	o365p "github.com/fedgate/fedgate/idp/o365"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
	"github.com/fedgate/fedgate/idp/wsfed"
)

// BenchmarkIssueWSFedToken is one complete passive-path token: the Office
// 365 claim set, the signed SAML 1.1 assertion and the RSTR around it.
func BenchmarkIssueWSFedToken(b *testing.B) {
	iss, err := token.New(token.Config{Issuer: "http://sts.contoso.com/adfs/services/trust",
		Keys: token.KeySet{Current: tokentest.KeyPair(b, tokentest.Current)}})
	if err != nil {
		b.Fatal(err)
	}
	claims := o365p.Claims(o365p.SignIn{ImmutableID: "RW+aKiwLHUqeP11se4qfAQ==", UPN: "alice@contoso.com",
		AuthnInstant: time.Now(), MFA: true, InsideCorporateNetwork: true})
	b.ReportAllocs()
	for b.Loop() {
		a, err := iss.SAML11(claims, o365p.Realm)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := wsfed.BuildRSTR(a, o365p.Realm); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}
