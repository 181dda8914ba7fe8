package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/fedgate/fedgate/cmd/internal/demo"
	"github.com/fedgate/fedgate/cmd/internal/logging"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8443", "fedgate HTTPS `address`")
	msListen := fs.String("msonline-listen", "127.0.0.1:8444", "simulated Microsoft Online HTTPS `address`")
	data := fs.String("data", demo.DefaultDataDir(), "data `directory` for keys, generated config and database")
	level := fs.String("log-level", "info", "log `level`: debug, info, warn, error")
	mfaPolicy := fs.String("mfa", "always", "Office 365 MFA `policy`: always, extranet_only (only through fedgate-proxy) or never")
	protocol := fs.String("protocol", "wsfed", "Office 365 federation `protocol`: wsfed (WS-Federation) or saml2 (Entra SAML 2.0 profile)")
	legacy := fs.String("legacy-clients", "", "Office 365 WS-Trust legacy-client `policy`: deny_enrolled (default), inside_only or app_password")
	directoryEnv := fs.String("directory-env", "", "use the Active Directory described by this env `file` (deploy/samba-ad-lab.sh writes $ADDIR/env) instead of the in-process directory")
	var samlMetadata stringList
	fs.Var(&samlMetadata, "saml-metadata", "register the SAML 2.0 service provider described by this metadata `file` (repeatable; named by its entity ID, MFA as --mfa)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log, err := logging.New(stderr, *level, "text")
	if err != nil {
		fmt.Fprintln(stderr, "fedgate demo:", err)
		return 2
	}
	d, err := demo.Start(ctx, demo.Options{Listen: *listen, MSOnlineListen: *msListen, DataDir: *data, Office365MFA: *mfaPolicy, Protocol: *protocol, LegacyClients: *legacy, SAMLMetadata: samlMetadata, DirectoryEnv: *directoryEnv, Logger: log})
	if err != nil {
		fmt.Fprintln(stderr, "fedgate demo:", err)
		return 1
	}
	defer d.Close()
	fmt.Fprint(stdout, d.Banner())
	if err := d.Wait(ctx); err != nil {
		log.Error("demo stopped", slog.Any("error", err))
		return 1
	}
	return 0
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	if v == "" {
		return errors.New("empty value")
	}
	*l = append(*l, v)
	return nil
}
