package wsfed_test

import (
	"bytes"
	"crypto/x509"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/fedgate/fedgate/e2e/e2etest"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
	"github.com/fedgate/fedgate/idp/wsfed"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.xml")

const o365 = "urn:federation:MicrosoftOnline"

func issue(t *testing.T, audience string) *token.Assertion {
	t.Helper()
	iss, err := token.New(token.Config{
		Issuer: "http://sts.contoso.com/adfs/services/trust",
		Keys:   tokentest.KeySet(t),
		Now:    tokentest.NewClock(tokentest.Epoch).Now,
		Rand:   tokentest.Rand(),
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := iss.SAML11(token.Claims{
		NameID: "RW+aKiwLHUqeP11se4qfAQ==",
		Attributes: []token.Attribute{
			{Namespace: token.NSClaims, Name: "UPN", Values: []string{"alice@contoso.com"}},
			{Namespace: token.NSLiveID, Name: "ImmutableID", Values: []string{"RW+aKiwLHUqeP11se4qfAQ=="}},
			{Namespace: token.NSMSClaims, Name: "authnmethodsreferences", Values: []string{token.MultipleAuthn}},
		},
	}, audience)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func parse(t *testing.T, b []byte) *etree.Document {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(b); err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

func TestBuildRSTR_MatchesGolden(t *testing.T) {
	got, err := wsfed.BuildRSTR(issue(t, o365), o365)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", t.Name()+".golden.xml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("RSTR differs from %s (go test -update if intended)\n got: %s\nwant: %s", golden, got, want)
	}
	// Matching the golden file is not enough: the wrapped assertion must
	// still verify with an independent implementation.
	t.Run("xmlsec1", func(t *testing.T) {
		dir := t.TempDir()
		file, cert := filepath.Join(dir, "wresult.xml"), filepath.Join(dir, "current.crt")
		for name, data := range map[string][]byte{file: want, cert: tokentest.CertPEM(tokentest.KeyPair(t, tokentest.Current).Cert)} {
			if err := os.WriteFile(name, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		res := e2etest.XMLSec1Verify(t, file, cert, "AssertionID", "urn:oasis:names:tc:SAML:1.0:assertion:Assertion")
		if !res.OK {
			t.Errorf("xmlsec1 rejects the golden RSTR:\n%s", res.Output)
		}
	})
}

func TestBuildRSTR_Shape(t *testing.T) {
	a := issue(t, o365)
	out, err := wsfed.BuildRSTR(a, o365)
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, out).Root()
	if root.Tag != "RequestSecurityTokenResponse" || root.NamespaceURI() != wsfed.NSTrust2005 {
		t.Fatalf("root is {%s}%s", root.NamespaceURI(), root.Tag)
	}
	var order []string
	for _, c := range root.ChildElements() {
		order = append(order, c.Tag)
	}
	if got, want := strings.Join(order, ","), "Lifetime,AppliesTo,RequestedSecurityToken,TokenType,RequestType,KeyType"; got != want {
		t.Errorf("children = %s, want %s", got, want)
	}
	checks := []struct{ path, want string }{
		{"Lifetime/Created", "2025-06-01T12:00:00.123Z"},
		{"Lifetime/Expires", "2025-06-01T13:00:00.123Z"},
		{"AppliesTo/EndpointReference/Address", o365},
		{"TokenType", "urn:oasis:names:tc:SAML:1.0:assertion"},
		{"RequestType", "http://schemas.xmlsoap.org/ws/2005/02/trust/Issue"},
		{"KeyType", "http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey"},
	}
	for _, c := range checks {
		el := root.FindElement(c.path)
		if el == nil || el.Text() != c.want {
			t.Errorf("%s = %v, want %q", c.path, el, c.want)
		}
	}
	if ns := root.FindElement("Lifetime/Created").NamespaceURI(); ns != wsfed.NSUtility {
		t.Errorf("wsu namespace = %q", ns)
	}
	if ns := root.FindElement("AppliesTo/EndpointReference").NamespaceURI(); ns != wsfed.NSAddressing {
		t.Errorf("wsa namespace = %q", ns)
	}

	// passport-wsfed-saml2 takes the first child *node*: no whitespace or
	// comment may precede the assertion.
	rst := root.FindElement("RequestedSecurityToken")
	if len(rst.Child) != 1 {
		t.Fatalf("RequestedSecurityToken has %d child nodes, want exactly the assertion", len(rst.Child))
	}
	as, ok := rst.Child[0].(*etree.Element)
	if !ok || as.Tag != "Assertion" || as.SelectAttrValue("AssertionID", "") != a.ID {
		t.Fatalf("first child of RequestedSecurityToken is %#v", rst.Child[0])
	}

	// The wrapped assertion still verifies, in place, inside the RSTR.
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{
		Roots: []*x509.Certificate{tokentest.KeyPair(t, tokentest.Current).Cert}})
	vc.IdAttribute = "AssertionID"
	vc.Clock = dsig.NewFakeClockAt(tokentest.Epoch)
	if _, err := vc.Validate(as); err != nil {
		t.Errorf("assertion inside the RSTR does not verify: %v", err)
	}
}

func TestBuildRSTR_EscapesAudience(t *testing.T) {
	const aud = "urn:app?a=1&b=<2>"
	out, err := wsfed.BuildRSTR(issue(t, aud), aud)
	if err != nil {
		t.Fatal(err)
	}
	if got := parse(t, out).FindElement("//AppliesTo/EndpointReference/Address").Text(); got != aud {
		t.Errorf("Address = %q, want %q", got, aud)
	}
}

func TestBuildRSTR_Errors(t *testing.T) {
	signed := issue(t, o365)
	unsigned := &token.Assertion{Element: signed.Element.Copy()}
	unsigned.Element.RemoveChild(unsigned.Element.SelectElement("Signature"))
	saml2 := &token.Assertion{Element: etree.NewElement("saml:Assertion")}
	saml2.Element.CreateAttr("xmlns:saml", "urn:oasis:names:tc:SAML:2.0:assertion")
	tests := []struct {
		name     string
		a        *token.Assertion
		audience string
		wantErr  string
	}{
		{"nil assertion", nil, o365, "no assertion"},
		{"no element", &token.Assertion{}, o365, "no assertion"},
		{"SAML 2.0 element", saml2, o365, "is not a SAML 1.1 assertion"},
		{"unsigned", unsigned, o365, "not signed"},
		{"other audience", signed, "urn:other", `audience "urn:other" is not the assertion's Audience`},
		{"empty audience", signed, "", "is not the assertion's Audience"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wsfed.BuildRSTR(tt.a, tt.audience)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "wsfed: ") {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// BenchmarkSAML11RSTR is the whole wresult: token plus RSTR.
func BenchmarkSAML11RSTR(b *testing.B) {
	iss, err := token.New(token.Config{Issuer: "http://sts.contoso.com/adfs/services/trust", Keys: tokentest.KeySet(b)})
	if err != nil {
		b.Fatal(err)
	}
	c := token.Claims{NameID: "x", Attributes: []token.Attribute{{Namespace: token.NSClaims, Name: "UPN", Values: []string{"alice@contoso.com"}}}}
	b.ReportAllocs()
	for b.Loop() {
		a, err := iss.SAML11(c, o365)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := wsfed.BuildRSTR(a, o365); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "wresults/s")
}
