package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/token"
)

// keysNow is the fixed clock of the keys tests.
var keysNow = time.Date(2031, 3, 14, 9, 0, 0, 0, time.UTC)

// runKeysAt runs `fedgate keys` with the clock stopped at now.
func runKeysAt(t *testing.T, now time.Time, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = keysCommand(args, &out, &errOut, func() time.Time { return now }, rand.Reader)
	return code, out.String(), errOut.String()
}

// keysTestConfig writes a valid configuration whose token_signing section
// names certFile and keyFile, and nextFile unless it is empty.
func keysTestConfig(t *testing.T, certFile, keyFile, nextFile string) testConfig {
	t.Helper()
	c := newTestConfig(t, placeholderDirectory, "")
	data, err := os.ReadFile(c.config)
	if err != nil {
		t.Fatal(err)
	}
	section := "  cert_file: " + certFile + "\n  key_file: " + keyFile + "\n"
	if nextFile != "" {
		section += "  next_cert_file: " + nextFile + "\n"
	}
	cfg := strings.Replace(string(data), "  cert_file: /etc/fedgate/signing.crt\n  key_file: /etc/fedgate/signing.key\n", section, 1)
	if cfg == string(data) {
		t.Fatal("newTestConfig's token_signing section changed; update keysTestConfig")
	}
	if err := os.WriteFile(c.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}

// writeTestCert writes a self-signed ECDSA certificate (fast to make)
// valid from notBefore to notAfter into dir and returns its path.
func writeTestCert(t *testing.T, dir, name string, notBefore, notAfter time.Time) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ADFS Signing - " + name},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// readPEMBlock returns the only PEM block of the file at path.
func readPEMBlock(t *testing.T, path string) (data []byte, block *pem.Block) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(data)
	if block == nil || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("%s: want exactly one PEM block", path)
	}
	return data, block
}

func thumbprint(c *x509.Certificate) string {
	sum := sha1.Sum(c.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// TestKeysNew_WritesAVerifiableKeyPairAndTheNextSteps generates a key pair,
// reads it back, runs show on a configuration using it, and checks that a
// second run refuses to overwrite it.
func TestKeysNew_WritesAVerifiableKeyPairAndTheNextSteps(t *testing.T) {
	out := filepath.Join(t.TempDir(), "next")
	code, stdout, stderr := runKeysAt(t, keysNow, "new", "--out", out,
		"--subject", "CN=ADFS Signing - sts.contoso.com, O=Contoso\\, Ltd, C=us", "--days", "365",
		"--domain", "contoso.com", "--domain", "Fabrikam.COM.")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	certPath, keyPath := filepath.Join(out, keysNextCertName), filepath.Join(out, keysNextKeyName)

	certPEM, certBlock := readPEMBlock(t, certPath)
	keyPEM, keyBlock := readPEMBlock(t, keyPath)
	if certBlock.Type != "CERTIFICATE" || keyBlock.Type != "PRIVATE KEY" {
		t.Fatalf("PEM types %q, %q; want CERTIFICATE, PRIVATE KEY", certBlock.Type, keyBlock.Type)
	}
	info, err := os.Stat(keyPath)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, info.Mode().Perm())
	}
	cert, err := x509.ParseCertificate(certBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Fatalf("self-signature does not verify: %v", err)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"subject CN", cert.Subject.CommonName == "ADFS Signing - sts.contoso.com"},
		{"subject O with escaped comma", len(cert.Subject.Organization) == 1 && cert.Subject.Organization[0] == "Contoso, Ltd"},
		{"subject C upper-cased", len(cert.Subject.Country) == 1 && cert.Subject.Country[0] == "US"},
		{"self-issued", bytes.Equal(cert.RawIssuer, cert.RawSubject)},
		{"key usage digitalSignature only", cert.KeyUsage == x509.KeyUsageDigitalSignature},
		{"not a CA", cert.BasicConstraintsValid && !cert.IsCA},
		{"SHA-256 signature", cert.SignatureAlgorithm == x509.SHA256WithRSA},
		{"RSA 2048", cert.PublicKey.(*rsa.PublicKey).N.BitLen() == 2048},
		{"positive 127-bit serial", cert.SerialNumber.Sign() > 0 && cert.SerialNumber.BitLen() == 127},
		{"NotBefore now-5m", cert.NotBefore.Equal(keysNow.Add(-5 * time.Minute))},
		{"NotAfter now+365d", cert.NotAfter.Equal(keysNow.AddDate(0, 0, 365))},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("certificate: %s does not hold", c.name)
		}
	}
	// The key matches the certificate exactly as fedgate serve loads it.
	if _, err := token.LoadKeyPairPEM(certPEM, keyPEM); err != nil {
		t.Fatalf("token.LoadKeyPairPEM: %v", err)
	}

	for _, want := range []string{
		thumbprint(cert),
		"next_cert_file: " + certPath,
		"Connect-MgGraph -Scopes 'Domain-InternalFederation.ReadWrite.All'",
		"foreach ($domain in 'contoso.com', 'fabrikam.com')",
		"Update-MgDomainFederationConfiguration -DomainId $domain -InternalDomainFederationId $fed.Id",
		"-NextSigningCertificate '" + base64.StdEncoding.EncodeToString(cert.Raw) + "'",
		"-SigningCertificate '" + base64.StdEncoding.EncodeToString(cert.Raw) + "'",
		"remove\n   token_signing.next_cert_file",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	keyB64 := base64.StdEncoding.EncodeToString(keyBlock.Bytes)
	if strings.Contains(stdout+stderr, keyB64[:64]) || strings.Contains(stdout+stderr, "PRIVATE KEY-----") {
		t.Fatal("the private key was printed")
	}

	t.Run("show on a configuration using the new pair", func(t *testing.T) {
		c := keysTestConfig(t, certPath, keyPath, "")
		code, stdout, stderr := runKeysAt(t, keysNow, "show", "--config", c.config)
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		for _, want := range []string{thumbprint(cert), "RSA 2048", "CN=ADFS Signing - sts.contoso.com", "365 days left", "next     none"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("show lacks %q:\n%s", want, stdout)
			}
		}
		if strings.Contains(stdout, "warning:") {
			t.Errorf("unexpected warning:\n%s", stdout)
		}
	})

	t.Run("a second run refuses to overwrite", func(t *testing.T) {
		code, stdout, stderr := runKeysAt(t, keysNow, "new", "--out", out, "--subject", "CN=x")
		if code != 1 || !strings.Contains(stderr, "never overwrites") {
			t.Fatalf("exit %d, want 1 naming the existing file\n%s%s", code, stdout, stderr)
		}
		if got, _ := os.ReadFile(keyPath); !bytes.Equal(got, keyPEM) {
			t.Fatal("the key file changed")
		}
		if got, _ := os.ReadFile(certPath); !bytes.Equal(got, certPEM) {
			t.Fatal("the certificate file changed")
		}
	})
}

