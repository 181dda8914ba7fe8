package o365_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/o365/internal/o365test"
)

// FuzzCheckWResult checks that CheckWResult never panics and never accepts
// a token whose claims were not signed by a federation key: anything it
// accepts must carry exactly the claims of one of the genuinely signed seeds.
func FuzzCheckWResult(f *testing.F) {
	fx := &fixture{
		cur:   o365test.NewKey(f, 0, "contoso signing", t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0)),
		next:  o365test.NewKey(f, 1, "contoso next", t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0)),
		other: o365test.NewKey(f, 2, "fabrikam signing", t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0)),
	}
	plain := o365test.DefaultToken(t0)
	mfa := o365test.DefaultToken(t0)
	mfa.AssertionID, mfa.MFA, mfa.InsideCorporateNetwork = "_mfa", true, boolPtr(false)
	signed := map[string]o365test.Token{plain.AssertionID: plain, mfa.AssertionID: mfa}

	goodPlain := fx.cur.WResult(f, plain)
	goodMFA := fx.next.WResult(f, mfa)
	f.Add(goodPlain)
	f.Add(goodMFA)
	forged := plain
	forged.AssertionID, forged.UPN = "_forged", "bob@contoso.com"
	f.Add(fx.other.WResult(f, forged)) // wrong key
	f.Add(bytes.Replace(goodPlain, []byte("alice@"), []byte("bob@"), 1))
	f.Add(o365test.Bytes(f, o365test.RSTR(o365test.Assertion(forged))))
	f.Add(append([]byte(`<!DOCTYPE x>`), goodPlain...))
	f.Add([]byte(`<t:RequestSecurityTokenResponse xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust"/>`))

	f.Fuzz(func(t *testing.T, wresult []byte) {
		c := fx.checker(t0.Add(time.Minute)) // fresh replay cache per input
		res, err := c.CheckWResult(wresult)
		if err != nil {
			if res != nil {
				t.Fatalf("result %+v returned with error %v", res, err)
			}
			return
		}
		tok, ok := signed[res.AssertionID]
		switch {
		case !ok:
			t.Fatalf("accepted an assertion that was never signed: %+v", res)
		case res.UPN != o365test.UPN, res.ImmutableID != tok.ImmutableID, res.Issuer != tok.Issuer,
			res.MFA != tok.MFA, !equalBoolPtr(res.InsideCorporateNetwork, tok.InsideCorporateNetwork),
			!res.NotOnOrAfter.Equal(tok.NotOnOrAfter), !res.AuthnInstant.Equal(tok.AuthnInstant):
			t.Fatalf("accepted claims %+v that differ from the signed token %+v", res, tok)
		}
	})
}
