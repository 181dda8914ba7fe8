package demo

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/proxytrust"
)

// files in the data directory.
const (
	fileCA          = "demo-ca.pem"
	fileTLSCert     = "tls.crt"
	fileTLSKey      = "tls.key"
	fileSigningCert = "signing.crt"
	fileSigningKey  = "signing.key"
	fileSessionKey  = "session.key"
	fileMFAKey      = "mfa.key"
	fileDirectoryCA = "directory-ca.pem"
	fileBindPass    = "directory-bind-password"
	fileConfig      = "fedgate.yaml"
	fileDB          = "fedgate.db"
	fileProxyCACert = "proxy-trust-ca.crt"
	fileProxyCAKey  = "proxy-trust-ca.key"
)

// ensureFile creates path with gen's output (mode 0600) unless it exists.
func ensureFile(path string, gen func() ([]byte, error)) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	data, err := gen()
	if err != nil {
		return fmt.Errorf("generate %s: %w", filepath.Base(path), err)
	}
	return os.WriteFile(path, data, 0o600)
}

func randomKeyB64(rnd io.Reader) ([]byte, error) {
	k := make([]byte, 32)
	if _, err := io.ReadFull(rnd, k); err != nil {
		return nil, err
	}
	return []byte(base64.StdEncoding.EncodeToString(k) + "\n"), nil
}

// ensureKeys generates, once, everything the demo needs in dir.
func ensureKeys(dir string, now time.Time, rnd io.Reader) error {
	// TLS: a demo CA and a leaf for loopback names, both kept.
	if err := ensureTLS(dir, now, rnd); err != nil {
		return err
	}
	var signing token.KeyPair
	needSigning := false
	if _, err := os.Stat(filepath.Join(dir, fileSigningKey)); errors.Is(err, fs.ErrNotExist) {
		kp, err := token.GenerateKeyPair("ADFS Signing - fedgate demo", 365*24*time.Hour, now, rnd)
		if err != nil {
			return fmt.Errorf("generate token-signing key: %w", err)
		}
		signing, needSigning = kp, true
	}
	if needSigning {
		certPEM, keyPEM, err := signing.MarshalPEM()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, fileSigningCert), certPEM, 0o600); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, fileSigningKey), keyPEM, 0o600); err != nil {
			return err
		}
	}
	for _, name := range []string{fileSessionKey, fileMFAKey} {
		if err := ensureFile(filepath.Join(dir, name), func() ([]byte, error) { return randomKeyB64(rnd) }); err != nil {
			return err
		}
	}
	return ensureProxyCA(dir, now, rnd)
}

// ensureProxyCA creates, once, the proxy-trust CA that enrolls
// fedgate-proxy instances in front of the demo (what `fedgate proxy-trust
// init-ca` does for a real farm).
func ensureProxyCA(dir string, now time.Time, rnd io.Reader) error {
	if _, err := os.Stat(filepath.Join(dir, fileProxyCAKey)); err == nil {
		return nil
	}
	certPEM, keyPEM, err := proxytrust.GenerateCA("fedgate demo proxy trust CA", now, rnd)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, fileProxyCAKey), keyPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, fileProxyCACert), certPEM, 0o600)
}

func ensureTLS(dir string, now time.Time, rnd io.Reader) error {
	if _, err := os.Stat(filepath.Join(dir, fileTLSKey)); err == nil {
		return nil
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return err
	}
	caTmpl := &x509.Certificate{
		SerialNumber: serial(rnd), Subject: pkix.Name{CommonName: "fedgate demo CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(5 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rnd, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: serial(rnd), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(2 * 365 * 24 * time.Hour),
		DNSNames:    []string{"localhost", "sts.contoso.com"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rnd, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	leafKeyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		return err
	}
	write := func(name, typ string, der []byte) error {
		return os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
	}
	if err := write(fileCA, "CERTIFICATE", caDER); err != nil {
		return err
	}
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	if err := os.WriteFile(filepath.Join(dir, fileTLSCert), chain, 0o600); err != nil {
		return err
	}
	return write(fileTLSKey, "PRIVATE KEY", leafKeyDER)
}

func serial(rnd io.Reader) *big.Int {
	n, err := rand.Int(rnd, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}

// clientTLS trusts only the demo CA.
func clientTLS(dir string) (*tls.Config, *x509.CertPool, error) {
	data, err := os.ReadFile(filepath.Join(dir, fileCA))
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, nil, fmt.Errorf("%s holds no certificate", fileCA)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, pool, nil
}
