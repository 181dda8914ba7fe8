package samlp_test

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // testing the RSA-SHA1 option
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	idpEntity = "http://sts.contoso.com/adfs/services/trust"
	ssoURL    = "https://sts.contoso.com/adfs/ls/"
	spEntity  = "https://sp.example.com/metadata"
	spACS     = "https://sp.example.com/acs"
)

func newIdP(t testing.TB) *samlp.IdP {
	t.Helper()
	idp, err := samlp.New(samlp.Config{
		EntityID: idpEntity, SSOURL: ssoURL, Keys: tokentest.KeySet(t),
		Now: tokentest.NewClock(tokentest.Epoch).Now, Rand: tokentest.Rand(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return idp
}

// newSP returns an SP whose requests are signed by the tokentest Next key.
func newSP(t testing.TB, mutate func(*samlp.ServiceProvider)) *samlp.ServiceProvider {
	t.Helper()
	sp := &samlp.ServiceProvider{
		EntityID:     spEntity,
		ACS:          []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: spACS, Index: 1}},
		SigningCerts: []*x509.Certificate{tokentest.KeyPair(t, tokentest.Next).Cert},
	}
	if mutate != nil {
		mutate(sp)
	}
	return sp
}

func lookupOf(sp *samlp.ServiceProvider) samlp.Lookup {
	return func(id string) (*samlp.ServiceProvider, error) {
		if id == sp.EntityID {
			return sp, nil
		}
		return nil, nil
	}
}

// requestXML is an AuthnRequest with the given extra attributes and
// children placed after Issuer.
func requestXML(issuer, attrs, children string) string {
	return `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_req1" Version="2.0" IssueInstant="` +
		tokentest.Epoch.Format(time.RFC3339) + `" Destination="` + ssoURL + `"` + attrs + `><saml:Issuer>` + issuer + `</saml:Issuer>` + children +
		`<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" AllowCreate="true"/></samlp:AuthnRequest>`
}

func deflateB64(t testing.TB, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// redirectQuery is the HTTP-Redirect query of an AuthnRequest, signed
// RSA-SHA256 with key name sign when sign != "".
func redirectQuery(t testing.TB, doc, relay, sign string) string {
	t.Helper()
	return redirectMsg(t, "SAMLRequest", doc, relay, sign, false)
}

// redirectMsg is the HTTP-Redirect query for doc as param (SAMLRequest or
// SAMLResponse), signed with key sign ("" unsigned) using RSA-SHA256, or
// RSA-SHA1 when useSHA1 is set.
func redirectMsg(t testing.TB, param, doc, relay, sign string, useSHA1 bool) string {
	t.Helper()
	q := param + "=" + url.QueryEscape(deflateB64(t, []byte(doc)))
	if relay != "" {
		q += "&RelayState=" + url.QueryEscape(relay)
	}
	if sign == "" {
		return q
	}
	key := tokentest.KeyPair(t, sign).Signer.(*rsa.PrivateKey)
	var sig []byte
	var err error
	if useSHA1 {
		q += "&SigAlg=" + url.QueryEscape(dsig.RSASHA1SignatureMethod)
		d := sha1.Sum([]byte(q)) //nolint:gosec // see import
		sig, err = rsa.SignPKCS1v15(nil, key, crypto.SHA1, d[:])
	} else {
		q += "&SigAlg=" + url.QueryEscape(dsig.RSASHA256SignatureMethod)
		d := sha256.Sum256([]byte(q))
		sig, err = rsa.SignPKCS1v15(nil, key, crypto.SHA256, d[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	return q + "&Signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
}

// postMsg is the POST form for doc, enveloped-signed with key sign ("" unsigned).
func postMsg(t testing.TB, param, doc, relay, sign string) url.Values {
	t.Helper()
	b := []byte(doc)
	if sign != "" {
		b = token.MarshalElement(signPOST(t, doc, sign).Root())
	}
	return form(param, b, relay)
}

// signPOST signs the request's root with key name (enveloped, after Issuer).
func signPOST(t testing.TB, doc, name string) *etree.Document {
	t.Helper()
	return signWith(t, doc, tokentest.KeyPair(t, name))
}

// signWith signs doc's root with kp (enveloped, after Issuer).
func signWith(t testing.TB, doc string, kp token.KeyPair) *etree.Document {
	t.Helper()
	d := mustDoc(t, doc)
	s, err := token.NewXMLSigner(kp, token.RSASHA256, "ID")
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.Signature(d.Root())
	if err != nil {
		t.Fatal(err)
	}
	d.Root().InsertChildAt(1, sig)
	return d
}

// postForm is the HTTP-POST form of the AuthnRequest d.
func postForm(t testing.TB, d *etree.Document, relay string) url.Values {
	t.Helper()
	return form("SAMLRequest", token.MarshalElement(d.Root()), relay)
}

// form is the HTTP-POST form carrying msg as param, base64-encoded, with
// RelayState when relay is set.
func form(param string, msg []byte, relay string) url.Values {
	v := url.Values{param: {base64.StdEncoding.EncodeToString(msg)}}
	if relay != "" {
		v.Set("RelayState", relay)
	}
	return v
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", strings.ReplaceAll(name, "/", "_")+".golden.xml")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from golden; run go test -update and review the diff", path)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func mustDoc(t testing.TB, s string) *etree.Document {
	t.Helper()
	d := etree.NewDocument()
	if err := d.ReadFromString(s); err != nil {
		t.Fatal(err)
	}
	return d
}
