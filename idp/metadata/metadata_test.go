package metadata_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/fedgate/fedgate/e2e/e2etest"
	"github.com/fedgate/fedgate/idp/metadata"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.xml")

const (
	entityID   = "http://sts.contoso.com/adfs/services/trust"
	passiveURL = "https://sts.contoso.com/adfs/ls/"
	mexURL     = "https://sts.contoso.com/adfs/services/trust/mex"
)

// newConfig is a valid configuration on the fixed keys, clock and ID
// source; mutate adjusts it.
func newConfig(t testing.TB, mutate func(*metadata.Config)) metadata.Config {
	t.Helper()
	cfg := metadata.Config{
		EntityID:    entityID,
		PassiveURL:  passiveURL,
		MEXURL:      mexURL,
		DisplayName: "Contoso Federation Service",
		Keys:        tokentest.KeySet(t),
		Now:         tokentest.NewClock(tokentest.Epoch).Now,
		Rand:        tokentest.Rand(),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	return cfg
}

func build(t testing.TB, mutate func(*metadata.Config)) []byte {
	t.Helper()
	out, err := metadata.Build(newConfig(t, mutate))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func verify(t *testing.T, doc []byte, cert *x509.Certificate) error {
	t.Helper()
	d := etree.NewDocument()
	if err := d.ReadFromBytes(doc); err != nil {
		t.Fatal(err)
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
	vc.IdAttribute = "ID"
	vc.Clock = dsig.NewFakeClockAt(tokentest.Epoch)
	_, err := vc.Validate(d.Root())
	return err
}

// TestBuild compares the document with testdata/TestBuild.golden.xml and
// verifies the golden bytes with goxmldsig and xmlsec1.
func TestBuild(t *testing.T) {
	got := build(t, nil)
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
		t.Errorf("metadata differs from %s (go test -update if intended)\n got: %s\nwant: %s", golden, got, want)
	}
	current := tokentest.KeyPair(t, tokentest.Current).Cert
	if err := verify(t, want, current); err != nil {
		t.Errorf("golden document does not verify with goxmldsig: %v", err)
	}

	t.Run("xmlsec1", func(t *testing.T) {
		dir := t.TempDir()
		certFile := filepath.Join(dir, "current.crt")
		otherFile := filepath.Join(dir, "other.crt")
		write(t, certFile, tokentest.CertPEM(current))
		write(t, otherFile, tokentest.CertPEM(tokentest.KeyPair(t, tokentest.Other).Cert))
		goodFile := filepath.Join(dir, "metadata.xml")
		write(t, goodFile, want)
		tampered := filepath.Join(dir, "tampered.xml")
		write(t, tampered, bytes.Replace(want, []byte(passiveURL), []byte("https://evil.example/adfs/ls/"), 1))
		tests := []struct {
			name, file, cert string
			wantOK           bool
		}{
			{"golden verifies", goodFile, certFile, true},
			{"other key fails", goodFile, otherFile, false},
			{"tampered endpoint fails", tampered, certFile, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := e2etest.XMLSec1Verify(t, tt.file, tt.cert, "ID", "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor")
				if res.OK != tt.wantOK {
					t.Errorf("xmlsec1 accepted=%v, want %v\n%s", res.OK, tt.wantOK, res.Output)
				}
			})
		}
	})
}

func write(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestBuild_Shape(t *testing.T) {
	ks := tokentest.KeySet(t)
	doc := build(t, nil)
	d := etree.NewDocument()
	if err := d.ReadFromBytes(doc); err != nil {
		t.Fatal(err)
	}
	root := d.Root()
	if root.Tag != "EntityDescriptor" || root.NamespaceURI() != metadata.NSMetadata {
		t.Fatalf("root {%s}%s", root.NamespaceURI(), root.Tag)
	}
	if got := root.SelectAttrValue("validUntil", ""); got != "2025-06-02T12:00:00.123Z" {
		t.Errorf("validUntil = %q, want now + 24h", got)
	}
	kids := root.ChildElements()
	if len(kids) != 3 || kids[0].Tag != "Signature" || kids[1].Tag != "RoleDescriptor" || kids[2].Tag != "IDPSSODescriptor" {
		t.Fatalf("children: want Signature, RoleDescriptor, IDPSSODescriptor")
	}
	if got := kids[0].FindElement("SignedInfo/Reference").SelectAttrValue("URI", ""); got != "#"+root.SelectAttrValue("ID", "") {
		t.Errorf("Reference URI %q does not point at the ID", got)
	}
	sts := kids[1]
	if got := sts.SelectAttrValue("xsi:type", ""); got != "fed:SecurityTokenServiceType" {
		t.Errorf("xsi:type = %q", got)
	}
	if got := sts.SelectAttrValue("ServiceDisplayName", ""); got != "Contoso Federation Service" {
		t.Errorf("ServiceDisplayName = %q", got)
	}
	var stsOrder []string
	for _, c := range sts.ChildElements() {
		stsOrder = append(stsOrder, c.Tag)
	}
	if got, want := strings.Join(stsOrder, ","), "KeyDescriptor,KeyDescriptor,TokenTypesOffered,ClaimTypesOffered,SecurityTokenServiceEndpoint,PassiveRequestorEndpoint"; got != want {
		t.Errorf("STS children = %s, want %s", got, want)
	}
	var claims []string
	for _, c := range sts.FindElements("ClaimTypesOffered/ClaimType") {
		claims = append(claims, c.SelectAttrValue("Uri", ""))
	}
	wantClaims := []string{
		"http://schemas.xmlsoap.org/claims/UPN",
		"http://schemas.microsoft.com/LiveID/Federation/2008/05/ImmutableID",
		"http://schemas.microsoft.com/claims/authnmethodsreferences",
		"http://schemas.microsoft.com/ws/2012/01/insidecorporatenetwork",
	}
	if strings.Join(claims, " ") != strings.Join(wantClaims, " ") {
		t.Errorf("claims offered = %v", claims)
	}
	if got := sts.FindElement("SecurityTokenServiceEndpoint/EndpointReference/Address").Text(); got != mexURL {
		t.Errorf("STS endpoint = %q", got)
	}
	idp := kids[2]
	var idpOrder []string
	for _, c := range idp.ChildElements() {
		idpOrder = append(idpOrder, c.Tag+"="+c.SelectAttrValue("Binding", c.Text()))
	}
	wantIDP := "KeyDescriptor=,KeyDescriptor=," +
		"SingleLogoutService=" + metadata.BindingHTTPRedirect + ",SingleLogoutService=" + metadata.BindingHTTPPOST +
		",NameIDFormat=" + metadata.NameIDPersistent + ",NameIDFormat=" + token.NameIDUnspecified +
		",SingleSignOnService=" + metadata.BindingHTTPRedirect + ",SingleSignOnService=" + metadata.BindingHTTPPOST
	if got := strings.Join(idpOrder, ","); got != wantIDP {
		t.Errorf("IDPSSODescriptor children =\n%s\nwant\n%s", got, wantIDP)
	}
	for _, s := range idp.FindElements("SingleSignOnService") {
		if s.SelectAttrValue("Location", "") != passiveURL {
			t.Errorf("SSO Location = %q", s.SelectAttrValue("Location", ""))
		}
	}

	gotID, gotPassive, certs, err := metadata.ParseSigningCertificates(doc)
	if err != nil {
		t.Fatal(err)
	}
	if gotID != entityID || gotPassive != passiveURL {
		t.Errorf("parsed %q %q", gotID, gotPassive)
	}
	if len(certs) != 2 || !certs[0].Equal(ks.Current.Cert) || !certs[1].Equal(ks.Next) {
		t.Errorf("parsed %d certificates, want current then next", len(certs))
	}
}

func TestBuild_Variants(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*metadata.Config)
		check  func(t *testing.T, doc []byte, root *etree.Element)
	}{
		{"no MEX URL omits the STS endpoint", func(c *metadata.Config) { c.MEXURL = "" }, func(t *testing.T, _ []byte, r *etree.Element) {
			if r.FindElement("RoleDescriptor/SecurityTokenServiceEndpoint") != nil {
				t.Error("SecurityTokenServiceEndpoint present")
			}
		}},
		{"no next certificate publishes one key", func(c *metadata.Config) { c.Keys.Next = nil }, func(t *testing.T, _ []byte, r *etree.Element) {
			if n := len(r.FindElements("RoleDescriptor/KeyDescriptor")); n != 1 {
				t.Errorf("%d STS KeyDescriptors", n)
			}
		}},
		{"next equal to current is published once", func(c *metadata.Config) { c.Keys.Next = c.Keys.Current.Cert }, func(t *testing.T, _ []byte, r *etree.Element) {
			if n := len(r.FindElements("IDPSSODescriptor/KeyDescriptor")); n != 1 {
				t.Errorf("%d IdP KeyDescriptors", n)
			}
		}},
		{"no display name", func(c *metadata.Config) { c.DisplayName = "" }, func(t *testing.T, _ []byte, r *etree.Element) {
			if r.FindElement("RoleDescriptor").SelectAttr("ServiceDisplayName") != nil {
				t.Error("ServiceDisplayName present")
			}
		}},
		{"custom validity", func(c *metadata.Config) { c.ValidFor = time.Hour }, func(t *testing.T, _ []byte, r *etree.Element) {
			if got := r.SelectAttrValue("validUntil", ""); got != "2025-06-01T13:00:00.123Z" {
				t.Errorf("validUntil = %q", got)
			}
		}},
		{"rsa-sha1 when configured", func(c *metadata.Config) { c.Algorithm = token.RSASHA1 }, func(t *testing.T, doc []byte, r *etree.Element) {
			if got := r.FindElement("Signature/SignedInfo/SignatureMethod").SelectAttrValue("Algorithm", ""); got != "http://www.w3.org/2000/09/xmldsig#rsa-sha1" {
				t.Errorf("SignatureMethod = %q", got)
			}
			if err := verify(t, doc, tokentest.KeyPair(t, tokentest.Current).Cert); err != nil {
				t.Error(err)
			}
		}},
		{"display name with markup is escaped", func(c *metadata.Config) { c.DisplayName = `A & B <"x">` }, func(t *testing.T, doc []byte, r *etree.Element) {
			if got := r.FindElement("RoleDescriptor").SelectAttrValue("ServiceDisplayName", ""); got != `A & B <"x">` {
				t.Errorf("ServiceDisplayName = %q", got)
			}
			if err := verify(t, doc, tokentest.KeyPair(t, tokentest.Current).Cert); err != nil {
				t.Error(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := build(t, tt.mutate)
			d := etree.NewDocument()
			if err := d.ReadFromBytes(doc); err != nil {
				t.Fatal(err)
			}
			tt.check(t, doc, d.Root())
		})
	}
}

func TestBuild_RejectsBadConfig(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*metadata.Config)
		wantErr string
	}{
		{"no entity ID", func(c *metadata.Config) { c.EntityID = "" }, "EntityID is empty"},
		{"relative entity ID", func(c *metadata.Config) { c.EntityID = "sts" }, "is not an absolute URI"},
		{"no passive URL", func(c *metadata.Config) { c.PassiveURL = "" }, "PassiveURL is empty"},
		{"http passive URL", func(c *metadata.Config) { c.PassiveURL = "http://sts.contoso.com/adfs/ls/" }, "PassiveURL \"http://sts.contoso.com/adfs/ls/\" must be an absolute https URL"},
		{"MEX URL without host", func(c *metadata.Config) { c.MEXURL = "https:///mex" }, "MEXURL"},
		{"display name with newline", func(c *metadata.Config) { c.DisplayName = "a\nb" }, "DisplayName"},
		{"validity too long", func(c *metadata.Config) { c.ValidFor = 31 * 24 * time.Hour }, "ValidFor"},
		{"negative validity", func(c *metadata.Config) { c.ValidFor = -time.Hour }, "ValidFor"},
		{"unknown algorithm", func(c *metadata.Config) { c.Algorithm = "hmac" }, `"hmac" is not supported`},
		{"no signing key", func(c *metadata.Config) { c.Keys.Current = token.KeyPair{} }, "no signer"},
		{"several problems reported together", func(c *metadata.Config) { c.EntityID = ""; c.PassiveURL = "" }, "EntityID is empty; set it to the token issuer, e.g. http://sts.contoso.com/adfs/services/trust\nPassiveURL is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := metadata.Build(newConfig(t, tt.mutate))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "metadata: ") {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseSigningCertificates_Errors(t *testing.T) {
	good := build(t, nil)
	// certB64 is the PEM body with its line breaks, as some IdPs publish it.
	certB64 := func(name string) string {
		p := strings.TrimSpace(string(tokentest.CertPEM(tokentest.KeyPair(t, name).Cert)))
		p = strings.TrimPrefix(p, "-----BEGIN CERTIFICATE-----")
		return strings.TrimSuffix(p, "-----END CERTIFICATE-----")
	}
	const md = `xmlns="urn:oasis:names:tc:SAML:2.0:metadata"`
	idpOnly := `<EntityDescriptor ` + md + ` entityID="urn:idp"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
		`<KeyDescriptor use="encryption"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>` + certB64(tokentest.Other) + `</X509Certificate></X509Data></KeyInfo></KeyDescriptor>` +
		`<KeyDescriptor><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>` + certB64(tokentest.Current) + `</X509Certificate></X509Data></KeyInfo></KeyDescriptor>` +
		`</IDPSSODescriptor></EntityDescriptor>`

	tests := []struct {
		name      string
		doc       string
		wantErr   string
		wantCerts int
	}{
		{name: "IdP-only metadata with PEM line breaks; encryption key skipped", doc: idpOnly, wantCerts: 1},
		{name: "too large", doc: string(good) + strings.Repeat(" ", metadata.MaxDocumentBytes), wantErr: "the limit is 1048576"},
		{name: "DTD", doc: `<!DOCTYPE x [<!ENTITY a "b">]>` + string(good), wantErr: "DTD"},
		{name: "lower-case doctype", doc: `<!doctype x>` + string(good), wantErr: "DTD"},
		{name: "not XML", doc: "hello", wantErr: "metadata: "},
		{name: "empty", doc: "", wantErr: "metadata: "},
		{name: "round-trip hazard", doc: `<EntityDescriptor ` + md + ` entityID="a"><x::Element/></EntityDescriptor>`, wantErr: "round trip"},
		{name: "wrong root", doc: `<EntitiesDescriptor ` + md + `/>`, wantErr: "expected an EntityDescriptor"},
		{name: "root in wrong namespace", doc: `<EntityDescriptor entityID="a"/>`, wantErr: "expected an EntityDescriptor"},
		{name: "no entityID", doc: `<EntityDescriptor ` + md + `/>`, wantErr: "has no entityID"},
		{name: "no certificates", doc: `<EntityDescriptor ` + md + ` entityID="a"/>`, wantErr: "no signing certificate"},
		{name: "bad base64", doc: strings.Replace(idpOnly, "MII", "!!!", 2), wantErr: "is not base64"},
		{name: "not a certificate", doc: `<EntityDescriptor ` + md + ` entityID="a"><IDPSSODescriptor><KeyDescriptor><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>AAAA</X509Certificate></X509Data></KeyInfo></KeyDescriptor></IDPSSODescriptor></EntityDescriptor>`, wantErr: "X509Certificate: x509"},
		{name: "RoleDescriptor with another type is ignored", doc: strings.Replace(string(good), "fed:SecurityTokenServiceType", "fed:ApplicationServiceType", 1), wantCerts: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, certs, err := metadata.ParseSigningCertificates([]byte(tt.doc))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(certs) != tt.wantCerts {
					t.Errorf("got %d certificates, want %d", len(certs), tt.wantCerts)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
	_, _, _, err := metadata.ParseSigningCertificates([]byte(`<EntityDescriptor ` + md + ` entityID="a"/>`))
	if !errors.Is(err, metadata.ErrNoSigningCertificate) {
		t.Errorf("error %v is not ErrNoSigningCertificate", err)
	}
}

func FuzzParseSigningCertificates(f *testing.F) {
	f.Add(build(f, nil))
	f.Add([]byte(`<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="a"><IDPSSODescriptor/></EntityDescriptor>`))
	f.Add([]byte(`<!DOCTYPE a><a/>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		id, _, certs, err := metadata.ParseSigningCertificates(doc)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "metadata: ") {
				t.Fatalf("error lacks package prefix: %v", err)
			}
			return
		}
		if id == "" || len(certs) == 0 || len(certs) > metadata.MaxCertificates {
			t.Fatalf("accepted with entityID %q and %d certificates", id, len(certs))
		}
	})
}
