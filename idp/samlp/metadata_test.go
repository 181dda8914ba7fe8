package samlp_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/internal/xmlin"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
)

func readSPMetadata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "spmetadata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// certB64 is a tokentest certificate as it appears in metadata.
func certB64(t testing.TB, name string) string {
	t.Helper()
	return base64.StdEncoding.EncodeToString(tokentest.KeyPair(t, name).Cert.Raw)
}

// The files under testdata/spmetadata are real metadata shapes:
// nodesaml.xml is the output of node-saml 5.1.0 generateServiceProviderMetadata
// (signing key tokentest Next, decryption key tokentest Other), mellon.xml
// is mellon_create_metadata.sh's template (one key for both uses),
// shibboleth.xml is the Shibboleth SP 3 Metadata handler's shape (one key
// without use, algsupport extensions, SAML 1 and 2 ACS list).
func TestParseSPMetadata_RealShapes(t *testing.T) {
	tests := []struct {
		file          string
		entityID      string
		acs           []samlp.Endpoint
		signing       []string
		requireSigned bool
		encryption    string
		enc           samlp.Encryption
		nameIDFormat  string
	}{
		{
			file: "nodesaml.xml", entityID: "https://node-sp.example.test/metadata",
			acs:     []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: "https://node-sp.example.test/login/callback", Index: 1, IsDefault: true}},
			signing: []string{tokentest.Next}, requireSigned: true,
			encryption: tokentest.Other, enc: samlp.AES256GCM, nameIDFormat: samlp.NameIDFormatEmailAddress,
		},
		{
			file: "mellon.xml", entityID: "https://mellon.example.test/mellon/metadata",
			acs:     []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: "https://mellon.example.test/mellon/postResponse", Index: 0, IsDefault: true}},
			signing: []string{tokentest.Next}, requireSigned: true,
			encryption: tokentest.Next, enc: samlp.AES256GCM,
		},
		{
			file: "shibboleth.xml", entityID: "https://shib.example.test/shibboleth",
			acs: []samlp.Endpoint{
				{Binding: samlp.BindingHTTPPost, Location: "https://shib.example.test/Shibboleth.sso/SAML2/POST", Index: 1, IsDefault: true},
				{Binding: samlp.BindingHTTPPost, Location: "https://shib.example.test/Shibboleth.sso/SAML2/POST/alt", Index: 7},
			},
			signing:    []string{tokentest.Other},
			encryption: tokentest.Other, enc: samlp.AES256GCM, nameIDFormat: samlp.NameIDFormatPersistent,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			sp, err := samlp.ParseSPMetadata(readSPMetadata(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if sp.EntityID != tt.entityID || sp.RequireSignedRequests != tt.requireSigned || sp.NameIDFormat != tt.nameIDFormat || sp.Encryption != tt.enc {
				t.Errorf("got entityID=%q requireSigned=%v nameID=%q enc=%q", sp.EntityID, sp.RequireSignedRequests, sp.NameIDFormat, sp.Encryption)
			}
			if fmt.Sprint(sp.ACS) != fmt.Sprint(tt.acs) {
				t.Errorf("ACS = %+v, want %+v", sp.ACS, tt.acs)
			}
			if len(sp.SigningCerts) != len(tt.signing) {
				t.Fatalf("%d signing certificates, want %d", len(sp.SigningCerts), len(tt.signing))
			}
			for i, name := range tt.signing {
				if !sp.SigningCerts[i].Equal(tokentest.KeyPair(t, name).Cert) {
					t.Errorf("signing certificate %d is not tokentest %s", i, name)
				}
			}
			if sp.EncryptionCert == nil || !sp.EncryptionCert.Equal(tokentest.KeyPair(t, tt.encryption).Cert) {
				t.Errorf("encryption certificate is not tokentest %s", tt.encryption)
			}
			if !sp.SignResponse || sp.SignatureAlgorithm != token.RSASHA256 {
				t.Errorf("SignResponse=%v SignatureAlgorithm=%q, want true and RSA-SHA256", sp.SignResponse, sp.SignatureAlgorithm)
			}
		})
	}
}

