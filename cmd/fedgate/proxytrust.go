package main

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/fedgate/fedgate/cmd/internal/app"
	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/cmd/internal/logging"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/proxytrust"
)

// runProxyTrust implements `fedgate proxy-trust init-ca|issue|list|revoke`
// with proxytrust.Commands, reading the proxy_trust section and the store
// of the configuration file.
func runProxyTrust(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	log, err := logging.New(stderr, config.LevelWarn, config.FormatText)
	if err != nil {
		return 2
	}
	c := &proxytrust.Commands{
		Settings:  proxyTrustSettings,
		OpenStore: openProxyTrustStore(log),
		Logger:    log,
	}
	return c.Run(ctx, args, stdout, stderr)
}

// errProxyTrustOff is the Settings error when proxy_trust has no CA files.
var errProxyTrustOff = errors.New("proxy trust is not configured: set proxy_trust.ca_cert_file and proxy_trust.ca_key_file " +
	"(for example /etc/fedgate/proxy-trust-ca.crt and .key), then run `fedgate proxy-trust init-ca` once per farm")

func proxyTrustSettings(path string) (proxytrust.Settings, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return proxytrust.Settings{}, err
	}
	pt := cfg.ProxyTrust
	if !pt.Enabled() {
		return proxytrust.Settings{}, errProxyTrustOff
	}
	return proxytrust.Settings{
		CACertFile: pt.CACertFile, CAKeyFile: pt.CAKeyFile,
		CertLifetime: pt.CertLifetime.Std(), TokenLifetime: pt.TokenLifetime.Std(),
	}, nil
}

func openProxyTrustStore(log *slog.Logger) func(ctx context.Context, path string) (proxytrust.Store, func() error, error) {
	return func(ctx context.Context, path string) (proxytrust.Store, func() error, error) {
		cfg, err := config.Load(path)
		if err == nil {
			err = cfg.ResolveSecrets()
		}
		if err != nil {
			return nil, nil, err
		}
		st, err := app.OpenStore(ctx, cfg.Store, store.WithLogger(log))
		if err != nil {
			return nil, nil, err
		}
		return st, st.Close, nil
	}
}
