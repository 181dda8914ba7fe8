package token_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
)

func TestGenerateKeyPair_SignsVerifiableTokens(t *testing.T) {
	now := tokentest.Epoch
	kp, err := token.GenerateKeyPair("sts.contoso.com token signing", 365*24*time.Hour, now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := kp.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := kp.Cert.Subject.CommonName; got != "sts.contoso.com token signing" {
		t.Errorf("CN = %q", got)
	}
	if !kp.Cert.NotBefore.Equal(now.Truncate(time.Second)) || !kp.Cert.NotAfter.Equal(now.Truncate(time.Second).Add(365*24*time.Hour)) {
		t.Errorf("validity %v – %v", kp.Cert.NotBefore, kp.Cert.NotAfter)
	}
	if bits := kp.Signer.Public().(*rsa.PublicKey).N.BitLen(); bits != 2048 {
		t.Errorf("key has %d bits, want 2048", bits)
	}
	if kp.Cert.SerialNumber.Sign() <= 0 {
		t.Errorf("serial %v is not positive", kp.Cert.SerialNumber)
	}
	iss := newIssuer(t, func(c *token.Config) { c.Keys = token.KeySet{Current: kp} })
	a, err := iss.SAML11(aliceClaims(), audience)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(t, reparse(t, a.Element), kp.Cert, now); err != nil {
		t.Errorf("token from generated key does not verify: %v", err)
	}
}

func TestGenerateKeyPair_RejectsBadInput(t *testing.T) {
	tests := []struct {
		name     string
		cn       string
		validFor time.Duration
		wantErr  string
	}{
		{name: "empty CN", validFor: time.Hour, wantErr: "common name is empty"},
		{name: "zero validity", cn: "x", wantErr: "must be positive"},
		{name: "negative validity", cn: "x", validFor: -time.Hour, wantErr: "must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := token.GenerateKeyPair(tt.cn, tt.validFor, tokentest.Epoch, rand.Reader)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestKeyPair_MarshalPEMRoundTrips(t *testing.T) {
	kp := tokentest.KeyPair(t, tokentest.Current)
	certPEM, keyPEM, err := kp.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	back, err := token.LoadKeyPairPEM(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Cert.Equal(kp.Cert) || !back.Signer.Public().(*rsa.PublicKey).Equal(kp.Signer.Public()) {
		t.Error("round trip changed the key pair")
	}
}

func TestKeyPair_MarshalPEMRefusesNonExportableSigner(t *testing.T) {
	kp := tokentest.KeyPair(t, tokentest.Current)
	kp.Signer = fixedSigner{kp.Signer}
	if _, _, err := kp.MarshalPEM(); err == nil || !strings.Contains(err.Error(), "not an exportable RSA key") {
		t.Fatalf("error = %v", err)
	}
}

func TestLoadKeyPairPEM_Errors(t *testing.T) {
	certPEM, keyPEM := tokentest.PEM(t, tokentest.Current)
	otherCert, otherKey := tokentest.PEM(t, tokentest.Other)
	rsaKey := tokentest.KeyPair(t, tokentest.Current).Signer.(*rsa.PrivateKey)
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: tokentest.Epoch, NotAfter: tokentest.Epoch.Add(time.Hour)}
	smallDER, err := x509.CreateCertificate(rand.Reader, smallTmpl, smallTmpl, &small.PublicKey, small)
	if err != nil {
		t.Fatal(err)
	}
	smallCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: smallDER})
	smallKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)})

	tests := []struct {
		name      string
		cert, key []byte
		wantErr   string
	}{
		{name: "PKCS #1 key accepted", cert: certPEM, key: pkcs1},
		{name: "key and cert with comments around them", cert: append([]byte("subject=CN=x\n"), certPEM...), key: keyPEM},
		{name: "empty cert", key: keyPEM, wantErr: "certificate: no PEM block found"},
		{name: "key given as cert", cert: keyPEM, key: keyPEM, wantErr: `PEM block is "PRIVATE KEY"; expected ["CERTIFICATE"]`},
		{name: "two certificates", cert: append(append([]byte{}, certPEM...), otherCert...), key: keyPEM, wantErr: "found a second PEM block"},
		{name: "garbage certificate", cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("x")}), key: keyPEM, wantErr: "parse certificate"},
		{name: "oversized cert", cert: bytes.Repeat([]byte("a"), 17<<10), key: keyPEM, wantErr: "the limit is 16384"},
		{name: "mismatched key", cert: certPEM, key: otherKey, wantErr: "does not belong to the signing key"},
		{name: "encrypted PKCS #8", cert: certPEM, key: pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte("x")}), wantErr: "encrypted PEM is not supported"},
		{name: "legacy encrypted PEM", cert: certPEM, key: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}, Bytes: []byte("x")}), wantErr: "encrypted PEM is not supported"},
		{name: "ECDSA key", cert: certPEM, key: ecPEM, wantErr: "only RSA keys are supported"},
		{name: "RSA-1024", cert: smallCert, key: smallKey, wantErr: "has 1024 bits; at least 2048"},
		{name: "truncated second block", cert: append(append([]byte{}, certPEM...), "-----BEGIN CERTIFICATE-----\nAAAA"...), key: keyPEM, wantErr: "trailing malformed PEM block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := token.LoadKeyPairPEM(tt.cert, tt.key)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestKeySet_CertificatesCurrentFirst(t *testing.T) {
	ks := tokentest.KeySet(t)
	tests := []struct {
		name string
		ks   token.KeySet
		want []*x509.Certificate
	}{
		{name: "current and next", ks: ks, want: []*x509.Certificate{ks.Current.Cert, ks.Next}},
		{name: "current only", ks: token.KeySet{Current: ks.Current}, want: []*x509.Certificate{ks.Current.Cert}},
		{name: "empty", ks: token.KeySet{}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.ks.Certificates()
			if len(got) != len(tt.want) {
				t.Fatalf("got %d certificates, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if !got[i].Equal(tt.want[i]) {
					t.Errorf("certificate %d differs", i)
				}
			}
		})
	}
}