// TestParseSPMetadata_RegisteredSPWorks registers the Shibboleth-shaped
// SP and runs a request to its non-default ACS index through ParseRedirect.
func TestParseSPMetadata_RegisteredSPWorks(t *testing.T) {
	sp, err := samlp.ParseSPMetadata(readSPMetadata(t, "shibboleth.xml"))
	if err != nil {
		t.Fatal(err)
	}
	idp := newIdP(t)
	tests := []struct {
		name, attrs, want string
		wantErr           error
	}{
		{name: "default", want: "https://shib.example.test/Shibboleth.sso/SAML2/POST"},
		{name: "index 7", attrs: ` AssertionConsumerServiceIndex="7"`, want: "https://shib.example.test/Shibboleth.sso/SAML2/POST/alt"},
		{name: "artifact index is not registered", attrs: ` AssertionConsumerServiceIndex="3"`, wantErr: samlp.ErrACSNotRegistered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := idp.ParseRedirect(redirectQuery(t, requestXML(sp.EntityID, tt.attrs, ""), "", ""), lookupOf(sp))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.ACS.Location != tt.want {
				t.Errorf("ACS = %q, want %q", r.ACS.Location, tt.want)
			}
		})
	}
}

// spMeta is a minimal SP metadata document; keys and acs are inserted
// into SPSSODescriptor, spAttrs onto it.
func spMeta(spAttrs, keys, acs string) string {
	return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://sp.example.test/sp">` +
		`<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"` + spAttrs + `>` + keys + acs +
		`</md:SPSSODescriptor></md:EntityDescriptor>`
}

func keyDesc(use, certB64, extra string) string {
	u := ""
	if use != "" {
		u = ` use="` + use + `"`
	}
	return `<md:KeyDescriptor` + u + `><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` + certB64 +
		`</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` + extra + `</md:KeyDescriptor>`
}

func acsEl(binding, loc, attrs string) string {
	return `<md:AssertionConsumerService Binding="` + binding + `" Location="` + loc + `"` + attrs + `/>`
}

const postACS = `<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.test/acs" index="0"/>`

func encMethods(algs ...string) string {
	var b strings.Builder
	for _, a := range algs {
		b.WriteString(`<md:EncryptionMethod Algorithm="` + a + `"/>`)
	}
	return b.String()
}

