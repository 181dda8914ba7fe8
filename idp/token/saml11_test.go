package token_test

import (
	"bytes"
	"crypto/x509"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/fedgate/fedgate/e2e/e2etest"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.xml")

const audience = "urn:federation:MicrosoftOnline"

// aliceClaims are the Office 365 claims of o365-reference §2.
func aliceClaims() token.Claims {
	return token.Claims{
		NameID: "RW+aKiwLHUqeP11se4qfAQ==",
		Attributes: []token.Attribute{
			{Namespace: token.NSClaims, Name: "UPN", Values: []string{"alice@contoso.com"}},
			{Namespace: token.NSLiveID, Name: "ImmutableID", Values: []string{"RW+aKiwLHUqeP11se4qfAQ=="}},
			{Namespace: token.NSWS2012, Name: "insidecorporatenetwork", Values: []string{"false"},
				Type: "xs:boolean", OriginalIssuer: "CLIENT CONTEXT"},
			{Namespace: token.NSMSClaims, Name: "authnmethodsreferences", Values: []string{token.MultipleAuthn}},
		},
		AuthnInstant: tokentest.Epoch.Add(-90 * time.Second),
	}
}

// newIssuer returns an issuer on the fixed key, clock and ID source; mutate
// adjusts the config before New.
func newIssuer(t testing.TB, mutate func(*token.Config)) *token.Issuer {
	t.Helper()
	cfg := token.Config{
		Issuer: "http://sts.contoso.com/adfs/services/trust",
		Keys:   tokentest.KeySet(t),
		Now:    tokentest.NewClock(tokentest.Epoch).Now,
		Rand:   tokentest.Rand(),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	iss, err := token.New(cfg)
	if err != nil {
		t.Fatalf("token.New: %v", err)
	}
	return iss
}

// reparse serialises el the way it goes on the wire and parses it back.
func reparse(t *testing.T, el *etree.Element) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(token.MarshalElement(el)); err != nil {
		t.Fatalf("parse serialised assertion: %v", err)
	}
	return doc.Root()
}

// verify checks the enveloped signature of el against cert at time now.
func verify(t *testing.T, el *etree.Element, cert *x509.Certificate, now time.Time) error {
	t.Helper()
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
	vc.IdAttribute = "AssertionID"
	vc.Clock = dsig.NewFakeClockAt(now)
	_, err := vc.Validate(el)
	return err
}

