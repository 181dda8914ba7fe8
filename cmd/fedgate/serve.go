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

// loadConfig is the shared first half of serve and check-config; flags,
// if set, registers the command's own flags.
func loadConfig(name string, args []string, stderr io.Writer, flags func(*flag.FlagSet)) (config.Config, bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var path string
	configFlag(fs, &path)
	if flags != nil {
		flags(fs)
	}
	if err := fs.Parse(args); err != nil {
		return config.Config{}, false
	}
	return readConfig(name, path, stderr)
}

func runServe(ctx context.Context, args []string, _, stderr io.Writer) int {
	cfg, ok := loadConfig("serve", args, stderr, nil)
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
	// Compare extranet_lockout with AD's own lockout policy once, before
	// listening; a mismatch or an unreachable directory is only logged.
	app.LogLockoutPolicyCheck(ctx, log, app.CheckLockoutPolicy(ctx, cfg.ExtranetLockout, a.Directory))
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
	var strict bool
	cfg, ok := loadConfig("check-config", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&strict, "strict", false, "exit non-zero when extranet_lockout does not fit AD's lockout policy or the policy cannot be read")
	})
	if !ok {
		return 2
	}
	a, err := app.Build(ctx, cfg, app.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "fedgate check-config:\n%v\n", err)
		return 2
	}
	defer a.Close()
	res := app.CheckLockoutPolicy(ctx, cfg.ExtranetLockout, a.Directory)
	printLockoutPolicyCheck(stdout, res)
	switch {
	case !strict:
	case res.Err != nil:
		fmt.Fprintln(stderr, "fedgate check-config: --strict: AD's lockout policy could not be read, so extranet_lockout is unverified")
		return 1
	case res.Warnings() > 0:
		fmt.Fprintf(stderr, "fedgate check-config: --strict: %d extranet lockout warning(s); change extranet_lockout as they say\n", res.Warnings())
		return 2
	}
	fmt.Fprintf(stdout, "configuration OK: issuer %s, %d relying-party trust(s), store %s\n",
		cfg.IssuerURI(), len(a.Parties.Parties()), cfg.Store.Driver)
	return 0
}

// printLockoutPolicyCheck prints the comparison of extranet_lockout with
// AD's lockout policy, one line per finding.
func printLockoutPolicyCheck(w io.Writer, r app.LockoutPolicyCheck) {
	if r.Err != nil {
		fmt.Fprintf(w, "note: could not read AD's account lockout policy, so extranet_lockout was not compared with it: %v\n", r.Err)
		return
	}
	fmt.Fprintln(w, app.DescribeDomainLockoutPolicy(r.AD))
	for _, f := range r.Findings {
		fmt.Fprintf(w, "%s: %s\n", f.Severity, f.Message)
	}
}
