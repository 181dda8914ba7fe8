package proxytrust_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/fedgate/fedgate/proxytrust"
)

func csrFor(t *testing.T, key crypto.Signer) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "ignored"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestParseCSR(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	rsa2048, _ := rsa.GenerateKey(rand.Reader, 2048)

	good := csrFor(t, p256)
	tampered := append([]byte(nil), good...)
	tampered[len(tampered)-1] ^= 0xff
	pemGood := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: good})

	tests := []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"ECDSA P-256 DER", good, true},
		{"ECDSA P-256 PEM", pemGood, true},
		{"ECDSA P-384", csrFor(t, p384), true},
		{"Ed25519", csrFor(t, ed), true},
		{"RSA 2048", csrFor(t, rsa2048), true},
		{"RSA 1024 is too weak", csrFor(t, rsa1024), false},
		{"ECDSA P-224 is refused", csrFor(t, p224), false},
		{"bad self-signature", tampered, false},
		{"empty", nil, false},
		{"garbage", []byte("hello"), false},
		{"PEM of another type", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: good}), false},
		{"data after the PEM block", append(append([]byte(nil), pemGood...), "x"...), false},
		{"over the size limit", make([]byte, proxytrust.MaxCSRBytes+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			csr, err := proxytrust.ParseCSR(tt.in)
			if tt.ok {
				if err != nil || csr == nil {
					t.Fatalf("ParseCSR: %v", err)
				}
				return
			}
			if !errors.Is(err, proxytrust.ErrInvalidCSR) {
				t.Fatalf("err = %v, want ErrInvalidCSR", err)
			}
		})
	}
}

func FuzzParseCSR(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	f.Add(der)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n"))
	f.Add([]byte{0x30, 0x82, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		csr, err := proxytrust.ParseCSR(data)
		if err != nil {
			if !errors.Is(err, proxytrust.ErrInvalidCSR) {
				t.Fatalf("error %v is not ErrInvalidCSR", err)
			}
			return
		}
		if len(data) > proxytrust.MaxCSRBytes {
			t.Fatal("accepted an over-long CSR")
		}
		if err := csr.CheckSignature(); err != nil {
			t.Fatalf("accepted a CSR whose signature fails: %v", err)
		}
	})
}