func TestSAML11_MatchesGolden(t *testing.T) {
	a, err := newIssuer(t, nil).SAML11(aliceClaims(), audience)
	if err != nil {
		t.Fatal(err)
	}
	got := token.MarshalElement(a.Element)
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
		t.Errorf("assertion differs from %s (run go test -update if the change is intended)\n got: %s\nwant: %s", golden, got, want)
	}
	// Matching the golden file is not enough: the same bytes must verify.
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(want); err != nil {
		t.Fatal(err)
	}
	if err := verify(t, doc.Root(), tokentest.KeyPair(t, tokentest.Current).Cert, tokentest.Epoch); err != nil {
		t.Errorf("golden assertion does not verify: %v", err)
	}
	t.Run("xmlsec1", func(t *testing.T) {
		dir := t.TempDir()
		file, cert := filepath.Join(dir, "assertion.xml"), filepath.Join(dir, "current.crt")
		writeFile(t, file, want)
		writeFile(t, cert, tokentest.CertPEM(tokentest.KeyPair(t, tokentest.Current).Cert))
		res := e2etest.XMLSec1Verify(t, file, cert, "AssertionID", "urn:oasis:names:tc:SAML:1.0:assertion:Assertion")
		if !res.OK {
			t.Errorf("xmlsec1 rejects the golden assertion:\n%s", res.Output)
		}
	})
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestSAML11_Shape(t *testing.T) {
	a, err := newIssuer(t, nil).SAML11(aliceClaims(), audience)
	if err != nil {
		t.Fatal(err)
	}
	root := reparse(t, a.Element)

	if root.NamespaceURI() != token.NSSAML11Assertion || root.Tag != "Assertion" {
		t.Fatalf("root is {%s}%s", root.NamespaceURI(), root.Tag)
	}
	wantAttrs := map[string]string{
		"MajorVersion": "1", "MinorVersion": "1", "AssertionID": a.ID,
		"Issuer":       "http://sts.contoso.com/adfs/services/trust",
		"IssueInstant": "2025-06-01T12:00:00.123Z",
	}
	for k, v := range wantAttrs {
		if got := root.SelectAttrValue(k, ""); got != v {
			t.Errorf("Assertion/@%s = %q, want %q", k, got, v)
		}
	}
	var order []string
	for _, c := range root.ChildElements() {
		order = append(order, c.Tag)
	}
	if got, want := strings.Join(order, ","), "Conditions,AttributeStatement,AuthenticationStatement,Signature"; got != want {
		t.Errorf("child order = %s, want %s", got, want)
	}
	checks := []struct{ path, attr, want string }{
		{"Conditions", "NotBefore", "2025-06-01T12:00:00.123Z"},
		{"Conditions", "NotOnOrAfter", "2025-06-01T13:00:00.123Z"},
		{"Conditions/AudienceRestrictionCondition/Audience", "", audience},
		{"AttributeStatement/Subject/NameIdentifier", "Format", token.NameIDUnspecified},
		{"AttributeStatement/Subject/NameIdentifier", "", "RW+aKiwLHUqeP11se4qfAQ=="},
		{"AttributeStatement/Subject/SubjectConfirmation/ConfirmationMethod", "", token.ConfirmationBearer},
		{"AttributeStatement/Attribute[@AttributeName='UPN']", "AttributeNamespace", token.NSClaims},
		{"AttributeStatement/Attribute[@AttributeName='UPN']/AttributeValue", "", "alice@contoso.com"},
		{"AttributeStatement/Attribute[@AttributeName='insidecorporatenetwork']", "a:OriginalIssuer", "CLIENT CONTEXT"},
		{"AttributeStatement/Attribute[@AttributeName='insidecorporatenetwork']/AttributeValue", "xsi:type", "xs:boolean"},
		{"AttributeStatement/Attribute[@AttributeName='authnmethodsreferences']/AttributeValue", "", token.MultipleAuthn},
		{"AuthenticationStatement", "AuthenticationMethod", token.AuthnPasswordProtectedTransport},
		{"AuthenticationStatement", "AuthenticationInstant", "2025-06-01T11:58:30.123Z"},
		{"AuthenticationStatement/Subject/NameIdentifier", "", "RW+aKiwLHUqeP11se4qfAQ=="},
		{"Signature/SignedInfo/CanonicalizationMethod", "Algorithm", "http://www.w3.org/2001/10/xml-exc-c14n#"},
		{"Signature/SignedInfo/SignatureMethod", "Algorithm", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"},
		{"Signature/SignedInfo/Reference", "URI", "#" + a.ID},
		{"Signature/SignedInfo/Reference/DigestMethod", "Algorithm", "http://www.w3.org/2001/04/xmlenc#sha256"},
		{"Signature/SignedInfo/Reference/Transforms/Transform[1]", "Algorithm", "http://www.w3.org/2000/09/xmldsig#enveloped-signature"},
		{"Signature/SignedInfo/Reference/Transforms/Transform[2]", "Algorithm", "http://www.w3.org/2001/10/xml-exc-c14n#"},
	}
	for _, c := range checks {
		el := root.FindElement(c.path)
		if el == nil {
			t.Errorf("%s: missing", c.path)
			continue
		}
		got := el.Text()
		if c.attr != "" {
			got = el.SelectAttrValue(c.attr, "")
		}
		if got != c.want {
			t.Errorf("%s@%s = %q, want %q", c.path, c.attr, got, c.want)
		}
	}
	if x := root.FindElement("Signature/KeyInfo/X509Data/X509Certificate"); x == nil || x.Text() == "" {
		t.Error("KeyInfo/X509Data/X509Certificate missing")
	}
	if !a.NotBefore.Equal(a.IssueInstant) || a.NotOnOrAfter.Sub(a.NotBefore) != time.Hour {
		t.Errorf("instants: IssueInstant %v NotBefore %v NotOnOrAfter %v", a.IssueInstant, a.NotBefore, a.NotOnOrAfter)
	}
	if len(a.ID) != 33 || a.ID[0] != '_' {
		t.Errorf("ID %q: want _ + 32 hex digits", a.ID)
	}
}

func TestSAML11_SignatureVerifies(t *testing.T) {
	current := tokentest.KeyPair(t, tokentest.Current).Cert
	other := tokentest.KeyPair(t, tokentest.Other).Cert
	tests := []struct {
		name    string
		alg     token.SignatureAlgorithm
		tamper  func(*etree.Element)
		cert    *x509.Certificate
		wantErr bool
	}{
		{name: "sha256 verifies", cert: current},
		{name: "sha1 verifies", alg: token.RSASHA1, cert: current},
		{name: "other key fails", cert: other, wantErr: true},
		{name: "changed UPN fails", cert: current, wantErr: true, tamper: func(r *etree.Element) {
			r.FindElement("AttributeStatement/Attribute[@AttributeName='UPN']/AttributeValue").SetText("mallory@contoso.com")
		}},
		{name: "changed audience fails", cert: current, wantErr: true, tamper: func(r *etree.Element) {
			r.FindElement("Conditions/AudienceRestrictionCondition/Audience").SetText("urn:evil")
		}},
		{name: "changed NotOnOrAfter fails", cert: current, wantErr: true, tamper: func(r *etree.Element) {
			r.FindElement("Conditions").CreateAttr("NotOnOrAfter", "2099-01-01T00:00:00.000Z")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := newIssuer(t, func(c *token.Config) { c.Algorithm = tt.alg }).SAML11(aliceClaims(), audience)
			if err != nil {
				t.Fatal(err)
			}
			root := reparse(t, a.Element)
			if tt.tamper != nil {
				tt.tamper(root)
				root = reparse(t, root)
			}
			err = verify(t, root, tt.cert, tokentest.Epoch)
			if (err != nil) != tt.wantErr {
				t.Errorf("verify error = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

// TestSAML11_HostileValuesRoundTrip shows that values with XML
// metacharacters and whitespace come back unchanged after serialisation,
// with the signature intact.
func TestSAML11_HostileValuesRoundTrip(t *testing.T) {
	values := []string{
		`<b>&amp;"quoted"'apos'</b>`,
		"line1\nline2\r\nline3\ttab",
		"  leading and trailing  ",
		"]]> <!-- not a comment --> <?pi?>",
		"ünïcødé ✓ 𝄞",
	}
	for _, v := range values {
		t.Run(v, func(t *testing.T) {
			c := aliceClaims()
			c.NameID = v
			c.Attributes[0].Values = []string{v}
			c.Attributes[2].OriginalIssuer = v
			a, err := newIssuer(t, nil).SAML11(c, audience)
			if err != nil {
				t.Fatal(err)
			}
			root := reparse(t, a.Element)
			if err := verify(t, root, tokentest.KeyPair(t, tokentest.Current).Cert, tokentest.Epoch); err != nil {
				t.Fatalf("verify: %v", err)
			}
			if got := root.FindElement("AttributeStatement/Attribute[@AttributeName='UPN']/AttributeValue").Text(); got != v {
				t.Errorf("value = %q, want %q", got, v)
			}
			if got := root.FindElement("AttributeStatement/Subject/NameIdentifier").Text(); got != v {
				t.Errorf("NameID = %q, want %q", got, v)
			}
			if got := root.FindElement("AttributeStatement/Attribute[@AttributeName='insidecorporatenetwork']").SelectAttrValue("a:OriginalIssuer", ""); got != v {
				t.Errorf("OriginalIssuer = %q, want %q", got, v)
			}
		})
	}
}

func TestSAML11_RejectsInvalidClaims(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(*token.Claims)
		audience string
		wantErr  string
	}{
		{name: "empty audience", audience: "-", wantErr: "audience is empty"},
		{name: "audience with space", audience: "urn:a b", wantErr: "whitespace"},
		{name: "empty NameID", mutate: func(c *token.Claims) { c.NameID = "" }, wantErr: "NameID is empty"},
		{name: "NameID with NUL", mutate: func(c *token.Claims) { c.NameID = "a\x00b" }, wantErr: "U+0000"},
		{name: "NameID invalid UTF-8", mutate: func(c *token.Claims) { c.NameID = "a\xffb" }, wantErr: "not valid UTF-8"},
		{name: "format with space", mutate: func(c *token.Claims) { c.NameIDFormat = "urn:x y" }, wantErr: "NameIDFormat contains whitespace"},
		{name: "authn method with control", mutate: func(c *token.Claims) { c.AuthnMethod = "urn:\x01" }, wantErr: "AuthnMethod contains U+0001"},
		{name: "no attributes", mutate: func(c *token.Claims) { c.Attributes = nil }, wantErr: "at least one attribute"},
		{name: "attribute without name", mutate: func(c *token.Claims) { c.Attributes[0].Name = "" }, wantErr: "namespace and name are required"},
		{name: "attribute without values", mutate: func(c *token.Claims) { c.Attributes[0].Values = nil }, wantErr: "at least one value"},
		{name: "value with escape char", mutate: func(c *token.Claims) { c.Attributes[0].Values = []string{"a\x1bb"} }, wantErr: "U+001B"},
		{name: "value with U+FFFE", mutate: func(c *token.Claims) { c.Attributes[0].Values = []string{"a\uFFFEb"} }, wantErr: "U+FFFE"},
		{name: "type without xs prefix", mutate: func(c *token.Claims) { c.Attributes[2].Type = "boolean" }, wantErr: `use "xs:"`},
		{name: "type with odd local name", mutate: func(c *token.Claims) { c.Attributes[2].Type = "xs:a b" }, wantErr: `use "xs:"`},
		{name: "original issuer with control", mutate: func(c *token.Claims) { c.Attributes[2].OriginalIssuer = "\x7f\x02" }, wantErr: "original issuer contains U+0002"},
	}
	iss := newIssuer(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := aliceClaims()
			if tt.mutate != nil {
				tt.mutate(&c)
			}
			aud := audience
			if tt.audience == "-" {
				aud = ""
			} else if tt.audience != "" {
				aud = tt.audience
			}
			_, err := iss.SAML11(c, aud)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "token: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestSAML11_UsesClockAndLifetime(t *testing.T) {
	clock := tokentest.NewClock(tokentest.Epoch)
	iss := newIssuer(t, func(c *token.Config) { c.Now = clock.Now; c.Lifetime = 10 * time.Minute })
	first, err := iss.SAML11(aliceClaims(), audience)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour + 1500*time.Microsecond)
	second, err := iss.SAML11(aliceClaims(), audience)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := second.IssueInstant.Sub(first.IssueInstant), time.Hour+time.Millisecond; got != want {
		t.Errorf("IssueInstant advanced by %v, want %v (millisecond truncation)", got, want)
	}
	if got := second.NotOnOrAfter.Sub(second.NotBefore); got != 10*time.Minute {
		t.Errorf("lifetime = %v, want 10m", got)
	}
	if first.ID == second.ID {
		t.Errorf("IDs repeat: %s", first.ID)
	}
	if second.IssueInstant.Location() != time.UTC {
		t.Errorf("IssueInstant location = %v, want UTC", second.IssueInstant.Location())
	}
}

func TestNew_RejectsBadConfig(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*token.Config)
		wantErr string
	}{
		{name: "no issuer", mutate: func(c *token.Config) { c.Issuer = "" }, wantErr: "Issuer is empty"},
		{name: "issuer with space", mutate: func(c *token.Config) { c.Issuer = "http://a b" }, wantErr: "whitespace"},
		{name: "negative lifetime", mutate: func(c *token.Config) { c.Lifetime = -time.Minute }, wantErr: "Lifetime -1m0s is out of range"},
		{name: "lifetime too long", mutate: func(c *token.Config) { c.Lifetime = 25 * time.Hour }, wantErr: "out of range"},
		{name: "unknown algorithm", mutate: func(c *token.Config) { c.Algorithm = "rsa-md5" }, wantErr: `"rsa-md5" is not supported`},
		{name: "no signer", mutate: func(c *token.Config) { c.Keys.Current.Signer = nil }, wantErr: "no signer"},
		{name: "no certificate", mutate: func(c *token.Config) { c.Keys.Current.Cert = nil }, wantErr: "no certificate"},
		{name: "certificate of another key", mutate: func(c *token.Config) {
			c.Keys.Current.Cert = tokentest.KeyPair(t, tokentest.Other).Cert
		}, wantErr: "does not belong to the signing key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := token.Config{Issuer: "http://sts.contoso.com/adfs/services/trust", Keys: tokentest.KeySet(t)}
			tt.mutate(&cfg)
			_, err := token.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestIssuer_KeysReturnsConfiguredSet(t *testing.T) {
	ks := tokentest.KeySet(t)
	iss := newIssuer(t, func(c *token.Config) { c.Keys = ks })
	got := iss.Keys().Certificates()
	if len(got) != 2 || !got[0].Equal(ks.Current.Cert) || !got[1].Equal(ks.Next) {
		t.Errorf("Certificates() = %d certs, want current then next", len(got))
	}
}

func TestSAML11_ConcurrentIssuance(t *testing.T) {
	iss := newIssuer(t, func(c *token.Config) { c.Rand = nil })
	cert := tokentest.KeyPair(t, tokentest.Current).Cert
	const n = 8
	out := make(chan *token.Assertion, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			a, err := iss.SAML11(aliceClaims(), audience)
			out <- a
			errs <- err
		}()
	}
	seen := map[string]bool{}
	for range n {
		a, err := <-out, <-errs
		if err != nil {
			t.Fatal(err)
		}
		if seen[a.ID] {
			t.Errorf("duplicate ID %s", a.ID)
		}
		seen[a.ID] = true
		if err := verify(t, reparse(t, a.Element), cert, tokentest.Epoch); err != nil {
			t.Error(err)
		}
	}
}
