package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // SHA-1 only computes the thumbprint admins compare, as AD FS and Entra ID show it.
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/internal/boundedfile"
)

// `fedgate keys` is the token-signing certificate lifecycle that AD FS
// runs as AutoCertificateRollover (or Update-AdfsCertificate by hand):
// `new` creates the next key pair and prints how to publish it, hand it to
// Entra ID and promote it; `show` reports what is configured and warns
// before a rollover is overdue. Neither command touches fedgate.yaml or a
// running node: the operator edits the configuration and restarts, so a
// farm changes keys only when every node is told to.

// Defaults and limits of `fedgate keys`.
const (
	keysWarnDays     = 30              // warn when current expires within this many days and no next is set
	keysDefaultDays  = 365             // validity of a new certificate (AD FS: one year)
	keysMaxDays      = 3650            // longest validity `new` accepts
	keysDefaultBits  = 2048            // RSA modulus of a new key
	keysBackdate     = 5 * time.Minute // NotBefore of a new certificate is now minus this, for clock skew
	maxCertPEMBytes  = 64 << 10        // largest certificate file `show` reads
	maxSubjectBytes  = 1024            // longest --subject
	maxCommonName    = 64              // ub-common-name, RFC 5280 appendix A
	maxDomainFlags   = 50              // most --domain flags
	keysNextCertName = "signing-next.crt"
	keysNextKeyName  = "signing-next.key"
)

const keysUsage = `Usage:
  fedgate keys show [--config FILE] [--json]
  fedgate keys new  --out DIR [--subject DN | --config FILE] [--days 365] [--rsa-bits 2048|3072|4096]
                    [--domain contoso.com]…

Token-signing certificate rollover (AD FS AutoCertificateRollover, done by
hand). Entra ID caches the federation's signing certificate, so a new key
is published first as token_signing.next_cert_file and handed to Entra ID as
the NextSigningCertificate, and only then promoted to cert_file/key_file.

show  the current and next token-signing certificates: subject, SHA-1
      thumbprint (what AD FS and Entra ID show), SHA-256, key, validity and
      days left. Warns, with exit code 0, when the current one expires
      within 30 days and no next one is configured, or when the next one
      expires before the current one.
new   generates an RSA key and a self-signed signing certificate in DIR as
      signing-next.crt and signing-next.key (mode 0600, never printed),
      refusing to overwrite either, and prints the next steps: the
      configuration line, the Microsoft Graph PowerShell for Entra ID (one
      block per --domain) and the promotion. The subject defaults to
      "CN=ADFS Signing - <federation.name>" read from --config.

`

// keysEnv is what one run of `fedgate keys` works with: the clock that
// stamps certificates and judges expiry, and the randomness for keys and
// serial numbers.
type keysEnv struct {
	now    func() time.Time
	rand   io.Reader
	stdout io.Writer
	stderr io.Writer
}

func runKeys(_ context.Context, args []string, stdout, stderr io.Writer) int {
	return keysCommand(args, stdout, stderr, time.Now, rand.Reader)
}

// keysCommand is runKeys with the clock and the randomness injected.
// Exit codes: 0 ok (also with warnings), 1 runtime failure, 2 usage or
// configuration error.
func keysCommand(args []string, stdout, stderr io.Writer, now func() time.Time, rnd io.Reader) int {
	e := &keysEnv{now: now, rand: rnd, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return 2
	}
	switch args[0] {
	case "show":
		return e.show(args[1:])
	case "new":
		return e.create(args[1:])
	case "-h", "--help", "help":
		fmt.Fprint(stdout, keysUsage)
		return 0
	}
	fmt.Fprintf(stderr, "fedgate keys: unknown subcommand %q\n\n%s", args[0], keysUsage)
	return 2
}

// keysFlags returns the flag set of one `fedgate keys` verb.
func (e *keysEnv) keysFlags(verb string) *flag.FlagSet {
	fs := flag.NewFlagSet("keys "+verb, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, keysUsage); fs.PrintDefaults() }
	return fs
}

// ---- show ----