// selfSigned returns a certificate for key, base64 DER.
func selfSigned(t testing.TB, key any, pub any) string {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "weak"},
		NotBefore: tokentest.Epoch, NotAfter: tokentest.Epoch.Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func TestParseSPMetadata_Accepts(t *testing.T) {
	next, other := certB64(t, tokentest.Next), certB64(t, tokentest.Other)
	post := samlp.BindingHTTPPost
	tests := []struct {
		name  string
		doc   string
		check func(*testing.T, *samlp.ServiceProvider)
	}{
		{name: "loopback http ACS", doc: spMeta("", "", acsEl(post, "http://127.0.0.1:8080/acs", ` index="1"`)),
			check: func(t *testing.T, sp *samlp.ServiceProvider) {
				if sp.ACS[0].Location != "http://127.0.0.1:8080/acs" || sp.EncryptionCert != nil || len(sp.SigningCerts) != 0 {
					t.Errorf("%+v", sp)
				}
			}},
		{name: "explicit isDefault wins", doc: spMeta("", "", acsEl(post, "https://a.test/1", ` index="1"`)+acsEl(post, "https://a.test/2", ` index="2" isDefault="true"`)),
			check: func(t *testing.T, sp *samlp.ServiceProvider) {
				if sp.ACS[0].IsDefault || !sp.ACS[1].IsDefault {
					t.Errorf("%+v", sp.ACS)
				}
			}},
		{name: "first without isDefault beats isDefault=false", doc: spMeta("", "", acsEl(post, "https://a.test/1", ` index="1" isDefault="false"`)+acsEl(post, "https://a.test/2", ` index="2"`)),
			check: func(t *testing.T, sp *samlp.ServiceProvider) {
				if sp.ACS[0].IsDefault || !sp.ACS[1].IsDefault {
					t.Errorf("%+v", sp.ACS)
				}
			}},
		{name: "default artifact endpoint skipped", doc: spMeta("", "", acsEl("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact", "https://a.test/art", ` index="0" isDefault="true"`)+acsEl(post, "https://a.test/post", ` index="1"`)),
			check: func(t *testing.T, sp *samlp.ServiceProvider) {
				if len(sp.ACS) != 1 || !sp.ACS[0].IsDefault || sp.ACS[0].Index != 1 {
					t.Errorf("%+v", sp.ACS)
				}
			}},
		{name: "AES-128-CBC only", doc: spMeta("", keyDesc("encryption", other, encMethods("http://www.w3.org/2001/04/xmlenc#aes128-cbc", "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p")), postACS),
			check: func(t *testing.T, sp *samlp.ServiceProvider) {
				if sp.Encryption != samlp.AES128CBC || sp.EncryptionCert == nil || len(sp.SigningCerts) != 0 {
					t.Errorf("enc=%q cert=%v signing=%d", sp.Encryption, sp.EncryptionCert != nil, len(sp.SigningCerts))
				}
			}},
		{name: "first encryption key is used, signing keys deduplicated", doc: spMeta(` AuthnRequestsSigned="1"`,
			keyDesc("", next, "")+keyDesc("signing", next, "")+keyDesc("encryption", other, "")+keyDesc("signing", other, ""), postACS),
			check: func(t *testing.T, sp *samlp.ServiceProvider) {
				if !sp.EncryptionCert.Equal(tokentest.KeyPair(t, tokentest.Next).Cert) || len(sp.SigningCerts) != 2 || !sp.RequireSignedRequests {
					t.Errorf("signing=%d requireSigned=%v", len(sp.SigningCerts), sp.RequireSignedRequests)
				}
			}},
		{name: "comment and line breaks inside a certificate", doc: spMeta("", keyDesc("signing", "\n  "+next[:40]+"<!-- wrapped -->\n"+next[40:]+"\n", ""), postACS),
			check: func(t *testing.T, sp *samlp.ServiceProvider) {
				if len(sp.SigningCerts) != 1 {
					t.Errorf("%d signing certificates", len(sp.SigningCerts))
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := samlp.ParseSPMetadata([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, sp)
		})
	}
}

func TestParseSPMetadata_Rejects(t *testing.T) {
	next := certB64(t, tokentest.Next)
	post := samlp.BindingHTTPPost
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	manyACS, manyKeys := "", ""
	for i := range 33 {
		manyACS += acsEl(post, fmt.Sprintf("https://a.test/%d", i), fmt.Sprintf(` index="%d"`, i))
	}
	for range 17 {
		manyKeys += keyDesc("signing", next, "")
	}
	good := spMeta("", "", postACS)
	tests := []struct {
		name    string
		doc     string
		wantErr error
		wantMsg string
	}{
		{name: "oversized", doc: good[:len(good)-len("</md:EntityDescriptor>")] + "<!--" + strings.Repeat("x", samlp.MaxMetadataBytes) + "--></md:EntityDescriptor>", wantErr: xmlin.ErrTooLarge},
		{name: "DTD", doc: `<!DOCTYPE md [<!ENTITY x "y">]>` + good, wantErr: xmlin.ErrDTD},
		{name: "not XML", doc: "<md:EntityDescriptor", wantErr: xmlin.ErrMalformed},
		{name: "EntitiesDescriptor aggregate", doc: `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` + good + `</md:EntitiesDescriptor>`, wantErr: samlp.ErrMetadata, wantMsg: "single service provider"},
		{name: "wrong root namespace", doc: strings.ReplaceAll(good, "urn:oasis:names:tc:SAML:2.0:metadata", "urn:example"), wantErr: samlp.ErrMetadata},
		{name: "IdP metadata", doc: `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.test"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`, wantErr: samlp.ErrMetadata, wantMsg: "identity provider metadata"},
		{name: "two SPSSODescriptors", doc: strings.Replace(good, "</md:EntityDescriptor>", `<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`, 1), wantErr: samlp.ErrMetadata},
		{name: "no entityID", doc: strings.Replace(good, `entityID="https://sp.example.test/sp"`, "", 1), wantErr: samlp.ErrMetadata, wantMsg: "entityID"},
		{name: "SAML 1.1 only", doc: strings.Replace(good, `protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"`, `protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol"`, 1), wantErr: samlp.ErrMetadata},
		{name: "AuthnRequestsSigned not boolean", doc: spMeta(` AuthnRequestsSigned="yes"`, "", postACS), wantErr: samlp.ErrMetadata, wantMsg: "xs:boolean"},
		{name: "signed requests without signing key", doc: spMeta(` AuthnRequestsSigned="true"`, keyDesc("encryption", next, ""), postACS), wantErr: samlp.ErrMetadata, wantMsg: "no signing KeyDescriptor"},
		{name: "http ACS", doc: spMeta("", "", acsEl(post, "http://sp.example.test/acs", ` index="0"`)), wantErr: samlp.ErrMetadata, wantMsg: "must be https"},
		{name: "javascript ACS", doc: spMeta("", "", acsEl(post, "javascript:alert(1)", ` index="0"`)), wantErr: samlp.ErrMetadata},
		{name: "relative ACS", doc: spMeta("", "", acsEl(post, "/acs", ` index="0"`)), wantErr: samlp.ErrMetadata},
		{name: "ACS with user info", doc: spMeta("", "", acsEl(post, "https://u:p@sp.example.test/acs", ` index="0"`)), wantErr: samlp.ErrMetadata},
		{name: "unknown binding", doc: spMeta("", "", postACS+acsEl("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POSTT", "https://a.test/x", ` index="1"`)), wantErr: samlp.ErrMetadata, wantMsg: "unknown"},
		{name: "no POST ACS", doc: spMeta("", "", acsEl("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact", "https://a.test/x", ` index="1"`)), wantErr: samlp.ErrMetadata, wantMsg: "no AssertionConsumerService"},
		{name: "missing index", doc: spMeta("", "", acsEl(post, "https://a.test/x", "")), wantErr: samlp.ErrMetadata, wantMsg: "index"},
		{name: "negative index", doc: spMeta("", "", acsEl(post, "https://a.test/x", ` index="-1"`)), wantErr: samlp.ErrMetadata},
		{name: "duplicate index", doc: spMeta("", "", postACS+acsEl(post, "https://a.test/x", ` index="0"`)), wantErr: samlp.ErrMetadata, wantMsg: "twice"},
		{name: "bad isDefault", doc: spMeta("", "", acsEl(post, "https://a.test/x", ` index="0" isDefault="yes"`)), wantErr: samlp.ErrMetadata},
		{name: "too many ACS", doc: spMeta("", "", manyACS), wantErr: samlp.ErrMetadata, wantMsg: "limit"},
		{name: "too many keys", doc: spMeta("", manyKeys, postACS), wantErr: samlp.ErrMetadata, wantMsg: "limit"},
		{name: "unknown key use", doc: spMeta("", keyDesc("both", next, ""), postACS), wantErr: samlp.ErrMetadata, wantMsg: "use="},
		{name: "two certificates in one KeyDescriptor", doc: spMeta("", strings.Replace(keyDesc("signing", next, ""), "</ds:X509Data>", "<ds:X509Certificate>"+next+"</ds:X509Certificate></ds:X509Data>", 1), postACS), wantErr: samlp.ErrMetadata},
		{name: "KeyDescriptor without certificate", doc: spMeta("", `<md:KeyDescriptor><ds:KeyInfo><ds:KeyName>k</ds:KeyName></ds:KeyInfo></md:KeyDescriptor>`, postACS), wantErr: samlp.ErrMetadata},
		{name: "certificate not base64", doc: spMeta("", keyDesc("signing", "!!!", ""), postACS), wantErr: samlp.ErrMetadata},
		{name: "certificate not DER", doc: spMeta("", keyDesc("signing", "AAAA", ""), postACS), wantErr: samlp.ErrMetadata},
		{name: "certificate with child element", doc: spMeta("", keyDesc("signing", "<x/>", ""), postACS), wantErr: samlp.ErrMetadata},
		{name: "1024-bit RSA key", doc: spMeta("", keyDesc("signing", selfSigned(t, rsa1024, &rsa1024.PublicKey), ""), postACS), wantErr: samlp.ErrMetadata, wantMsg: "1024-bit"},
		{name: "ECDSA key", doc: spMeta("", keyDesc("signing", selfSigned(t, ec, &ec.PublicKey), ""), postACS), wantErr: samlp.ErrMetadata, wantMsg: "only RSA"},
		{name: "unsupported block ciphers only", doc: spMeta("", keyDesc("encryption", next, encMethods("http://www.w3.org/2001/04/xmlenc#aes192-cbc")), postACS), wantErr: samlp.ErrMetadata, wantMsg: "block ciphers"},
		{name: "RSA 1.5 key transport only", doc: spMeta("", keyDesc("encryption", next, encMethods("http://www.w3.org/2001/04/xmlenc#rsa-1_5")), postACS), wantErr: samlp.ErrMetadata, wantMsg: "key transports"},
		{name: "NameIDFormat with element", doc: spMeta("", "", `<md:NameIDFormat><x/></md:NameIDFormat>`+postACS), wantErr: samlp.ErrMetadata},
		{name: "empty NameIDFormat", doc: spMeta("", "", `<md:NameIDFormat> </md:NameIDFormat>`+postACS), wantErr: samlp.ErrMetadata},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := samlp.ParseSPMetadata([]byte(tt.doc))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v (sp %+v)", err, tt.wantErr, sp)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err = %q, want it to mention %q", err, tt.wantMsg)
			}
		})
	}
}

