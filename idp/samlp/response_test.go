package samlp_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/idp/internal/xmlin"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token/tokentest"
)

const aliceImmID = "RW+aKiwLHUqeP11se4qfAQ=="

func entraResponse(t *testing.T) *samlp.Response {
	t.Helper()
	sp := samlp.EntraServiceProvider()
	base := samlp.ResponseInput{SP: sp, ACS: sp.ACS[0], InResponseTo: "_req1", RelayState: "rs", AuthnInstant: tokentest.Epoch}
	r, err := newIdP(t).BuildResponse(samlp.EntraProfile(base, aliceImmID, "alice@contoso.com"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBuildResponse_EntraGolden(t *testing.T) {
	r := entraResponse(t)
	golden(t, t.Name(), r.XML)
	doc, err := xmlin.Parse(r.XML)
	if err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	for path, want := range map[string]string{
		"./Issuer":                   idpEntity,
		"./Assertion/Subject/NameID": aliceImmID,
		"./Assertion/Conditions/AudienceRestriction/Audience":                       samlp.EntraEntityID,
		"./Assertion/AttributeStatement/Attribute[@Name='IDPEmail']/AttributeValue": "alice@contoso.com",
		"./Assertion/AuthnStatement/AuthnContext/AuthnContextClassRef":              samlp.PasswordProtectedTransport,
	} {
		if el := root.FindElement(path); el == nil || el.Text() != want {
			t.Errorf("%s = %v, want %q", path, el, want)
		}
	}
	scd := root.FindElement("./Assertion/Subject/SubjectConfirmation/SubjectConfirmationData")
	if root.SelectAttrValue("Destination", "") != samlp.EntraACS || scd.SelectAttrValue("Recipient", "") != samlp.EntraACS ||
		scd.SelectAttrValue("InResponseTo", "") != "_req1" || root.SelectAttrValue("InResponseTo", "") != "_req1" {
		t.Errorf("Destination/Recipient/InResponseTo wrong")
	}
	if n := len(root.FindElements("//Signature")); n != 2 {
		t.Errorf("%d signatures, want 2 (response and assertion)", n)
	}
	if f := r.PostForm(); f.Action != samlp.EntraACS || f.RelayState != "rs" || f.SAMLResponse == "" {
		t.Errorf("PostForm = %+v", f)
	}
}

// TestBuildResponse_XMLSec1 is the independent verifier next to the golden:
// xmlsec1 checks the Response and the Assertion signatures separately,
// trusting only the pinned certificate.
func TestBuildResponse_XMLSec1(t *testing.T) {
	bin, err := exec.LookPath("xmlsec1")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xmlsec1 is required in CI: apt-get install -y xmlsec1")
		}
		t.Skip("xmlsec1 missing; apt-get install -y xmlsec1 (a failure under CI=true)")
	}
	dir := t.TempDir()
	resp := filepath.Join(dir, "response.xml")
	cert := filepath.Join(dir, "idp.crt")
	other := filepath.Join(dir, "other.crt")
	write := func(p string, b []byte) {
		t.Helper()
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(resp, entraResponse(t).XML)
	write(cert, tokentest.CertPEM(tokentest.KeyPair(t, tokentest.Current).Cert))
	write(other, tokentest.CertPEM(tokentest.KeyPair(t, tokentest.Other).Cert))
	tests := []struct {
		name, cert, xpath string
		ok                bool
	}{
		{"response signature", cert, "/*/*[local-name()='Signature']", true},
		{"assertion signature", cert, "//*[local-name()='Assertion']/*[local-name()='Signature']", true},
		{"wrong key", other, "//*[local-name()='Assertion']/*[local-name()='Signature']", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := exec.Command(bin, "--verify", "--pubkey-cert-pem", tt.cert, "--enabled-key-data", "key-name",
				"--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
				"--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response",
				"--node-xpath", tt.xpath, resp).CombinedOutput()
			if (err == nil) != tt.ok {
				t.Fatalf("xmlsec1 ok=%v, want %v:\n%s", err == nil, tt.ok, out)
			}
		})
	}
}

func TestBuildResponse_Rejects(t *testing.T) {
	sp := newSP(t, nil)
	tests := []struct {
		name string
		in   samlp.ResponseInput
	}{
		{"unregistered ACS", samlp.ResponseInput{SP: sp, ACS: samlp.Endpoint{Binding: samlp.BindingHTTPPost, Location: "https://evil.example/"}, NameID: "x", AuthnInstant: tokentest.Epoch}},
		{"no NameID", samlp.ResponseInput{SP: sp, ACS: sp.ACS[0], AuthnInstant: tokentest.Epoch}},
		{"invalid SP", samlp.ResponseInput{SP: &samlp.ServiceProvider{}, NameID: "x", AuthnInstant: tokentest.Epoch}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := newIdP(t).BuildResponse(tt.in); err == nil {
				t.Fatal("BuildResponse succeeded")
			}
		})
	}
}

func TestBuildResponse_Encrypted(t *testing.T) {
	for _, enc := range []samlp.Encryption{samlp.AES256GCM, samlp.AES128CBC} {
		t.Run(string(enc), func(t *testing.T) {
			sp := newSP(t, func(s *samlp.ServiceProvider) {
				s.EncryptionCert = tokentest.KeyPair(t, tokentest.Next).Cert
				s.Encryption = enc
			})
			r, err := newIdP(t).BuildResponse(samlp.ResponseInput{SP: sp, ACS: sp.ACS[0], NameID: "alice", AuthnInstant: tokentest.Epoch})
			if err != nil {
				t.Fatal(err)
			}
			s := string(r.XML)
			if strings.Contains(s, "alice") || !strings.Contains(s, "EncryptedAssertion") {
				t.Fatal("assertion not encrypted")
			}
		})
	}
}
