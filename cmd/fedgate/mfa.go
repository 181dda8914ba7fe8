package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/fedgate/fedgate/mfa"
)

const mfaUsage = `Usage:
  fedgate mfa list  [--config FILE]
  fedgate mfa reset [--config FILE] USER_ID

list prints every TOTP enrollment: the user ID (the user's ImmutableID, the
stable key fedgate enrolls under), the account name shown in the
authenticator app (the UPN at enrollment) and when it was created.
reset deletes a user's enrollment, for a lost or replaced phone: the user
enrolls a new authenticator at their next sign-in. Seeds are never shown.
`

func runMFA(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "list" && args[0] != "reset") {
		fmt.Fprint(stderr, mfaUsage)
		return 2
	}
	verb := args[0]
	fs := flag.NewFlagSet("mfa "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, mfaUsage); fs.PrintDefaults() }
	var path string
	configFlag(fs, &path)
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if verb == "reset" && fs.NArg() != 1 || verb == "list" && fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	cfg, ok := readConfig("mfa", path, stderr)
	if !ok {
		return 2
	}
	key, err := cfg.MFA.SealKey.Key32()
	if err != nil {
		fmt.Fprintf(stderr, "fedgate mfa: mfa.seal_key: %v\n", err)
		return 2
	}
	st, log, code := openAdminStore(ctx, "mfa", cfg, stderr, time.Now)
	if st == nil {
		return code
	}
	defer st.Close()
	svc, err := mfa.New(mfa.Config{Store: st, Key: key, Issuer: cfg.MFAIssuer(), Logger: log})
	if err != nil {
		fmt.Fprintln(stderr, "fedgate mfa:", err)
		return 1
	}
	if verb == "reset" {
		user := fs.Arg(0)
		deleted, err := svc.Reset(ctx, user)
		if err != nil {
			fmt.Fprintln(stderr, "fedgate mfa reset:", err)
			return 1
		}
		if !deleted {
			fmt.Fprintf(stderr, "fedgate mfa reset: %q has no enrollment (use the user ID from `fedgate mfa list`)\n", user)
			return 1
		}
		fmt.Fprintf(stdout, "enrollment of %s removed: the user enrolls again at the next sign-in\n", user)
		if err := recordAdmin(ctx, st, time.Now().UTC(), auditMFAReset, user, "", ""); err != nil {
			fmt.Fprintln(stderr, "fedgate mfa reset: the enrollment was removed, but recording it in the audit trail failed:", err)
			return 1
		}
		return 0
	}
	recs, err := svc.List(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "fedgate mfa list:", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER ID\tACCOUNT\tENROLLED")
	for _, r := range recs {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", cell(r.UserID), cell(r.AccountName), r.CreatedAt.UTC().Format(time.RFC3339))
	}
	return exitOnErr(tw.Flush(), stderr)
}

func exitOnErr(err error, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintln(stderr, "fedgate:", err)
		return 1
	}
	return 0
}