func TestKeysNew_RefusesWhenEitherFileExists(t *testing.T) {
	for _, existing := range []string{keysNextCertName, keysNextKeyName} {
		t.Run(existing, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, existing), []byte("keep me"), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runKeysAt(t, keysNow, "new", "--out", dir, "--subject", "CN=x")
			if code != 1 || !strings.Contains(stderr, existing) {
				t.Fatalf("exit %d, want 1 naming %s: %s", code, existing, stderr)
			}
			entries, err := os.ReadDir(dir)
			if err != nil || len(entries) != 1 {
				t.Fatalf("directory has %d entries (%v); want only the existing file", len(entries), err)
			}
		})
	}
}

func TestKeysNew_SubjectDefaultsToTheFederationName(t *testing.T) {
	c := newTestConfig(t, placeholderDirectory, "")
	out := filepath.Join(c.dir, "next")
	code, stdout, stderr := runKeysAt(t, keysNow, "new", "--config", c.config, "--out", out, "--days", "20")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	_, block := readPEMBlock(t, filepath.Join(out, keysNextCertName))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "ADFS Signing - sts.contoso.com" {
		t.Fatalf("CN %q", cert.Subject.CommonName)
	}
	if !strings.Contains(stdout, "foreach ($domain in '<domain>')") {
		t.Fatalf("no --domain should print the <domain> placeholder:\n%s", stdout)
	}
}

func TestKeysNew_RejectsBadFlagsBeforeGenerating(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no --out", []string{"--subject", "CN=x"}, "--out DIR is required"},
		{"days zero", []string{"--out", dir, "--subject", "CN=x", "--days", "0"}, "--days 0 is out of range"},
		{"days too many", []string{"--out", dir, "--subject", "CN=x", "--days", "3651"}, "use 1 to 3650"},
		{"rsa 1024", []string{"--out", dir, "--subject", "CN=x", "--rsa-bits", "1024"}, "--rsa-bits 1024 is not supported"},
		{"subject without CN", []string{"--out", dir, "--subject", "O=Contoso"}, "needs a CN"},
		{"unsupported attribute", []string{"--out", dir, "--subject", "CN=x, E=a@b"}, `"E" is not supported`},
		{"domain with a quote", []string{"--out", dir, "--subject", "CN=x", "--domain", "contoso.com'; rm"}, "not a domain name"},
		{"single-label domain", []string{"--out", dir, "--subject", "CN=x", "--domain", "contoso"}, "not a domain name"},
		{"no subject, no config", []string{"--out", dir, "--config", filepath.Join(dir, "missing.yaml")}, "give --subject"},
		{"extra argument", []string{"--out", dir, "--subject", "CN=x", "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runKeysAt(t, keysNow, append([]string{"new"}, tt.args...)...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, want 2 with %q: %s", code, tt.want, stderr)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("rejected runs wrote %d files", len(entries))
	}
}

