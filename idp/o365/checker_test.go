package o365_test

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/fedgate/fedgate/idp/o365"
	"github.com/fedgate/fedgate/idp/o365/internal/o365test"
	dsig "github.com/russellhaering/goxmldsig"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// fixture is a contoso.com federation (key 0 current, key 1 next), a
// fabrikam.com federation (key 2) and the synced users.
type fixture struct {
	cur, next, other, wrong *o365test.Key
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	from, to := t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0)
	return &fixture{
		cur:   o365test.NewKey(t, 0, "contoso signing", from, to),
		next:  o365test.NewKey(t, 1, "contoso next", from, to),
		other: o365test.NewKey(t, 2, "fabrikam signing", from, to),
		// wrong reuses key 2 under a certificate no federation of contoso trusts.
		wrong: o365test.NewKey(t, 2, "attacker", from, to),
	}
}

func (f *fixture) checker(now time.Time, mutate ...func(*o365.Checker)) *o365.Checker {
	c := &o365.Checker{
		Federations: []o365.Federation{
			{Domain: o365test.Domain, IssuerURI: o365test.Issuer, PassiveSignInURI: o365test.PassiveSignInURI,
				SigningCertificates: []*x509.Certificate{f.cur.Cert, f.next.Cert}},
			{Domain: "fabrikam.com", IssuerURI: "http://sts.fabrikam.com/adfs/services/trust", PassiveSignInURI: "https://sts.fabrikam.com/adfs/ls/",
				SigningCertificates: []*x509.Certificate{f.other.Cert}},
		},
		Users: []o365.CloudUser{
			{UPN: o365test.UPN, ImmutableID: o365test.ImmutableID, DisplayName: o365test.DisplayName},
			{UPN: "bob@contoso.com", ImmutableID: "JLX2E74/mk2m9Jf30wGM3Q==", DisplayName: "Bob"},
			{UPN: "carol@fabrikam.com", ImmutableID: "Y2Fyb2wtZmFicmlrYW0tMQ==", DisplayName: "Carol"},
			{UPN: "dave@sales.contoso.com", ImmutableID: "ZGF2ZS1zYWxlcy1jb250b3M=", DisplayName: "Dave"},
		},
		Now: func() time.Time { return now },
	}
	for _, m := range mutate {
		m(c)
	}
	return c
}

// edit parses a wresult, lets fn change it and serializes it again.
func edit(t *testing.T, wresult []byte, fn func(doc *etree.Document)) []byte {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(wresult); err != nil {
		t.Fatal(err)
	}
	fn(doc)
	return o365test.Bytes(t, doc)
}

func find(t *testing.T, doc *etree.Document, path string) *etree.Element {
	t.Helper()
	el := doc.FindElement(path)
	if el == nil {
		t.Fatalf("no element at %s", path)
	}
	return el
}

const (
	assertionPath = "/t:RequestSecurityTokenResponse/t:RequestedSecurityToken/saml:Assertion"
	upnValuePath  = assertionPath + "/saml:AttributeStatement/saml:Attribute[@AttributeName='UPN']/saml:AttributeValue"
)

func boolPtr(b bool) *bool { return &b }

