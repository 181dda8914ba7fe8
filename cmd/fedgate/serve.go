package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/fedgate/fedgate/cmd/internal/app"
	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/cmd/internal/logging"
)

// loadConfig is the shared first half of serve and check-config.
func loadConfig(name string, args []string, stderr io.Writer) (config.Config, bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "/etc/fedgate/fedgate.yaml", "configuration `file`")
	if err := fs.Parse(args); err != nil {
		return config.Config{}, false
	}
	cfg, err := config.Load(*path)
	if err != nil {
		fmt.Fprintf(stderr, "fedgate %s: %s:\n%v\n", name, *path, err)
		return cfg, false
	}
	if err := cfg.ResolveSecrets(); err != nil {
		fmt.Fprintf(stderr, "fedgate %s: %s:\n%v\n", name, *path, err)
		return cfg, false
	}
	return cfg, true
}

func runServe(ctx context.Context, args []string, _, stderr io.Writer) int {
	cfg, ok := loadConfig("serve", args, stderr)
	if !ok {
		return 2
	}
	log, err := logging.New(stderr, cfg.Log.Level, cfg.Log.Format)
	if err != nil {
		fmt.Fprintln(stderr, "fedgate serve:", err)
		return 2
	}
	a, err := app.Build(ctx, cfg, app.Options{Logger: log})
	if err != nil {
		fmt.Fprintf(stderr, "fedgate serve:\n%v\n", err)
		return 2
	}
	defer a.Close()
	ls, err := a.Listen()
	if err != nil {
		fmt.Fprintln(stderr, "fedgate serve:", err)
		return 1
	}
	log.Info("fedgate serving", slog.String("address", cfg.Listen.Address), slog.String("issuer", cfg.IssuerURI()),
		slog.String("public_url", cfg.PublicURL()), slog.String("version", version))
	if err := a.Serve(ctx, ls); err != nil {
		log.Error("serve failed", slog.Any("error", err))
		return 1
	}
	return 0
}

func runCheckConfig(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, ok := loadConfig("check-config", args, stderr)
	if !ok {
		return 2
	}
	a, err := app.Build(ctx, cfg, app.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "fedgate check-config:\n%v\n", err)
		return 2
	}
	_ = a.Close()
	fmt.Fprintf(stdout, "configuration OK: issuer %s, %d relying-party trust(s), store %s\n",
		cfg.IssuerURI(), len(a.Parties.Parties()), cfg.Store.Driver)
	return 0
}
