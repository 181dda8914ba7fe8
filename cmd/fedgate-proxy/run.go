package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const defaultConfigPath = "/etc/fedgate-proxy/fedgate-proxy.yaml"

const usage = `fedgate-proxy: the Web Application Proxy for fedgate

Usage:
  fedgate-proxy enroll [--config FILE] (--token-file FILE | --token TOKEN) [--server URL] [--force]
  fedgate-proxy run [--config FILE]
  fedgate-proxy check-config [--config FILE]
  fedgate-proxy version

The default configuration file is ` + defaultConfigPath + `.
`

// env holds the process-level hooks that tests replace: time, randomness,
// sockets, tickers and SIGHUP.
type env struct {
	now    func() time.Time
	rand   io.Reader
	listen func(network, addr string) (net.Listener, error)
	// ticker returns a channel ticking every d and a stop function.
	ticker func(d time.Duration) (<-chan time.Time, func())
	// hangups returns a channel receiving SIGHUP and a stop function.
	hangups func() (<-chan os.Signal, func())
	// ready is called with the bound addresses once serving.
	ready func(https, probe net.Addr)
}

func defaultEnv() env {
	return env{
		now: time.Now, rand: rand.Reader, listen: net.Listen,
		ticker: func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		},
		hangups: func() (<-chan os.Signal, func()) {
			ch := make(chan os.Signal, 1)
			signal.Notify(ch, syscall.SIGHUP)
			return ch, func() { signal.Stop(ch) }
		},
		ready: func(net.Addr, net.Addr) {},
	}
}

// run dispatches a subcommand and returns the exit code: 0 ok, 1 runtime
// failure, 2 usage or configuration error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runEnv(ctx, args, stdout, stderr, defaultEnv())
}

func runEnv(ctx context.Context, args []string, stdout, stderr io.Writer, e env) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return runServe(ctx, args[1:], stderr, e)
	case "enroll":
		return runEnroll(ctx, args[1:], stdout, stderr, e)
	case "check-config":
		return runCheckConfig(args[1:], stdout, stderr, e)
	case "version", "--version":
		fmt.Fprintln(stdout, "fedgate-proxy", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "fedgate-proxy: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// loadConfig parses the subcommand's flags (--config plus extra) and the
// configuration file.
func loadConfig(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (Config, bool) {
	fs := flag.NewFlagSet("fedgate-proxy "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", defaultConfigPath, "configuration `file`")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, false
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "fedgate-proxy %s: unexpected argument %q\n", name, fs.Arg(0))
		return Config{}, false
	}
	cfg, err := LoadConfig(*path)
	if err != nil {
		fmt.Fprintf(stderr, "fedgate-proxy %s: %s: %v\n", name, *path, err)
		return Config{}, false
	}
	return cfg, true
}

func runCheckConfig(args []string, stdout, stderr io.Writer, e env) int {
	cfg, ok := loadConfig("check-config", args, stderr, nil)
	if !ok {
		return 2
	}
	log, err := newLogger(stderr, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "fedgate-proxy check-config:", err)
		return 2
	}
	a, err := build(cfg, log, e.now, e.rand)
	if err != nil {
		fmt.Fprintf(stderr, "fedgate-proxy check-config:\n%v\n", err)
		return 2
	}
	leaf := a.trustKP.Leaf()
	fmt.Fprintf(stdout, "configuration OK: %s via %d fedgate node(s); proxy %v, certificate valid until %s (renewal from %s)\n",
		cfg.FederationName, len(cfg.Backend.Nodes), leaf.DNSNames,
		leaf.NotAfter.UTC().Format(time.RFC3339), a.renewAt().UTC().Format(time.RFC3339))
	return 0
}