func TestCheckWResult_AcceptsGoodToken(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		key  *o365test.Key
		tok  func(o365test.Token) o365test.Token
		now  time.Time
		want o365.Result
	}{
		{
			name: "password only",
			key:  f.cur,
			tok:  func(tk o365test.Token) o365test.Token { return tk },
			now:  t0,
			want: o365.Result{UPN: o365test.UPN, ImmutableID: o365test.ImmutableID, DisplayName: o365test.DisplayName, Issuer: o365test.Issuer, MFA: false},
		},
		{
			name: "MFA and inside corporate network",
			key:  f.cur,
			tok: func(tk o365test.Token) o365test.Token {
				tk.MFA, tk.InsideCorporateNetwork = true, boolPtr(true)
				return tk
			},
			now:  t0,
			want: o365.Result{UPN: o365test.UPN, ImmutableID: o365test.ImmutableID, DisplayName: o365test.DisplayName, Issuer: o365test.Issuer, MFA: true, InsideCorporateNetwork: boolPtr(true)},
		},
		{
			name: "signed with nextSigningCertificate during rollover",
			key:  f.next,
			tok:  func(tk o365test.Token) o365test.Token { return tk },
			now:  t0,
			want: o365.Result{UPN: o365test.UPN, ImmutableID: o365test.ImmutableID, DisplayName: o365test.DisplayName, Issuer: o365test.Issuer},
		},
		{
			name: "UPN differs only in case",
			key:  f.cur,
			tok: func(tk o365test.Token) o365test.Token {
				tk.UPN = "Alice@CONTOSO.com"
				return tk
			},
			now:  t0,
			want: o365.Result{UPN: o365test.UPN, ImmutableID: o365test.ImmutableID, DisplayName: o365test.DisplayName, Issuer: o365test.Issuer},
		},
		{
			name: "user in a subdomain of the federated domain",
			key:  f.cur,
			tok: func(tk o365test.Token) o365test.Token {
				tk.UPN, tk.NameID, tk.ImmutableID = "dave@sales.contoso.com", "ZGF2ZS1zYWxlcy1jb250b3M=", "ZGF2ZS1zYWxlcy1jb250b3M="
				return tk
			},
			now:  t0,
			want: o365.Result{UPN: "dave@sales.contoso.com", ImmutableID: "ZGF2ZS1zYWxlcy1jb250b3M=", DisplayName: "Dave", Issuer: o365test.Issuer},
		},
		{
			name: "just inside the clock skew after expiry",
			key:  f.cur,
			tok:  func(tk o365test.Token) o365test.Token { return tk },
			now:  t0.Add(time.Hour + 4*time.Minute),
			want: o365.Result{UPN: o365test.UPN, ImmutableID: o365test.ImmutableID, DisplayName: o365test.DisplayName, Issuer: o365test.Issuer},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.tok(o365test.DefaultToken(t0))
			got, err := f.checker(tt.now).CheckWResult(tt.key.WResult(t, tok))
			if err != nil {
				t.Fatalf("CheckWResult: %v", err)
			}
			tt.want.AssertionID = tok.AssertionID
			tt.want.AuthnInstant = t0
			tt.want.NotOnOrAfter = t0.Add(time.Hour)
			if got.UPN != tt.want.UPN || got.ImmutableID != tt.want.ImmutableID || got.DisplayName != tt.want.DisplayName ||
				got.Issuer != tt.want.Issuer || got.MFA != tt.want.MFA || got.AssertionID != tt.want.AssertionID ||
				!got.AuthnInstant.Equal(tt.want.AuthnInstant) || !got.NotOnOrAfter.Equal(tt.want.NotOnOrAfter) ||
				!equalBoolPtr(got.InsideCorporateNetwork, tt.want.InsideCorporateNetwork) {
				t.Errorf("CheckWResult =\n %+v\nwant\n %+v", *got, tt.want)
			}
		})
	}
}

