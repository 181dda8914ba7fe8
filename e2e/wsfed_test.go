package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/fedgate/fedgate/e2e/e2etest"
	"github.com/fedgate/fedgate/idp/metadata"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
	"github.com/fedgate/fedgate/idp/wsfed"
)

const (
	o365        = "urn:federation:MicrosoftOnline"
	issuerURI   = "http://sts.contoso.com/adfs/services/trust"
	aliceUPN    = "alice@contoso.com"
	aliceImmID  = "RW+aKiwLHUqeP11se4qfAQ=="
	assertionNS = "urn:oasis:names:tc:SAML:1.0:assertion:Assertion"
	metadataNS  = "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor"
)

// federation is one fedgate deployment as a relying party sees it: the
// signing certificates come from the published metadata, not from the keys.
type federation struct {
	dir      string
	issuer   *token.Issuer
	metadata string // path of FederationMetadata.xml
	current  string // PEM of the signing certificate, read from metadata
	next     string // PEM of the rollover certificate, read from metadata
}

// newFederation generates a current and a next key (real clock: the node
// validator checks NotBefore/NotOnOrAfter against the wall clock), publishes
// metadata and extracts the certificates with metadata.ParseSigningCertificates.
func newFederation(t *testing.T) *federation {
	t.Helper()
	now := time.Now()
	current, err := token.GenerateKeyPair("sts.contoso.com token signing", 24*time.Hour, now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	next, err := token.GenerateKeyPair("sts.contoso.com token signing (next)", 48*time.Hour, now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keys := token.KeySet{Current: current, Next: next.Cert}
	iss, err := token.New(token.Config{Issuer: issuerURI, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	md, err := metadata.Build(metadata.Config{
		EntityID:   issuerURI,
		PassiveURL: "https://sts.contoso.com/adfs/ls/",
		MEXURL:     "https://sts.contoso.com/adfs/services/trust/mex",
		Keys:       keys,
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &federation{dir: t.TempDir(), issuer: iss}
	f.metadata = writeFile(t, f.dir, "FederationMetadata.xml", md)

	entityID, passive, certs, err := metadata.ParseSigningCertificates(md)
	if err != nil {
		t.Fatal(err)
	}
	if entityID != issuerURI || passive != "https://sts.contoso.com/adfs/ls/" || len(certs) != 2 {
		t.Fatalf("metadata read back as %q %q with %d certificates", entityID, passive, len(certs))
	}
	if !certs[0].Equal(current.Cert) || !certs[1].Equal(next.Cert) {
		t.Fatal("metadata certificates are not current, next")
	}
	f.current = writeFile(t, f.dir, "current.crt", tokentest.CertPEM(certs[0]))
	f.next = writeFile(t, f.dir, "next.crt", tokentest.CertPEM(certs[1]))
	return f
}

// wresult issues alice's Office 365 token for audience, wrapped in the RSTR.
func (f *federation) wresult(t *testing.T, audience string) []byte {
	t.Helper()
	a, err := f.issuer.SAML11(token.Claims{
		NameID: aliceImmID,
		Attributes: []token.Attribute{
			{Namespace: token.NSClaims, Name: "UPN", Values: []string{aliceUPN}},
			{Namespace: token.NSLiveID, Name: "ImmutableID", Values: []string{aliceImmID}},
			{Namespace: token.NSWS2012, Name: "insidecorporatenetwork", Values: []string{"true"},
				Type: "xs:boolean", OriginalIssuer: "CLIENT CONTEXT"},
			{Namespace: token.NSMSClaims, Name: "authnmethodsreferences", Values: []string{token.MultipleAuthn}},
		},
	}, audience)
	if err != nil {
		t.Fatal(err)
	}
	rstr, err := wsfed.BuildRSTR(a, audience)
	if err != nil {
		t.Fatal(err)
	}
	return rstr
}

func tamperUPN(t *testing.T, rstr []byte) []byte {
	t.Helper()
	out := bytes.Replace(rstr, []byte(">"+aliceUPN+"<"), []byte(">mallory@contoso.com<"), 1)
	if bytes.Equal(out, rstr) {
		t.Fatal("UPN value not found in the RSTR")
	}
	return out
}

// TestWSFed_PassportWsfedSaml2 runs the wresult through passport-wsfed-saml2,
// the way a WS-Fed relying party receives it.
func TestWSFed_PassportWsfedSaml2(t *testing.T) {
	node, dir := e2etest.Node(t)
	f := newFederation(t)
	good := f.wresult(t, o365)

	t.Run("accepts the token and reads the claims", func(t *testing.T) {
		res := e2etest.Run(t, dir, good, node, "rp-validate.js", "wsfed", f.current, o365)
		if !res.OK {
			t.Fatalf("rejected:\n%s", res.Output)
		}
		var profile map[string]any
		if err := json.Unmarshal([]byte(res.Stdout), &profile); err != nil {
			t.Fatalf("profile is not JSON: %v\n%s", err, res.Stdout)
		}
		want := map[string]string{
			"http://schemas.xmlsoap.org/claims/UPN":                                aliceUPN,
			"http://schemas.microsoft.com/LiveID/Federation/2008/05/ImmutableID":   aliceImmID,
			"http://schemas.microsoft.com/claims/authnmethodsreferences":           token.MultipleAuthn,
			"http://schemas.microsoft.com/ws/2012/01/insidecorporatenetwork":       "true",
			"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier": aliceImmID,
			"issuer": issuerURI,
		}
		for k, v := range want {
			if got, _ := profile[k].(string); got != v {
				t.Errorf("profile[%q] = %v, want %q", k, profile[k], v)
			}
		}
	})

	rejects := []struct {
		name     string
		wresult  []byte
		cert     string
		audience string
	}{
		{"rejects a changed claim value", tamperUPN(t, good), f.current, o365},
		{"rejects the token under another certificate", good, f.next, o365},
		{"rejects a token for another audience", f.wresult(t, "urn:federation:other"), f.current, o365},
		{"rejects the token at a relying party with another realm", good, f.current, "urn:federation:other"},
	}
	for _, tt := range rejects {
		t.Run(tt.name, func(t *testing.T) {
			res := e2etest.Run(t, dir, tt.wresult, node, "rp-validate.js", "wsfed", tt.cert, tt.audience)
			if res.OK {
				t.Fatalf("accepted:\n%s", res.Output)
			}
			t.Logf("rejected as expected: %s", bytes.TrimSpace([]byte(res.Output)))
		})
	}
}

// TestWSFed_XMLSec1 verifies the assertion signature inside the RSTR and the
// metadata signature with xmlsec1, pinned to the certificate from metadata.
func TestWSFed_XMLSec1(t *testing.T) {
	e2etest.XMLSec1(t)
	f := newFederation(t)
	good := f.wresult(t, o365)
	md, err := os.ReadFile(f.metadata)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, cert, idAttr, idNode string
		wantOK                           bool
	}{
		{"assertion verifies", writeFile(t, f.dir, "wresult.xml", good), f.current, "AssertionID", assertionNS, true},
		{"tampered assertion fails", writeFile(t, f.dir, "tampered.xml", tamperUPN(t, good)), f.current, "AssertionID", assertionNS, false},
		{"assertion under the next certificate fails", writeFile(t, f.dir, "wresult2.xml", good), f.next, "AssertionID", assertionNS, false},
		{"metadata verifies", f.metadata, f.current, "ID", metadataNS, true},
		{"tampered metadata fails", writeFile(t, f.dir, "tampered-md.xml",
			bytes.Replace(md, []byte("https://sts.contoso.com/adfs/ls/"), []byte("https://evil.example/adfs/ls/"), 1)),
			f.current, "ID", metadataNS, false},
		{"metadata under the next certificate fails", f.metadata, f.next, "ID", metadataNS, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e2etest.XMLSec1Verify(t, tt.file, tt.cert, tt.idAttr, tt.idNode)
			if res.OK != tt.wantOK {
				t.Fatalf("xmlsec1 accepted=%v, want %v\n%s", res.OK, tt.wantOK, res.Output)
			}
		})
	}
}
