package proxytrust

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"
)

// Settings are the proxy-trust keys of fedgate's configuration file.
type Settings struct {
	// CACertFile and CAKeyFile are the CA certificate and private key
	// (PEM). init-ca writes them; everything else reads them.
	CACertFile, CAKeyFile string
	// CertLifetime and TokenLifetime are passed to Config (0 = default).
	CertLifetime, TokenLifetime time.Duration
}

// Commands implements `fedgate proxy-trust …`. cmd/fedgate supplies the
// configuration hooks and calls Run with the arguments after
// "proxy-trust".
type Commands struct {
	// Settings reads the proxy-trust settings from the configuration file
	// at path. Required.
	Settings func(configPath string) (Settings, error)
	// OpenStore opens the state store of the configuration file at path;
	// closeFn releases it. Required for issue, list and revoke.
	OpenStore func(ctx context.Context, configPath string) (s Store, closeFn func() error, err error)
	// DefaultConfig is the --config default. Default
	// "/etc/fedgate/fedgate.yaml".
	DefaultConfig string
	// Now, Rand and Logger as in Config. Defaults: time.Now,
	// crypto/rand.Reader, discard.
	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger
}

const commandsUsage = `Usage:
  fedgate proxy-trust init-ca [--config FILE] [--common-name NAME]
  fedgate proxy-trust issue   [--config FILE] --name PROXY-DNS-NAME [--ttl 1h]
  fedgate proxy-trust list    [--config FILE]
  fedgate proxy-trust revoke  [--config FILE] (--serial SERIAL | --name PROXY-DNS-NAME)
`

// Run dispatches a proxy-trust subcommand and returns the exit code: 0
// success, 1 runtime failure, 2 usage or configuration error. The
// enrollment token is the only secret it prints, once, to stdout.
func (c *Commands) Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, commandsUsage)
		return 2
	}
	switch args[0] {
	case "init-ca":
		return c.initCA(args[1:], stdout, stderr)
	case "issue":
		return c.issue(ctx, args[1:], stdout, stderr)
	case "list":
		return c.list(ctx, args[1:], stdout, stderr)
	case "revoke":
		return c.revoke(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, commandsUsage)
		return 0
	}
	fmt.Fprintf(stderr, "fedgate proxy-trust: unknown command %q\n\n%s", args[0], commandsUsage)
	return 2
}

func (c *Commands) defaults() (func() time.Time, io.Reader, *slog.Logger) {
	now, rnd, log := c.Now, c.Rand, c.Logger
	if now == nil {
		now = time.Now
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return now, rnd, log
}

func (c *Commands) flags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("fedgate proxy-trust "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := c.DefaultConfig
	if def == "" {
		def = "/etc/fedgate/fedgate.yaml"
	}
	return fs, fs.String("config", def, "configuration `file`")
}

// open builds the Authority from the configuration at path.
func (c *Commands) open(ctx context.Context, path string, stderr io.Writer) (*Authority, func(), int) {
	fail := func(format string, a ...any) (*Authority, func(), int) {
		fmt.Fprintf(stderr, "fedgate proxy-trust: "+format+"\n", a...)
		return nil, nil, 2
	}
	if c.Settings == nil || c.OpenStore == nil {
		return fail("not configured (Settings and OpenStore are required)")
	}
	set, err := c.Settings(path)
	if err != nil {
		return fail("%s: %v", path, err)
	}
	ca, err := LoadCA(set.CACertFile, set.CAKeyFile)
	if err != nil {
		return fail("%v\n(create the CA once with `fedgate proxy-trust init-ca`)", err)
	}
	st, closeFn, err := c.OpenStore(ctx, path)
	if err != nil {
		fmt.Fprintf(stderr, "fedgate proxy-trust: open store: %v\n", err)
		return nil, nil, 1
	}
	now, rnd, log := c.defaults()
	a, err := New(Config{CA: ca, Store: st, CertLifetime: set.CertLifetime, TokenLifetime: set.TokenLifetime, Now: now, Rand: rnd, Logger: log})
	if err != nil {
		_ = closeFn()
		return fail("%v", err)
	}
	return a, func() { _ = closeFn() }, 0
}

func (c *Commands) initCA(args []string, stdout, stderr io.Writer) int {
	fs, cfgPath := c.flags("init-ca", stderr)
	cn := fs.String("common-name", "fedgate proxy trust CA", "CA certificate subject common `name`")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return 2
	}
	if c.Settings == nil {
		fmt.Fprintln(stderr, "fedgate proxy-trust: not configured (Settings is required)")
		return 2
	}
	set, err := c.Settings(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "fedgate proxy-trust init-ca: %s: %v\n", *cfgPath, err)
		return 2
	}
	if set.CACertFile == "" || set.CAKeyFile == "" {
		fmt.Fprintln(stderr, "fedgate proxy-trust init-ca: set proxy_trust.ca_cert_file and proxy_trust.ca_key_file in the configuration first")
		return 2
	}
	now, rnd, _ := c.defaults()
	certPEM, keyPEM, err := GenerateCA(*cn, now(), rnd)
	if err != nil {
		fmt.Fprintln(stderr, "fedgate proxy-trust init-ca:", err)
		return 1
	}
	if err := writeNewFile(set.CAKeyFile, keyPEM, 0o600); err != nil {
		fmt.Fprintf(stderr, "fedgate proxy-trust init-ca: %v\n(an existing CA is never overwritten; remove both files deliberately to start over, which invalidates every proxy)\n", err)
		return 1
	}
	if err := writeNewFile(set.CACertFile, certPEM, 0o644); err != nil {
		_ = os.Remove(set.CAKeyFile)
		fmt.Fprintf(stderr, "fedgate proxy-trust init-ca: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "proxy-trust CA created:\n  certificate %s\n  private key %s (copy both to every fedgate node; keep the key readable by fedgate only)\n",
		set.CACertFile, set.CAKeyFile)
	return 0
}