func FuzzParseSPMetadata(f *testing.F) {
	for _, name := range []string{"nodesaml.xml", "mellon.xml", "shibboleth.xml"} {
		f.Add(readSPMetadata(f, name))
	}
	f.Add([]byte(spMeta(` AuthnRequestsSigned="true"`, keyDesc("", certB64(f, tokentest.Next), encMethods("http://www.w3.org/2001/04/xmlenc#aes128-cbc")),
		postACS+acsEl(samlp.BindingHTTPPost, "http://[::1]:1/acs", ` index="2" isDefault="true"`))))
	f.Add([]byte(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		sp, err := samlp.ParseSPMetadata(doc)
		if err != nil {
			return
		}
		if err := sp.Validate(); err != nil {
			t.Fatalf("accepted metadata yields an invalid SP: %v", err)
		}
		defaults := 0
		for _, e := range sp.ACS {
			if e.Binding != samlp.BindingHTTPPost {
				t.Fatalf("ACS binding %q registered", e.Binding)
			}
			if e.IsDefault {
				defaults++
			}
		}
		if defaults != 1 || len(sp.ACS) > 32 {
			t.Fatalf("%d ACS with %d defaults", len(sp.ACS), defaults)
		}
		if sp.RequireSignedRequests && len(sp.SigningCerts) == 0 {
			t.Fatal("signed requests required without a signing certificate")
		}
		for _, e := range sp.SLO {
			if e.Binding != samlp.BindingHTTPRedirect && e.Binding != samlp.BindingHTTPPost {
				t.Fatalf("SingleLogoutService binding %q registered", e.Binding)
			}
		}
		if len(sp.SLO) > 16 {
			t.Fatalf("%d SingleLogoutService endpoints", len(sp.SLO))
		}
	})
}
