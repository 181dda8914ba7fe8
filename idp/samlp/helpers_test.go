package samlp_test

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/rsa"
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

// redirectQuery builds a raw query; signs it with key name when sign != "".
func redirectQuery(t testing.TB, doc, relay, sign string) string {
	t.Helper()
	q := "SAMLRequest=" + url.QueryEscape(deflateB64(t, []byte(doc)))
	if relay != "" {
		q += "&RelayState=" + url.QueryEscape(relay)
	}
	if sign == "" {
		return q
	}
	q += "&SigAlg=" + url.QueryEscape("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
	d := sha256.Sum256([]byte(q))
	kp := tokentest.KeyPair(t, sign)
	sig, err := kp.Signer.(*rsa.PrivateKey).Sign(nil, d[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return q + "&Signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
}

// signPOST signs the request's root with key name (enveloped, after Issuer).
func signPOST(t testing.TB, doc, name string) *etree.Document {
	t.Helper()
	d := etree.NewDocument()
	if err := d.ReadFromString(doc); err != nil {
		t.Fatal(err)
	}
	s, err := token.NewXMLSigner(tokentest.KeyPair(t, name), token.RSASHA256, "ID")
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

func postForm(t testing.TB, d *etree.Document, relay string) url.Values {
	t.Helper()
	b := token.MarshalElement(d.Root())
	v := url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString(b)}}
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
