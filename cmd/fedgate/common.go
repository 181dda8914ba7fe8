package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/fedgate/fedgate/cmd/internal/app"
	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/cmd/internal/logging"
	"github.com/fedgate/fedgate/idp/store"
)

// The first steps every subcommand that reads fedgate.yaml shares: the
// --config flag, loading the file with its secrets, and (for the
// administration subcommands audit, lockout, mfa and rp) opening the
// store it names.

// configFlag registers --config on fs, defaulting to
// /etc/fedgate/fedgate.yaml.
func configFlag(fs *flag.FlagSet, path *string) {
	fs.StringVar(path, "config", "/etc/fedgate/fedgate.yaml", "configuration `file`")
}

// readConfig loads the configuration file at path and resolves its secret
// files. On failure it writes "fedgate <name>: <path>:" and every problem
// to stderr and returns false; the caller exits 2.
func readConfig(name, path string, stderr io.Writer) (config.Config, bool) {
	cfg, err := config.Load(path)
	if err == nil {
		err = cfg.ResolveSecrets()
	}
	if err != nil {
		fmt.Fprintf(stderr, "fedgate %s: %s:\n%v\n", name, path, err)
		return cfg, false
	}
	return cfg, true
}

// openAdminStore opens the store cfg names for an administration
// subcommand, with now as the store's clock and a logger that writes
// warnings and errors as text to stderr. On failure it writes
// "fedgate <name>: <error>" to stderr and returns a nil store and the
// exit code: 2 when the logger cannot be built, 1 when the store cannot
// be opened. The caller closes the store.
func openAdminStore(ctx context.Context, name string, cfg config.Config, stderr io.Writer, now func() time.Time) (store.Store, *slog.Logger, int) {
	log, err := logging.New(stderr, config.LevelWarn, config.FormatText)
	if err != nil {
		fmt.Fprintf(stderr, "fedgate %s: %v\n", name, err)
		return nil, nil, 2
	}
	st, err := app.OpenStore(ctx, cfg.Store, store.WithNow(now), store.WithLogger(log))
	if err != nil {
		fmt.Fprintf(stderr, "fedgate %s: %v\n", name, err)
		return nil, nil, 1
	}
	return st, log, 0
}