// certReport describes one token-signing certificate for `keys show`.
type certReport struct {
	File      string    `json:"file"`
	Subject   string    `json:"subject"`
	SHA1      string    `json:"sha1_thumbprint"`
	SHA256    string    `json:"sha256_fingerprint"`
	Key       string    `json:"key"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	DaysLeft  int       `json:"days_left"`
}

// keysReport is the output of `keys show`; Next is nil (JSON null) when
// token_signing.next_cert_file is not set.
type keysReport struct {
	Current  certReport  `json:"current"`
	Next     *certReport `json:"next"`
	Warnings []string    `json:"warnings"`
}

func (e *keysEnv) show(args []string) int {
	fs := e.keysFlags("show")
	var configPath string
	configFlag(fs, &configPath)
	asJSON := fs.Bool("json", false, "print a JSON object instead of text")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "fedgate keys show: unexpected argument %q; see fedgate keys -h\n", fs.Arg(0))
		return 2
	}
	// Only the file paths are needed: secrets are not resolved, so an
	// operator without access to the secret files can still run show.
	cfg, err := config.Load(configPath)
	if err != nil {
		fmt.Fprintf(e.stderr, "fedgate keys show: %v\n", err)
		return 2
	}
	ts := cfg.TokenSigning
	now := e.now()
	cur, err := readSigningCert(ts.CertFile)
	if err != nil {
		fmt.Fprintf(e.stderr, "fedgate keys show: token_signing.cert_file: %v\n", err)
		return 1
	}
	var next *x509.Certificate
	if ts.NextCertFile != "" {
		if next, err = readSigningCert(ts.NextCertFile); err != nil {
			fmt.Fprintf(e.stderr, "fedgate keys show: token_signing.next_cert_file: %v\n", err)
			return 1
		}
	}
	r := keysReport{Current: describeCert(ts.CertFile, cur, now), Warnings: rolloverWarnings(cur, next, now)}
	if next != nil {
		n := describeCert(ts.NextCertFile, next, now)
		r.Next = &n
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			fmt.Fprintf(e.stderr, "fedgate keys show: %v\n", err)
			return 1
		}
		return 0
	}
	printCertReport(e.stdout, "current", &r.Current, "")
	printCertReport(e.stdout, "next", r.Next, "none (token_signing.next_cert_file is not set)")
	for _, w := range r.Warnings {
		fmt.Fprintln(e.stdout, "warning:", w)
	}
	return 0
}

// readSigningCert reads the first certificate of a PEM file of at most
// maxCertPEMBytes.
func readSigningCert(path string) (*x509.Certificate, error) {
	data, err := boundedfile.Read(path, maxCertPEMBytes)
	if err != nil {
		return nil, err
	}
	c, err := parseSigningCertPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// parseSigningCertPEM returns the first CERTIFICATE block of data, which
// holds at most maxCertPEMBytes. Other blocks (a private key pasted into
// the same file) are skipped, never parsed.
func parseSigningCertPEM(data []byte) (*x509.Certificate, error) {
	if len(data) > maxCertPEMBytes {
		return nil, fmt.Errorf("keys: certificate PEM is %d bytes; the limit is %d", len(data), maxCertPEMBytes)
	}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New(`keys: no PEM "CERTIFICATE" block found; the file must hold the PEM certificate (openssl x509 -inform der -in F.cer converts a DER .cer)`)
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("keys: parse certificate: %w", err)
		}
		return c, nil
	}
}

// describeCert summarises c, read from file, as of now.
func describeCert(file string, c *x509.Certificate, now time.Time) certReport {
	s1 := sha1.Sum(c.Raw) //nolint:gosec // thumbprint for display, not a security decision
	s256 := sha256.Sum256(c.Raw)
	return certReport{
		File:      file,
		Subject:   c.Subject.String(),
		SHA1:      strings.ToUpper(hex.EncodeToString(s1[:])),
		SHA256:    strings.ToUpper(hex.EncodeToString(s256[:])),
		Key:       describeKey(c.PublicKey),
		NotBefore: c.NotBefore.UTC(),
		NotAfter:  c.NotAfter.UTC(),
		DaysLeft:  daysLeft(c.NotAfter, now),
	}
}

// describeKey names a public key's type and size, such as "RSA 2048".
func describeKey(pub any) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}

// daysLeft is the number of whole days from now until notAfter, negative
// once it has passed.
func daysLeft(notAfter, now time.Time) int {
	return int(math.Floor(notAfter.Sub(now).Hours() / 24))
}

// rolloverWarnings judges the configured certificates as of now: an
// expired current certificate, one that expires within keysWarnDays with
// no next certificate, a next certificate that expires before the current
// one (promoting it would bring the expiry closer), and a next certificate
// that is the current one.
func rolloverWarnings(cur, next *x509.Certificate, now time.Time) []string {
	w := []string{}
	day := func(t time.Time) string { return t.UTC().Format(time.DateOnly) }
	switch left := cur.NotAfter.Sub(now); {
	case left <= 0:
		w = append(w, fmt.Sprintf("the current token-signing certificate expired on %s: Entra ID and relying parties reject every token; "+
			"run `fedgate keys new`, hand the certificate to Entra ID and promote it now", day(cur.NotAfter)))
	case next == nil && left < keysWarnDays*24*time.Hour:
		w = append(w, fmt.Sprintf("the current token-signing certificate expires in %d days (%s) and no next certificate is configured: "+
			"run `fedgate keys new`, publish it as token_signing.next_cert_file and hand it to Entra ID before then",
			daysLeft(cur.NotAfter, now), day(cur.NotAfter)))
	}
	if next == nil {
		return w
	}
	if string(next.Raw) == string(cur.Raw) {
		w = append(w, "token_signing.next_cert_file is the same certificate as cert_file: publish a new one from `fedgate keys new`")
	} else if next.NotAfter.Before(cur.NotAfter) {
		w = append(w, fmt.Sprintf("the next token-signing certificate expires (%s) before the current one (%s): "+
			"promoting it would shorten the validity; generate another with `fedgate keys new`", day(next.NotAfter), day(cur.NotAfter)))
	}
	return w
}

// printCertReport prints one certificate of `keys show`, or none when c
// is nil.
func printCertReport(w io.Writer, role string, c *certReport, none string) {
	if c == nil {
		fmt.Fprintf(w, "%-8s %s\n", role, none)
		return
	}
	left := fmt.Sprintf("%d days left", c.DaysLeft)
	if c.DaysLeft < 0 {
		left = "EXPIRED"
	}
	fmt.Fprintf(w, "%-8s %s\n", role, c.File)
	fmt.Fprintf(w, "  subject     %s\n", c.Subject)
	fmt.Fprintf(w, "  thumbprint  %s (SHA-1, as AD FS and Entra ID show it)\n", c.SHA1)
	fmt.Fprintf(w, "  sha256      %s\n", c.SHA256)
	fmt.Fprintf(w, "  key         %s\n", c.Key)
	fmt.Fprintf(w, "  not before  %s\n", c.NotBefore.Format(time.RFC3339))
	fmt.Fprintf(w, "  not after   %s (%s)\n", c.NotAfter.Format(time.RFC3339), left)
}

// ---- new ----

// keysNewArgs are the parsed flags of `fedgate keys new`.
type keysNewArgs struct {
	out     string
	subject pkix.Name
	days    int
	bits    int
	domains []string
}

func (e *keysEnv) create(args []string) int {
	a, ok := e.parseNewArgs(args)
	if !ok {
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "fedgate keys new: %v\n", err)
		return 1
	}
	dir, err := filepath.Abs(a.out)
	if err != nil {
		return fail(fmt.Errorf("--out %s: %w", a.out, err))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil { // the key file itself is 0600
		return fail(err)
	}
	certPath, keyPath := filepath.Join(dir, keysNextCertName), filepath.Join(dir, keysNextKeyName)
	for _, p := range []string{certPath, keyPath} {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			if err == nil {
				err = errors.New("it exists")
			}
			return fail(fmt.Errorf("%s: %w; keys new never overwrites: move it away or choose another --out", p, err))
		}
	}
	kp, err := newSigningKeyPair(e.rand, a.subject, a.bits, a.days, e.now())
	if err != nil {
		return fail(err)
	}
	if err := writeNewFile(keyPath, kp.keyPEM, 0o600); err != nil {
		return fail(err)
	}
	if err := writeNewFile(certPath, kp.certPEM, 0o644); err != nil {
		_ = os.Remove(keyPath)
		return fail(err)
	}
	printNextSteps(e.stdout, certPath, keyPath, kp.cert, a.domains)
	return 0
}

func (e *keysEnv) parseNewArgs(args []string) (keysNewArgs, bool) {
	a := keysNewArgs{}
	fs := e.keysFlags("new")
	var configPath, subject string
	configFlag(fs, &configPath)
	fs.StringVar(&a.out, "out", "", "`directory` for signing-next.crt and signing-next.key (required; created if missing)")
	fs.StringVar(&subject, "subject", "", "certificate subject `DN` (default \"CN=ADFS Signing - <federation.name>\" from --config)")
	fs.IntVar(&a.days, "days", keysDefaultDays, fmt.Sprintf("validity in `days` (1 to %d)", keysMaxDays))
	fs.IntVar(&a.bits, "rsa-bits", keysDefaultBits, "RSA key size: 2048, 3072 or 4096")
	fs.Func("domain", "federated `domain` to print the Entra ID PowerShell for (repeatable)", func(s string) error {
		d, err := parseDomainFlag(s)
		if err != nil {
			return err
		}
		if len(a.domains) >= maxDomainFlags {
			return fmt.Errorf("at most %d domains", maxDomainFlags)
		}
		a.domains = append(a.domains, d)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return a, false
	}
	fail := func(format string, v ...any) (keysNewArgs, bool) {
		fmt.Fprintf(e.stderr, "fedgate keys new: "+format+"\n", v...)
		return a, false
	}
	switch {
	case fs.NArg() > 0:
		return fail("unexpected argument %q; see fedgate keys -h", fs.Arg(0))
	case a.out == "":
		return fail("--out DIR is required, such as --out /etc/fedgate/next")
	case a.days < 1 || a.days > keysMaxDays:
		return fail("--days %d is out of range; use 1 to %d", a.days, keysMaxDays)
	case a.bits != 2048 && a.bits != 3072 && a.bits != 4096:
		return fail("--rsa-bits %d is not supported; use 2048, 3072 or 4096", a.bits)
	}
	if subject == "" {
		cfg, err := config.Load(configPath)
		if err != nil {
			return fail("give --subject \"CN=ADFS Signing - sts.contoso.com\", or a --config to take federation.name from: %v", err)
		}
		subject = "CN=ADFS Signing - " + cfg.Federation.Name
	}
	name, err := parseSubject(subject)
	if err != nil {
		return fail("--subject: %v", err)
	}
	a.subject = name
	return a, true
}

// signingKeyPair is a new token-signing key and its certificate.
type signingKeyPair struct {
	cert    *x509.Certificate
	certPEM []byte
	keyPEM  []byte // PKCS #8; a secret, never printed or logged
}

// newSigningKeyPair generates an RSA key of bits and a self-signed
// certificate for subject valid from now−keysBackdate for days: key usage
// digitalSignature only, not a CA, SHA-256 signature, random 128-bit
// serial. rnd supplies the serial number; since Go 1.26 rsa.GenerateKey
// ignores its reader and always uses the operating system's secure source
// (crypto/rand), so the key is never weaker than that.
func newSigningKeyPair(rnd io.Reader, subject pkix.Name, bits, days int, now time.Time) (signingKeyPair, error) {
	key, err := rsa.GenerateKey(rnd, bits)
	if err != nil {
		return signingKeyPair{}, fmt.Errorf("keys: generate RSA %d key: %w", bits, err)
	}
	serialBytes := make([]byte, 16)
	if _, err := io.ReadFull(rnd, serialBytes); err != nil {
		return signingKeyPair{}, fmt.Errorf("keys: serial number: %w", err)
	}
	serialBytes[0] &= 0x7f // positive
	serialBytes[0] |= 0x40 // and never zero or short
	tmpl := &x509.Certificate{
		SerialNumber:          new(big.Int).SetBytes(serialBytes),
		Subject:               subject,
		NotBefore:             now.Add(-keysBackdate).UTC(),
		NotAfter:              now.AddDate(0, 0, days).UTC(),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  false,
		SignatureAlgorithm:    x509.SHA256WithRSA,
	}
	der, err := x509.CreateCertificate(rnd, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return signingKeyPair{}, fmt.Errorf("keys: create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return signingKeyPair{}, fmt.Errorf("keys: parse new certificate: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return signingKeyPair{}, fmt.Errorf("keys: encode private key: %w", err)
	}
	return signingKeyPair{
		cert:    cert,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
	}, nil
}

// writeNewFile creates path with data and mode, failing if it exists
// (O_EXCL, so a file created meanwhile is not overwritten either); a
// partly written file is removed.
func writeNewFile(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// printNextSteps tells the operator how to publish, hand over and promote
// the new certificate. Domains are validated DNS names, safe inside
// PowerShell single quotes; with none, a <domain> placeholder is printed.
func printNextSteps(w io.Writer, certPath, keyPath string, cert *x509.Certificate, domains []string) {
	d := describeCert(certPath, cert, cert.NotBefore)
	b64 := base64.StdEncoding.EncodeToString(cert.Raw)
	var snippet struct {
		TokenSigning struct {
			NextCertFile string `yaml:"next_cert_file"`
		} `yaml:"token_signing"`
	}
	snippet.TokenSigning.NextCertFile = certPath
	var yml strings.Builder
	enc := yaml.NewEncoder(&yml)
	enc.SetIndent(2)
	_ = enc.Encode(snippet) // a struct of one string always encodes; quoting is yaml's

	domainList := "'<domain>'"
	if len(domains) > 0 {
		domainList = "'" + strings.Join(domains, "', '") + "'"
	}
	loop := func(param string) string {
		return fmt.Sprintf("foreach ($domain in %s) {\n"+
			"  $fed = Get-MgDomainFederationConfiguration -DomainId $domain\n"+
			"  Update-MgDomainFederationConfiguration -DomainId $domain -InternalDomainFederationId $fed.Id `\n"+
			"    -%s '%s'\n}\n", domainList, param, b64)
	}

	fmt.Fprintf(w, "Created the next token-signing certificate:\n")
	fmt.Fprintf(w, "  certificate  %s\n", certPath)
	fmt.Fprintf(w, "  private key  %s (mode 0600; keep it secret, never print or mail it)\n", keyPath)
	fmt.Fprintf(w, "  subject      %s\n", d.Subject)
	fmt.Fprintf(w, "  thumbprint   %s (SHA-1, as AD FS and Entra ID show it)\n", d.SHA1)
	fmt.Fprintf(w, "  sha256       %s\n", d.SHA256)
	fmt.Fprintf(w, "  valid        %s to %s\n\n", d.NotBefore.Format(time.RFC3339), d.NotAfter.Format(time.RFC3339))

	fmt.Fprintf(w, "Next steps:\n\n")
	fmt.Fprintf(w, "1. Publish it as the next certificate. Copy %s (the certificate only) to the same\n", keysNextCertName)
	fmt.Fprintf(w, "   path on every node and set, in the existing token_signing section of fedgate.yaml:\n\n%s\n", yml.String())
	fmt.Fprintf(w, "   and restart every node. FederationMetadata.xml then lists both certificates;\n")
	fmt.Fprintf(w, "   tokens are still signed with the current one. Check: fedgate keys show\n\n")

	fmt.Fprintf(w, "2. Hand Entra ID the next certificate (Microsoft Graph PowerShell")
	if len(domains) == 0 {
		fmt.Fprintf(w, "; replace <domain> with\n   each federated domain, or rerun with --domain")
	}
	fmt.Fprintf(w, "):\n\n")
	fmt.Fprintf(w, "# Run as a Domain Name, External Identity Provider, Hybrid Identity or Security Administrator.\n")
	fmt.Fprintf(w, "Connect-MgGraph -Scopes 'Domain-InternalFederation.ReadWrite.All'\n")
	fmt.Fprint(w, loop("NextSigningCertificate"))
	fmt.Fprintf(w, "\n   Entra ID then accepts tokens signed with either certificate.\n\n")

	fmt.Fprintf(w, "3. Promote it once Entra ID has it (Get-MgDomainFederationConfiguration shows it as\n")
	fmt.Fprintf(w, "   NextSigningCertificate). On every node: move %s to token_signing.cert_file and\n", keysNextCertName)
	fmt.Fprintf(w, "   %s to token_signing.key_file (mode 0600, readable by fedgate only), remove\n", keysNextKeyName)
	fmt.Fprintf(w, "   token_signing.next_cert_file, and restart every node. Then make it Entra ID's\n")
	fmt.Fprintf(w, "   primary certificate, before the old one expires:\n\n")
	fmt.Fprint(w, loop("SigningCertificate"))
}