func equalBoolPtr(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func TestCheckWResult_Rejects(t *testing.T) {
	f := newFixture(t)
	good := func(t *testing.T) []byte { t.Helper(); return f.cur.WResult(t, o365test.DefaultToken(t0)) }
	withToken := func(key *o365test.Key, fn func(*o365test.Token)) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			t.Helper()
			tok := o365test.DefaultToken(t0)
			fn(&tok)
			return key.WResult(t, tok)
		}
	}
	tests := []struct {
		name   string
		input  func(t *testing.T) []byte
		now    time.Time
		mutate func(*o365.Checker)
		reason string
	}{
		{
			name: "tampered UPN after signing",
			input: func(t *testing.T) []byte {
				return edit(t, good(t), func(d *etree.Document) { find(t, d, upnValuePath).SetText("bob@contoso.com") })
			},
			reason: "signature does not verify against the federation's signing certificate",
		},
		{
			name: "tampered NotOnOrAfter after signing",
			input: func(t *testing.T) []byte {
				return edit(t, good(t), func(d *etree.Document) {
					find(t, d, assertionPath+"/saml:Conditions").CreateAttr("NotOnOrAfter", "2035-01-01T00:00:00.000Z")
				})
			},
			reason: "signature does not verify",
		},
		{
			name:   "signed by a key the federation does not hold",
			input:  withToken(f.wrong, func(*o365test.Token) {}),
			reason: "signature does not verify against the federation's signing certificate",
		},
		{
			name: "attacker key with the federation's certificate pasted into KeyInfo",
			input: func(t *testing.T) []byte {
				b := f.wrong.WResult(t, o365test.DefaultToken(t0))
				return edit(t, b, func(d *etree.Document) {
					el := find(t, d, assertionPath+"/ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate")
					el.SetText(base64Cert(f.cur.Cert))
				})
			},
			reason: "signature does not verify",
		},
		{
			name:   "token of another federation signed with this federation's key",
			input:  withToken(f.cur, func(tk *o365test.Token) { tk.Issuer = "http://sts.fabrikam.com/adfs/services/trust" }),
			reason: "signature does not verify",
		},
		{
			name:   "unknown issuer",
			input:  withToken(f.cur, func(tk *o365test.Token) { tk.Issuer = "http://evil.example/adfs/services/trust" }),
			reason: `issuer "http://evil.example/adfs/services/trust" is not the IssuerUri of any federated domain`,
		},
		{
			name:   "issuer configured twice",
			input:  good,
			mutate: func(c *o365.Checker) { c.Federations[1].IssuerURI = o365test.Issuer },
			reason: "more than one federated domain",
		},
		{
			name:   "federation without certificates",
			input:  good,
			mutate: func(c *o365.Checker) { c.Federations[0].SigningCertificates = nil },
			reason: "has no signing certificate",
		},
		{
			name:   "wrong audience",
			input:  withToken(f.cur, func(tk *o365test.Token) { tk.Audience = "urn:federation:MicrosoftOnline:evil" }),
			reason: `audience "urn:federation:MicrosoftOnline:evil" is not urn:federation:MicrosoftOnline`,
		},
		{
			name:   "no audience",
			input:  withToken(f.cur, func(tk *o365test.Token) { tk.Audience = "" }),
			reason: "audience: the assertion has no AudienceRestrictionCondition",
		},
		{
			name:   "expired",
			input:  good,
			now:    t0.Add(time.Hour + 5*time.Minute),
			reason: "token expired at 2025-06-01T13:00:00Z",
		},
		{
			name:   "not yet valid",
			input:  good,
			now:    t0.Add(-5*time.Minute - time.Second),
			reason: "token is not valid before 2025-06-01T12:00:00Z",
		},
		{
			name:   "signing certificate expired",
			input:  good,
			mutate: func(c *o365.Checker) { c.Now = func() time.Time { return t0.AddDate(1, 0, 1) } },
			reason: "signature does not verify",
		},
		{
			name:   "unknown ImmutableID",
			input:  withToken(f.cur, func(tk *o365test.Token) { tk.NameID, tk.ImmutableID = "dW5rbm93bg==", "dW5rbm93bg==" }),
			reason: `no cloud user with ImmutableID "dW5rbm93bg=="`,
		},
		{
			name:   "UPN of another user",
			input:  withToken(f.cur, func(tk *o365test.Token) { tk.UPN = "bob@contoso.com" }),
			reason: "UPN does not match the synced user",
		},
		{
			name: "user of another domain through this federation",
			input: withToken(f.cur, func(tk *o365test.Token) {
				tk.UPN, tk.NameID, tk.ImmutableID = "carol@fabrikam.com", "Y2Fyb2wtZmFicmlrYW0tMQ==", "Y2Fyb2wtZmFicmlrYW0tMQ=="
			}),
			reason: `UPN "carol@fabrikam.com" is not in contoso.com or a subdomain of it`,
		},
		{
			name:   "NameIdentifier differs from the ImmutableID claim",
			input:  withToken(f.cur, func(tk *o365test.Token) { tk.NameID = "JLX2E74/mk2m9Jf30wGM3Q==" }),
			reason: "does not equal the ImmutableID claim",
		},
		{
			name:   "no UPN claim",
			input:  withToken(f.cur, func(tk *o365test.Token) { tk.UPN = "" }),
			reason: "token has no UPN claim",
		},
		{
			name: "duplicate UPN claim",
			input: func(t *testing.T) []byte {
				a := o365test.Assertion(o365test.DefaultToken(t0))
				st := a.FindElement("saml:AttributeStatement")
				at := st.CreateElement("saml:Attribute")
				at.CreateAttr("AttributeName", "UPN")
				at.CreateAttr("AttributeNamespace", "http://schemas.xmlsoap.org/claims")
				at.CreateElement("saml:AttributeValue").SetText("bob@contoso.com")
				return o365test.Bytes(t, o365test.RSTR(f.cur.Sign(t, a)))
			},
			reason: "claim http://schemas.xmlsoap.org/claims/UPN appears more than once",
		},
		{
			name: "wrapping: a second, unsigned assertion next to the signed one",
			input: func(t *testing.T) []byte {
				tok := o365test.DefaultToken(t0)
				evil := tok
				evil.AssertionID, evil.UPN = "_evil", "bob@contoso.com"
				return o365test.Bytes(t, o365test.RSTR(o365test.Assertion(evil), f.cur.Sign(t, o365test.Assertion(tok))))
			},
			reason: "wresult holds 2 assertions; exactly one is allowed",
		},
		{
			name: "wrapping: signed assertion moved into the Advice of an unsigned one",
			input: func(t *testing.T) []byte {
				tok := o365test.DefaultToken(t0)
				signed := f.cur.Sign(t, o365test.Assertion(tok))
				evil := tok
				evil.NameID, evil.ImmutableID, evil.UPN = "JLX2E74/mk2m9Jf30wGM3Q==", "JLX2E74/mk2m9Jf30wGM3Q==", "bob@contoso.com"
				ev := o365test.Assertion(evil)
				ev.InsertChildAt(0, etree.NewElement("saml:Advice"))
				ev.FindElement("saml:Advice").AddChild(signed)
				return o365test.Bytes(t, o365test.RSTR(ev))
			},
			reason: "wresult holds 2 assertions",
		},
		{
			name: "wrapping: signed assertion moved out of RequestedSecurityToken",
			input: func(t *testing.T) []byte {
				return edit(t, good(t), func(d *etree.Document) {
					a := find(t, d, assertionPath)
					a.Parent().RemoveChild(a)
					d.Root().CreateElement("t:Extension").AddChild(a)
				})
			},
			reason: "RequestedSecurityToken must hold exactly one SAML 1.1 saml:Assertion",
		},
		{
			name: "wrapping: signature copied into an unsigned assertion with the same ID",
			input: func(t *testing.T) []byte {
				tok := o365test.DefaultToken(t0)
				signed := f.cur.Sign(t, o365test.Assertion(tok))
				evil := tok
				evil.UPN = "bob@contoso.com"
				ev := o365test.Assertion(evil)
				ev.AddChild(signed.FindElement("ds:Signature").Copy())
				return o365test.Bytes(t, o365test.RSTR(ev))
			},
			reason: "signature does not verify",
		},
		{
			name: "second signature elsewhere in the document",
			input: func(t *testing.T) []byte {
				return edit(t, good(t), func(d *etree.Document) {
					sig := find(t, d, assertionPath+"/ds:Signature").Copy()
					d.Root().AddChild(sig)
				})
			},
			reason: "wresult holds 2 Signature elements",
		},
		{
			name: "unsigned assertion",
			input: func(t *testing.T) []byte {
				return o365test.Bytes(t, o365test.RSTR(o365test.Assertion(o365test.DefaultToken(t0))))
			},
			reason: "the assertion is not signed",
		},
		{
			name: "signature algorithm Entra does not accept",
			input: func(t *testing.T) []byte {
				ctx, err := dsig.NewSigningContext(f.cur.Private, [][]byte{f.cur.Cert.Raw})
				if err != nil {
					t.Fatal(err)
				}
				ctx.IdAttribute = "AssertionID"
				ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
				if err := ctx.SetSignatureMethod(dsig.RSASHA512SignatureMethod); err != nil {
					t.Fatal(err)
				}
				signed, err := ctx.SignEnveloped(o365test.Assertion(o365test.DefaultToken(t0)))
				if err != nil {
					t.Fatal(err)
				}
				return o365test.Bytes(t, o365test.RSTR(signed))
			},
			reason: "signature algorithm \"http://www.w3.org/2001/04/xmldsig-more#rsa-sha512\" is not accepted",
		},
		{
			name: "reference that does not point at the assertion",
			input: func(t *testing.T) []byte {
				return edit(t, good(t), func(d *etree.Document) {
					find(t, d, assertionPath+"/ds:Signature/ds:SignedInfo/ds:Reference").CreateAttr("URI", "#_other")
				})
			},
			reason: "does not point at the assertion's AssertionID",
		},
		{
			name: "AppliesTo names another realm",
			input: func(t *testing.T) []byte {
				return edit(t, good(t), func(d *etree.Document) { find(t, d, "//wsa:Address").SetText("urn:evil") })
			},
			reason: "RSTR AppliesTo is \"urn:evil\"",
		},
		{
			name: "DTD",
			input: func(t *testing.T) []byte {
				return append([]byte(`<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x "y">]>`), good(t)...)
			},
			reason: "DTDs are not allowed",
		},
		{
			name: "entity expansion",
			input: func(*testing.T) []byte {
				return []byte(`<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><t:RequestSecurityTokenResponse xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust">&b;</t:RequestSecurityTokenResponse>`)
			},
			reason: "DTDs are not allowed",
		},
		{
			name:   "processing instruction",
			input:  func(t *testing.T) []byte { return append([]byte(`<?xml-stylesheet href="x"?>`), good(t)...) },
			reason: "only a leading XML declaration is allowed",
		},
		{
			name: "non-UTF-8 encoding",
			input: func(t *testing.T) []byte {
				return append([]byte(`<?xml version="1.0" encoding="UTF-16"?>`), good(t)...)
			},
			reason: "wresult is not well-formed XML",
		},
		{
			name:   "second root element",
			input:  func(t *testing.T) []byte { return append(good(t), good(t)...) },
			reason: "more than one root element",
		},
		{
			name:   "duplicate attribute",
			input:  func(*testing.T) []byte { return []byte(`<a x="1" x="2"/>`) },
			reason: "repeats the attribute x",
		},
		{
			name:   "oversized",
			input:  func(*testing.T) []byte { return []byte("<a>" + strings.Repeat("x", o365.MaxWResultSize) + "</a>") },
			reason: "the limit is 262144",
		},
		{
			name:   "empty",
			input:  func(*testing.T) []byte { return nil },
			reason: "wresult is empty",
		},
		{
			name:   "not XML",
			input:  func(*testing.T) []byte { return []byte("wa=wsignin1.0&wresult=") },
			reason: "wresult is not well-formed XML",
		},
		{
			name: "wrong root",
			input: func(*testing.T) []byte {
				return []byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`)
			},
			reason: "want a WS-Trust RequestSecurityTokenResponse",
		},
		{
			name:   "deep nesting",
			input:  func(*testing.T) []byte { return []byte(strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40)) },
			reason: "deeper than 32 levels",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := tt.now
			if now.IsZero() {
				now = t0
			}
			var mut []func(*o365.Checker)
			if tt.mutate != nil {
				mut = append(mut, tt.mutate)
			}
			res, err := f.checker(now, mut...).CheckWResult(tt.input(t))
			if err == nil {
				t.Fatalf("CheckWResult accepted the token: %+v", res)
			}
			var re *o365.RejectError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *RejectError", err)
			}
			if !strings.Contains(re.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to contain %q", re.Reason, tt.reason)
			}
			if !strings.HasPrefix(err.Error(), "o365: token rejected: ") {
				t.Errorf("Error() = %q, want the o365 prefix", err.Error())
			}
		})
	}
}

func TestCheckWResult_RejectsReplay(t *testing.T) {
	f := newFixture(t)
	c := f.checker(t0)
	wresult := f.cur.WResult(t, o365test.DefaultToken(t0))
	if _, err := c.CheckWResult(wresult); err != nil {
		t.Fatalf("first use: %v", err)
	}
	_, err := c.CheckWResult(wresult)
	var re *o365.RejectError
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "was already used (replay)") {
		t.Fatalf("second use: err = %v, want a replay rejection", err)
	}
}

func TestCheckWResult_ConcurrentReplayAcceptsOnce(t *testing.T) {
	f := newFixture(t)
	c := f.checker(t0)
	wresult := f.cur.WResult(t, o365test.DefaultToken(t0))
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for range n {
		wg.Go(func() {
			if _, err := c.CheckWResult(wresult); err == nil {
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if accepted != 1 {
		t.Fatalf("%d of %d concurrent submissions accepted; want exactly 1", accepted, n)
	}
}

func TestCheckWResult_ReadsClaimsFromSignedBytesOnly(t *testing.T) {
	// A comment inside a signed value is dropped by exclusive c14n, so the
	// signature still verifies; the claim must come out of the verified,
	// comment-free element unchanged.
	f := newFixture(t)
	wresult := edit(t, f.cur.WResult(t, o365test.DefaultToken(t0)), func(d *etree.Document) {
		v := find(t, d, upnValuePath)
		v.SetText("alice")
		v.CreateComment("injected")
		v.CreateText("@contoso.com")
	})
	res, err := f.checker(t0).CheckWResult(wresult)
	if err != nil {
		t.Fatalf("CheckWResult: %v", err)
	}
	if res.UPN != o365test.UPN {
		t.Fatalf("UPN = %q, want %q", res.UPN, o365test.UPN)
	}
}

func base64Cert(c *x509.Certificate) string { return base64.StdEncoding.EncodeToString(c.Raw) }

func TestCheckWResult_AcceptsWSTrust13Collection(t *testing.T) {
	f := newFixture(t)
	doc := etree.NewDocument()
	coll := doc.CreateElement("trust:RequestSecurityTokenResponseCollection")
	coll.CreateAttr("xmlns:trust", "http://docs.oasis-open.org/ws-sx/ws-trust/200512")
	rst := coll.CreateElement("trust:RequestSecurityTokenResponse").CreateElement("trust:RequestedSecurityToken")
	rst.AddChild(f.cur.Sign(t, o365test.Assertion(o365test.DefaultToken(t0))))
	res, err := f.checker(t0).CheckWResult(o365test.Bytes(t, doc))
	if err != nil {
		t.Fatalf("CheckWResult: %v", err)
	}
	if res.UPN != o365test.UPN {
		t.Fatalf("UPN = %q", res.UPN)
	}
}
