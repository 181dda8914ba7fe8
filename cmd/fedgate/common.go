package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
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

// Audit records of administration subcommands: protocol "admin", the
// result naming the action, the operating-system account and host that
// ran it in Reason ("operator=root@fs1"), so the trail says who changed
// what as well as which sign-ins happened.
const (
	auditProtocolAdmin = "admin"
	auditLockoutReset  = "lockout_reset"
	auditMFAReset      = "mfa_reset"
	auditRPAdded       = "rp_added"
	auditRPReplaced    = "rp_replaced"
	auditRPRemoved     = "rp_removed"
)

// adminOperator names who runs this command: the operating-system user
// and the host, as "user@host" ("unknown" for either it cannot tell).
func adminOperator() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return name + "@" + host
}

// recordAdmin writes one administration audit event: result is the
// action, user and rpID what it acted on (either may be empty), detail
// extra "key=value" text. The operator is appended to detail.
func recordAdmin(ctx context.Context, a store.Auditor, now time.Time, result, user, rpID, detail string) error {
	reason := "operator=" + adminOperator()
	if detail != "" {
		reason = detail + " " + reason
	}
	return a.RecordAudit(ctx, store.AuditEvent{
		Time: now, User: user, RelyingParty: rpID, Protocol: auditProtocolAdmin, Result: result, Reason: reason,
	})
}