// writeNewFile creates path with data and mode, failing if it exists.
func writeNewFile(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return err
	}
	return nil
}

func (c *Commands) issue(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, cfgPath := c.flags("issue", stderr)
	name := fs.String("name", "", "DNS `name` of the proxy the token is for (required)")
	ttl := fs.Duration("ttl", 0, "token lifetime (default: proxy_trust.token_lifetime, 1h)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return 2
	}
	if *name == "" {
		fmt.Fprintln(stderr, "fedgate proxy-trust issue: --name is required, such as --name wap1.contoso.com")
		return 2
	}
	if _, err := NormalizeProxyName(*name); err != nil {
		fmt.Fprintln(stderr, "fedgate proxy-trust issue:", err)
		return 2
	}
	a, done, code := c.open(ctx, *cfgPath, stderr)
	if a == nil {
		return code
	}
	defer done()
	tok, e, err := a.IssueToken(ctx, *name, *ttl)
	if err != nil {
		fmt.Fprintln(stderr, "fedgate proxy-trust issue:", err)
		return 1
	}
	fmt.Fprintln(stdout, tok.Reveal())
	fmt.Fprintf(stderr, "\nEnrollment token for %s printed above: single use, expires %s.\n"+
		"It is shown only once and is not stored. On the proxy, save it to a file only root can read and run:\n"+
		"  fedgate-proxy enroll --token-file FILE\n", e.ProxyName, e.ExpiresAt.Format(time.RFC3339))
	return 0
}

func (c *Commands) list(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, cfgPath := c.flags("list", stderr)
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return 2
	}
	a, done, code := c.open(ctx, *cfgPath, stderr)
	if a == nil {
		return code
	}
	defer done()
	list, err := a.List(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "fedgate proxy-trust list:", err)
		return 1
	}
	now, _, _ := c.defaults()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERIAL\tPROXY\tISSUED\tNOT AFTER\tSTATUS")
	for _, cert := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cert.Serial, cert.ProxyName,
			cert.IssuedAt.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339), status(cert, now()))
	}
	if err := tw.Flush(); err != nil {
		return 1
	}
	return 0
}

func status(c Issued, now time.Time) string {
	switch {
	case !c.RevokedAt.IsZero():
		return "revoked " + c.RevokedAt.UTC().Format(time.RFC3339)
	case !now.Before(c.NotAfter):
		return "expired"
	case c.Renewal:
		return "valid (renewal)"
	}
	return "valid"
}

func (c *Commands) revoke(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, cfgPath := c.flags("revoke", stderr)
	serial := fs.String("serial", "", "revoke the certificate with this `serial` (from list)")
	name := fs.String("name", "", "revoke every certificate issued to this proxy `name`")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return 2
	}
	if (*serial == "") == (*name == "") {
		fmt.Fprintln(stderr, "fedgate proxy-trust revoke: give exactly one of --serial or --name")
		return 2
	}
	a, done, code := c.open(ctx, *cfgPath, stderr)
	if a == nil {
		return code
	}
	defer done()
	var revoked []Issued
	var err error
	if *serial != "" {
		var one Issued
		one, err = a.Revoke(ctx, *serial)
		revoked = []Issued{one}
	} else {
		revoked, err = a.RevokeProxy(ctx, *name)
	}
	if err != nil {
		fmt.Fprintln(stderr, "fedgate proxy-trust revoke:", err)
		if errors.Is(err, ErrUnknownSerial) {
			return 2
		}
		return 1
	}
	for _, r := range revoked {
		fmt.Fprintf(stdout, "revoked %s (%s)\n", r.Serial, r.ProxyName)
	}
	fmt.Fprintf(stdout, "Other fedgate nodes stop trusting them within their revocation cache TTL (default %s).\n", DefaultRevocationCacheTTL)
	return 0
}