// TestKeysShow_WarnsBeforeARolloverIsOverdue judges certificates against
// the injected clock: text and JSON, with and without a next certificate.
func TestKeysShow_WarnsBeforeARolloverIsOverdue(t *testing.T) {
	day := 24 * time.Hour
	dir := t.TempDir()
	start := keysNow.Add(-300 * day)
	long := writeTestCert(t, dir, "long.crt", start, keysNow.Add(400*day))
	soon := writeTestCert(t, dir, "soon.crt", start, keysNow.Add(20*day+time.Hour))
	expired := writeTestCert(t, dir, "expired.crt", start, keysNow.Add(-2*day))
	nextLong := writeTestCert(t, dir, "next-long.crt", keysNow, keysNow.Add(700*day))
	nextShort := writeTestCert(t, dir, "next-short.crt", keysNow, keysNow.Add(100*day))
	// A copy of the current certificate under another name: the
	// configuration refuses only the same path.
	longCopy := filepath.Join(dir, "long-copy.crt")
	if data, err := os.ReadFile(long); err != nil || os.WriteFile(longCopy, data, 0o600) != nil {
		t.Fatalf("copy %s: %v", long, err)
	}

	tests := []struct {
		name          string
		current, next string
		want          string // substring of the warning; "" means no warning
		wantDaysLeft  int
	}{
		{"long-lived current, no next", long, "", "", 400},
		{"current expires in 20 days, no next", soon, "", "expires in 20 days", 20},
		{"current expires in 20 days, next configured", soon, nextLong, "", 20},
		{"next expires before current", long, nextShort, "expires (" + keysNow.Add(100*day).Format(time.DateOnly) + ") before the current one", 400},
		{"next is a copy of the current certificate", long, longCopy, "same certificate", 400},
		{"current expired", expired, nextLong, "expired on", -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := keysTestConfig(t, tt.current, filepath.Join(dir, "unused.key"), tt.next)

			code, stdout, stderr := runKeysAt(t, keysNow, "show", "--config", c.config)
			if code != 0 {
				t.Fatalf("exit %d, want 0 even with warnings\n%s%s", code, stdout, stderr)
			}
			hasWarning := strings.Contains(stdout, "warning:")
			if (tt.want == "") == hasWarning || !strings.Contains(stdout, tt.want) {
				t.Fatalf("want warning %q, got:\n%s", tt.want, stdout)
			}
			if tt.next == "" && !strings.Contains(stdout, "next_cert_file is not set") {
				t.Fatalf("no next: output does not say so:\n%s", stdout)
			}

			code, stdout, stderr = runKeysAt(t, keysNow, "show", "--config", c.config, "--json")
			if code != 0 {
				t.Fatalf("--json: exit %d\n%s%s", code, stdout, stderr)
			}
			var r keysReport
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatalf("--json output: %v\n%s", err, stdout)
			}
			if r.Current.File != tt.current || r.Current.DaysLeft != tt.wantDaysLeft || len(r.Current.SHA1) != 40 || len(r.Current.SHA256) != 64 {
				t.Fatalf("current %+v", r.Current)
			}
			if r.Current.Key != "ECDSA P-256" {
				t.Fatalf("key %q, want ECDSA P-256", r.Current.Key)
			}
			if (r.Next == nil) != (tt.next == "") || (r.Next != nil && r.Next.File != tt.next) {
				t.Fatalf("next %+v, want file %q", r.Next, tt.next)
			}
			if (len(r.Warnings) == 0) != (tt.want == "") || (tt.want != "" && !strings.Contains(r.Warnings[0], tt.want)) {
				t.Fatalf("warnings %q, want %q", r.Warnings, tt.want)
			}
		})
	}
}

func TestKeysShow_Errors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "signing.cer")
	if err := os.WriteFile(notPEM, []byte{0x30, 0x82, 0x01}, 0o600); err != nil {
		t.Fatal(err)
	}
	badConfig := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badConfig, []byte("token_signing: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := writeTestCert(t, dir, "good.crt", keysNow.Add(-time.Hour), keysNow.Add(time.Hour))
	tests := []struct {
		name   string
		config string
		code   int
		want   string
	}{
		{"missing cert_file", keysTestConfig(t, filepath.Join(dir, "missing.crt"), "k", "").config, 1, "token_signing.cert_file:"},
		{"DER instead of PEM", keysTestConfig(t, notPEM, "k", "").config, 1, `no PEM "CERTIFICATE" block`},
		{"missing next_cert_file", keysTestConfig(t, good, "k", filepath.Join(dir, "missing-next.crt")).config, 1, "token_signing.next_cert_file:"},
		{"invalid configuration", badConfig, 2, "fedgate keys show: config:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runKeysAt(t, keysNow, "show", "--config", tt.config)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, want %d with %q\n%s%s", code, tt.code, tt.want, stdout, stderr)
			}
		})
	}
}