func FuzzLoadKeyPairPEM(f *testing.F) {
	certPEM, keyPEM := tokentest.PEM(f, tokentest.Current)
	f.Add(certPEM, keyPEM)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), keyPEM)
	f.Add(certPEM, []byte("-----BEGIN RSA PRIVATE KEY-----\nMA==\n-----END RSA PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, c, k []byte) {
		kp, err := token.LoadKeyPairPEM(c, k)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "token: ") {
				t.Fatalf("error lacks package prefix: %v", err)
			}
			return
		}
		if err := kp.Validate(); err != nil {
			t.Fatalf("accepted an invalid pair: %v", err)
		}
	})
}

// FuzzSAML11 feeds arbitrary claim values through issuance: every accepted
// value must come back unchanged after serialisation and parsing, under a
// signature that still verifies.
func FuzzSAML11(f *testing.F) {
	for _, s := range []string{"alice@contoso.com", "<&>\"'", "a\r\nb\tc", "]]>", "\u00e9\U0001d11e", "\x00", "\xff"} {
		f.Add(s, s)
	}
	cert := tokentest.KeyPair(f, tokentest.Current).Cert
	iss := newIssuer(f, nil)
	f.Fuzz(func(t *testing.T, nameID, value string) {
		c := aliceClaims()
		c.NameID = nameID
		c.Attributes[0].Values = []string{value}
		a, err := iss.SAML11(c, audience)
		if err != nil {
			return
		}
		root := reparse(t, a.Element)
		if err := verify(t, root, cert, tokentest.Epoch); err != nil {
			t.Fatalf("signature does not verify for %q/%q: %v", nameID, value, err)
		}
		if got := root.FindElement("AttributeStatement/Attribute[@AttributeName='UPN']/AttributeValue").Text(); got != value {
			t.Fatalf("value %q came back as %q", value, got)
		}
		if got := root.FindElement("AttributeStatement/Subject/NameIdentifier").Text(); got != nameID {
			t.Fatalf("NameID %q came back as %q", nameID, got)
		}
	})
}