// parseSubject parses a distinguished name such as
// "CN=ADFS Signing - sts.contoso.com, O=Contoso, C=US": comma-separated
// attributes CN (exactly one, required), O, OU, L, ST and C, in any order;
// a backslash makes the next character literal ("O=Contoso\, Ltd").
// Multi-valued RDNs ("+"), control characters and more than
// maxSubjectBytes are refused.
func parseSubject(s string) (pkix.Name, error) {
	var n pkix.Name
	if len(s) > maxSubjectBytes {
		return n, fmt.Errorf("keys: subject is %d bytes; the limit is %d", len(s), maxSubjectBytes)
	}
	if !utf8.ValidString(s) {
		return n, errors.New("keys: subject is not valid UTF-8")
	}
	var parts []string
	var cur strings.Builder
	escaped := false
	for _, r := range s {
		switch {
		case unicode.IsControl(r):
			return n, fmt.Errorf("keys: subject contains control character %U", r)
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\':
			escaped = true
		case r == '+':
			return n, errors.New(`keys: multi-valued RDNs ("+") are not supported; escape a literal plus as \+`)
		case r == ',':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	if escaped {
		return n, errors.New("keys: subject ends with a lone backslash")
	}
	parts = append(parts, cur.String())
	cnSeen := false
	for _, p := range parts {
		attr, value, ok := strings.Cut(p, "=")
		attr, value = strings.ToUpper(strings.TrimSpace(attr)), strings.TrimSpace(value)
		if !ok || attr == "" {
			return n, fmt.Errorf(`keys: subject part %q is not ATTRIBUTE=value, such as "CN=ADFS Signing - sts.contoso.com"`, p)
		}
		if value == "" {
			return n, fmt.Errorf("keys: subject attribute %s is empty", attr)
		}
		switch attr {
		case "CN":
			if cnSeen {
				return n, errors.New("keys: subject has more than one CN")
			}
			if utf8.RuneCountInString(value) > maxCommonName {
				return n, fmt.Errorf("keys: subject CN is longer than %d characters", maxCommonName)
			}
			cnSeen = true
			n.CommonName = value
		case "O":
			n.Organization = append(n.Organization, value)
		case "OU":
			n.OrganizationalUnit = append(n.OrganizationalUnit, value)
		case "L":
			n.Locality = append(n.Locality, value)
		case "ST":
			n.Province = append(n.Province, value)
		case "C":
			if len(value) != 2 || !isASCIILetters(value) {
				return n, fmt.Errorf("keys: subject C=%q is not a two-letter country code", value)
			}
			n.Country = append(n.Country, strings.ToUpper(value))
		default:
			return n, fmt.Errorf("keys: subject attribute %q is not supported; use CN, O, OU, L, ST or C", attr)
		}
	}
	if !cnSeen {
		return n, errors.New(`keys: subject needs a CN, such as "CN=ADFS Signing - sts.contoso.com"`)
	}
	return n, nil
}

func isASCIILetters(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

// parseDomainFlag checks a --domain value: a DNS name of at least two
// labels of letters, digits and hyphens, returned in lower case. Nothing
// else is accepted, so the value is safe inside a PowerShell literal.
func parseDomainFlag(s string) (string, error) {
	d := strings.ToLower(strings.TrimSuffix(s, "."))
	if len(d) == 0 || len(d) > 253 {
		return "", fmt.Errorf("%q is not a domain name such as contoso.com", s)
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", fmt.Errorf("%q is not a domain name such as contoso.com", s)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", fmt.Errorf("%q is not a domain name such as contoso.com", s)
		}
		for _, r := range l {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
				return "", fmt.Errorf("%q is not a domain name such as contoso.com", s)
			}
		}
	}
	return d, nil
}