func TestKeys_Dispatch(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no verb", []string{"keys"}, 2, "fedgate keys show"},
		{"unknown verb", []string{"keys", "rotate"}, 2, `unknown subcommand "rotate"`},
		{"help", []string{"keys", "-h"}, 0, "NextSigningCertificate"},
		{"listed in usage", []string{"help"}, 0, "fedgate keys show|new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, tt.args...)
			if code != tt.code || !strings.Contains(stdout+stderr, tt.want) {
				t.Fatalf("exit %d, want %d with %q\n%s%s", code, tt.code, tt.want, stdout, stderr)
			}
		})
	}
}

func TestParseSubject(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string // pkix.Name.String() of the result
		wantErr string
	}{
		{"AD FS style", "CN=ADFS Signing - sts.contoso.com", "CN=ADFS Signing - sts.contoso.com", ""},
		{"several attributes, any order", "c=us, cn=sign, o=Contoso, ou=IT, l=Seattle, st=WA", "CN=sign,OU=IT,O=Contoso,L=Seattle,ST=WA,C=US", ""},
		{"escaped comma and plus", `CN=a\, b\+c`, `CN=a\, b\+c`, ""},
		{"empty", "", "", "not ATTRIBUTE=value"},
		{"no equals", "sts.contoso.com", "", "not ATTRIBUTE=value"},
		{"empty value", "CN=", "", "CN is empty"},
		{"two CNs", "CN=a,CN=b", "", "more than one CN"},
		{"multi-valued RDN", "CN=a+O=b", "", "multi-valued"},
		{"lone backslash", `CN=a\`, "", "lone backslash"},
		{"control character", "CN=a\nb", "", "control character"},
		{"bad country", "CN=a,C=USA", "", "two-letter country code"},
		{"long CN", "CN=" + strings.Repeat("a", 65), "", "longer than 64"},
		{"too long", "CN=a,O=" + strings.Repeat("a", maxSubjectBytes), "", "the limit is"},
		{"invalid UTF-8", "CN=\xff", "", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := parseSubject(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := n.String(); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseDomainFlag(t *testing.T) {
	tests := []struct {
		in, want string // want "" means rejected
	}{
		{"contoso.com", "contoso.com"},
		{"Mail.Contoso.COM.", "mail.contoso.com"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"contoso", ""},
		{"-contoso.com", ""},
		{"contoso..com", ""},
		{"contoso.com'", ""},
		{"con toso.com", ""},
		{strings.Repeat("a", 64) + ".com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDomainFlag(tt.in)
			if (err != nil) != (tt.want == "") || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func FuzzParseSubject(f *testing.F) {
	for _, s := range []string{
		"CN=ADFS Signing - sts.contoso.com", "CN=a, O=Contoso\\, Ltd, C=US", `CN=a\`, "CN=a+O=b", "O=x", "", "CN==", "cn = a , ou = b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSubject(s)
		if err != nil {
			return
		}
		if n.CommonName == "" || len(s) > maxSubjectBytes {
			t.Fatalf("accepted %q as %+v", s, n)
		}
		// Whatever is accepted must encode as a certificate subject.
		if _, err := asn1.Marshal(n.ToRDNSequence()); err != nil {
			t.Fatalf("accepted %q but cannot encode it: %v", s, err)
		}
	})
}

func FuzzParseSigningCertPEM(f *testing.F) {
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "seed"}, NotBefore: now, NotAfter: now.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		f.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	f.Add(certPEM)
	f.Add(append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2}}), certPEM...))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseSigningCertPEM(data)
		if err != nil {
			return
		}
		if len(data) > maxCertPEMBytes {
			t.Fatalf("accepted %d bytes", len(data))
		}
		_ = describeCert("f", c, now)
		_ = rolloverWarnings(c, c, now)
	})
}

func FuzzParseDomainFlag(f *testing.F) {
	for _, s := range []string{"contoso.com", "Mail.Contoso.COM.", "contoso", "a'b.com", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDomainFlag(s)
		if err != nil {
			return
		}
		if strings.ContainsAny(d, "'\"`$ \t\r\n;{}()") {
			t.Fatalf("accepted %q as %q, unsafe in PowerShell", s, d)
		}
		if again, err := parseDomainFlag(d); err != nil || again != d {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, d, again, err)
		}
	})
}
