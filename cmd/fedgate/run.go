package main

import (
	"context"
	"fmt"
	"io"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `fedgate: a federation server for Office 365 / Entra ID and SAML 2.0 applications

Usage:
  fedgate demo [--listen 127.0.0.1:8443] [--msonline-listen 127.0.0.1:8444] [--data DIR] [--mfa always|extranet_only|never]
  fedgate serve --config fedgate.yaml
  fedgate check-config --config fedgate.yaml [--strict]
  fedgate mfa list|reset [--config fedgate.yaml] [USER_ID]
  fedgate lockout show|reset|list --config fedgate.yaml [--user NAME] …
  fedgate audit --config fedgate.yaml [--since 1h] [--user NAME] [--result failure] [--json]
  fedgate proxy-trust init-ca|issue|list|revoke --config fedgate.yaml …
  fedgate rp add|list|show|remove --config fedgate.yaml …
  fedgate keys show|new [--config fedgate.yaml] …
  fedgate version

Run "fedgate <command> -h" for a command's flags.
`

// run dispatches a subcommand and returns the process exit code: 0 ok,
// 1 runtime failure, 2 usage or configuration error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "demo":
		return runDemo(ctx, args[1:], stdout, stderr)
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "check-config":
		return runCheckConfig(ctx, args[1:], stdout, stderr)
	case "mfa":
		return runMFA(ctx, args[1:], stdout, stderr)
	case "lockout":
		return runLockout(ctx, args[1:], stdout, stderr)
	case "audit":
		return runAudit(ctx, args[1:], stdout, stderr)
	case "proxy-trust":
		return runProxyTrust(ctx, args[1:], stdout, stderr)
	case "rp":
		return runRP(ctx, args[1:], stdout, stderr)
	case "keys":
		return runKeys(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "fedgate", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "fedgate: unknown command %q\n\n%s", args[0], usage)
	return 2
}
