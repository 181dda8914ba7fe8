package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/web/proxy"
)

// maxTokenFile bounds the token file read by enroll.
const maxTokenFile = 4 << 10

// runEnroll obtains the proxy-trust certificate: it generates the key
// here, sends only a CSR with the one-time token to fedgate, and writes
// the key (0600) and certificate to proxy_trust.key_file / cert_file.
func runEnroll(ctx context.Context, args []string, stdout, stderr io.Writer, e env) int {
	var tokenArg, tokenFile, server string
	var force bool
	cfg, ok := loadConfig("enroll", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&tokenFile, "token-file", "", "read the enrollment token from `file` (preferred)")
		fs.StringVar(&tokenArg, "token", "", "the enrollment `token` (visible to other local users in the process list; prefer --token-file)")
		fs.StringVar(&server, "server", "", "fedgate `URL` to enroll with (default: proxy_trust.server, else the first backend node)")
		fs.BoolVar(&force, "force", false, "replace an existing proxy-trust certificate")
	})
	if !ok {
		return 2
	}
	tok, err := readToken(tokenArg, tokenFile)
	if err != nil {
		fmt.Fprintln(stderr, "fedgate-proxy enroll:", err)
		return 2
	}
	if tokenArg != "" {
		fmt.Fprintln(stderr, "fedgate-proxy enroll: note: --token is visible in the process list; --token-file is safer")
	}
	if server != "" {
		var c checks
		c.httpsURL("--server", server)
		if len(c.errs) > 0 {
			fmt.Fprintln(stderr, "fedgate-proxy enroll:", c.errs[0])
			return 2
		}
	}
	if _, err := os.Stat(cfg.ProxyTrust.CertFile); err == nil && !force {
		fmt.Fprintf(stderr, "fedgate-proxy enroll: %s exists; this proxy is already enrolled (use --force to replace it, then revoke the old certificate on fedgate)\n", cfg.ProxyTrust.CertFile)
		return 2
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintln(stderr, "fedgate-proxy enroll:", err)
		return 1
	}
	roots, err := loadCAFile(cfg.Backend.CAFile)
	if err != nil {
		fmt.Fprintf(stderr, "fedgate-proxy enroll: backend.ca_file: %v\n", err)
		return 2
	}
	node := cfg.serverNode(server)
	key, err := proxytrust.NewKey(e.rand)
	if err != nil {
		fmt.Fprintln(stderr, "fedgate-proxy enroll:", err)
		return 1
	}
	csr, err := proxytrust.NewCSR(key, e.rand)
	if err != nil {
		fmt.Fprintln(stderr, "fedgate-proxy enroll:", err)
		return 1
	}
	client := &proxytrust.Client{ServerURL: node.URL, HTTPClient: fedgateClient(roots, node.ServerName, nil, cfg.Backend), Now: e.now}
	b, err := client.Enroll(ctx, tok, csr)
	if err != nil {
		fmt.Fprintln(stderr, "fedgate-proxy enroll:", err)
		return 1
	}
	if err := proxy.WriteKeyPair(cfg.ProxyTrust.CertFile, cfg.ProxyTrust.KeyFile, b.ChainPEM, key); err != nil {
		fmt.Fprintln(stderr, "fedgate-proxy enroll:", err)
		return 1
	}
	fmt.Fprintf(stdout, "enrolled as %s with %s: certificate %s (serial %s) valid until %s; renewed automatically by `fedgate-proxy run`\n",
		b.Certificate.DNSNames[0], node.URL, cfg.ProxyTrust.CertFile, proxytrust.SerialString(b.Certificate.SerialNumber),
		b.Certificate.NotAfter.UTC().Format(time.RFC3339))
	return 0
}

// readToken takes the token from exactly one of the flag value or file.
func readToken(arg, file string) (proxytrust.Token, error) {
	switch {
	case arg != "" && file != "":
		return proxytrust.Token{}, errors.New("give --token or --token-file, not both")
	case arg != "":
		return proxytrust.ParseToken(arg)
	case file != "":
		data, err := proxytrust.ReadFileLimited(file, maxTokenFile)
		if err != nil {
			return proxytrust.Token{}, fmt.Errorf("--token-file: %w", err)
		}
		return proxytrust.ParseToken(string(data))
	}
	return proxytrust.Token{}, errors.New("--token-file is required (the token printed by `fedgate proxy-trust issue`)")
}
