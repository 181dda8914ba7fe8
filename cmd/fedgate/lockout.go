package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fedgate/fedgate/cmd/internal/app"
	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/ldapauth"
)

// Limits of `fedgate lockout`.
const (
	lockoutDefaultLimit = 100
	maxUserFlag         = 1024 // ldapauth refuses longer names anyway
)

const lockoutUsage = `Usage:
  fedgate lockout show  [--config FILE] --user NAME | --key KEY [--json]
  fedgate lockout reset [--config FILE] --user NAME | --key KEY [--location familiar|unfamiliar|all]
  fedgate lockout list  [--config FILE] [--locked] [--limit N] [--json]

Extranet lockout administration (AD FS Get-ADFSAccountActivity and
Reset-ADFSAccountLockout). NAME is resolved through the directory exactly as
at sign-in (UPN, DOMAIN\user or sAMAccountName), to the account key its
counters are stored under (the base64 objectGUID); --key names that key
directly, for accounts the directory no longer finds.

show   bad-password counts from familiar and unfamiliar IPs, the last bad
       password and its location, whether each location is locked and until
       when, and the familiar IPs.
reset  clears the counters of one location or both (default all); the
       familiar IPs are kept. Recorded in the audit trail (result
       lockout_reset, protocol admin, with the operator).
list   accounts with stored state, most recent bad password first, by UPN
       when the directory resolves their key; --locked only locked ones.

`

// lockoutArgs are the parsed flags of `fedgate lockout`.
type lockoutArgs struct {
	verb       string
	configPath string
	user, key  string
	location   lockout.Location
	locked     bool
	limit      int
	json       bool
}

// lockoutDirectory is what the subcommands need from the directory;
// *ldapauth.Client satisfies it.
type lockoutDirectory interface {
	app.Lookuper
	LookupObjectGUIDs(ctx context.Context, guids [][]byte) ([]*ldapauth.User, error)
}

// lockoutEnv is what one run of `fedgate lockout` works on.
type lockoutEnv struct {
	cfg    config.Config
	admin  *lockout.Admin
	audit  store.Auditor
	dir    lockoutDirectory
	now    func() time.Time
	stdout io.Writer
	stderr io.Writer
}

func runLockout(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return lockoutCommand(ctx, args, stdout, stderr, time.Now)
}

// lockoutCommand is runLockout with the clock that judges lockouts and
// stamps audit records.
func lockoutCommand(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) int {
	a, ok := parseLockoutArgs(args, stderr)
	if !ok {
		return 2
	}
	cfg, ok := readConfig("lockout", a.configPath, stderr)
	if !ok {
		return 2
	}
	st, log, code := openAdminStore(ctx, "lockout", cfg, stderr, now)
	if st == nil {
		return code
	}
	defer st.Close()
	dir, err := app.OpenDirectory(cfg.Directory, log)
	if err != nil {
		fmt.Fprintln(stderr, "fedgate lockout:", err)
		return 2
	}
	defer dir.Close()
	l := cfg.ExtranetLockout
	admin, err := lockout.NewAdmin(lockout.Config{
		Threshold: l.Threshold, FamiliarThreshold: l.FamiliarThreshold, ObservationWindow: l.ObservationWindow.Std(),
		Store: st, Now: now,
	})
	if err != nil {
		fmt.Fprintf(stderr, "fedgate lockout: extranet_lockout: %v\n", err)
		return 2
	}
	e := &lockoutEnv{cfg: cfg, admin: admin, audit: st, dir: dir, now: now, stdout: stdout, stderr: stderr}
	switch a.verb {
	case "show":
		return e.show(ctx, a)
	case "reset":
		return e.reset(ctx, a)
	default:
		return e.list(ctx, a)
	}
}

func parseLockoutArgs(args []string, stderr io.Writer) (lockoutArgs, bool) {
	var a lockoutArgs
	if len(args) == 0 || (args[0] != "show" && args[0] != "reset" && args[0] != "list") {
		fmt.Fprint(stderr, lockoutUsage)
		return a, false
	}
	a.verb = args[0]
	fs := flag.NewFlagSet("lockout "+a.verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, lockoutUsage); fs.PrintDefaults() }
	configFlag(fs, &a.configPath)
	location := "all"
	switch a.verb {
	case "show", "reset":
		fs.StringVar(&a.user, "user", "", "the account's sign-in `name`, resolved through the directory")
		fs.StringVar(&a.key, "key", "", "the account `key` (base64 objectGUID) instead of --user")
		if a.verb == "show" {
			fs.BoolVar(&a.json, "json", false, "print a JSON object instead of text")
		} else {
			fs.StringVar(&location, "location", location, "counters to reset: familiar, unfamiliar or all")
		}
	case "list":
		fs.BoolVar(&a.locked, "locked", false, "only accounts with a locked location")
		fs.IntVar(&a.limit, "limit", lockoutDefaultLimit, fmt.Sprintf("print at most `N` accounts (1 to %d)", lockout.MaxList))
		fs.BoolVar(&a.json, "json", false, "print one JSON object per line instead of a table")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return a, false
	}
	fail := func(format string, v ...any) (lockoutArgs, bool) {
		fmt.Fprintf(stderr, "fedgate lockout %s: "+format+"\n", append([]any{a.verb}, v...)...)
		return a, false
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q; see fedgate lockout -h", fs.Arg(0))
	}
	switch a.verb {
	case "show", "reset":
		if (a.user == "") == (a.key == "") {
			return fail("give exactly one of --user NAME or --key KEY")
		}
		if len(a.user) > maxUserFlag || len(a.key) > store.MaxKeyLen {
			return fail("--user takes at most %d bytes and --key at most %d", maxUserFlag, store.MaxKeyLen)
		}
		loc, err := lockout.ParseLocation(location)
		if err != nil {
			return fail("--location: %v", err)
		}
		a.location = loc
	case "list":
		if a.limit < 1 || a.limit > lockout.MaxList {
			return fail("--limit %d is out of range; use 1 to %d", a.limit, lockout.MaxList)
		}
	}
	return a, true
}

// account resolves --user or --key to the account key and the name to
// show (the UPN the directory has for the key, else the name as typed).
// A non-zero code is the exit code, after a message on stderr.
func (e *lockoutEnv) account(ctx context.Context, a lockoutArgs) (key, name string, code int) {
	key = a.key
	if a.user != "" {
		k, found, err := app.DirectoryResolver(e.dir).ResolveUser(ctx, a.user)
		if err != nil {
			fmt.Fprintf(e.stderr, "fedgate lockout %s: resolve %s in the directory: %v\n", a.verb, cell(a.user), err)
			return "", "", 1
		}
		if !found {
			fmt.Fprintf(e.stderr, "fedgate lockout %s: no single directory account matches %s (try the UPN, or --key from `fedgate lockout list`)\n", a.verb, cell(a.user))
			return "", "", 1
		}
		key = k
	}
	names := e.accountNames(ctx, []string{key})
	name = names[key]
	if name == "" {
		name = a.user
	}
	return key, name, 0
}

// accountNames maps account keys to UPNs (sAMAccountName when an account
// has no UPN) as far as the directory resolves them. A directory failure
// is reported on stderr and leaves the keys unnamed.
func (e *lockoutEnv) accountNames(ctx context.Context, keys []string) map[string]string {
	names := make(map[string]string, len(keys))
	var guids [][]byte
	for _, k := range keys {
		if g, err := base64.StdEncoding.DecodeString(k); err == nil && len(g) == 16 {
			guids = append(guids, g)
		}
	}
	if len(guids) == 0 {
		return names
	}
	users, err := e.dir.LookupObjectGUIDs(ctx, guids)
	if err != nil {
		fmt.Fprintf(e.stderr, "fedgate lockout: could not resolve account names in the directory, showing account keys: %v\n", err)
		return names
	}
	for _, u := range users {
		name := u.UPN
		if name == "" {
			name = u.SAMAccountName
		}
		names[base64.StdEncoding.EncodeToString(u.ObjectGUID)] = name
	}
	return names
}

func (e *lockoutEnv) show(ctx context.Context, a lockoutArgs) int {
	key, name, code := e.account(ctx, a)
	if code != 0 {
		return code
	}
	act, err := e.admin.Activity(ctx, key)
	if err != nil {
		fmt.Fprintln(e.stderr, "fedgate lockout show:", err)
		return 1
	}
	if a.json {
		return exitOnErr(json.NewEncoder(e.stdout).Encode(e.activityJSON(name, act)), e.stderr)
	}
	return exitOnErr(e.printActivity(name, act), e.stderr)
}

func (e *lockoutEnv) reset(ctx context.Context, a lockoutArgs) int {
	key, name, code := e.account(ctx, a)
	if code != 0 {
		return code
	}
	before, after, err := e.admin.Reset(ctx, key, a.location)
	if err != nil {
		fmt.Fprintln(e.stderr, "fedgate lockout reset:", err)
		return 1
	}
	who := name
	if who == "" {
		who = key
	}
	fmt.Fprintf(e.stdout, "extranet lockout of %s reset (%s): unfamiliar %d -> %d, familiar %d -> %d bad passwords; %d familiar IP(s) kept\n",
		cell(who), a.location, before.Unfamiliar.BadPasswords, after.Unfamiliar.BadPasswords,
		before.Familiar.BadPasswords, after.Familiar.BadPasswords, len(after.FamiliarIPs))
	err = recordAdmin(ctx, e.audit, e.now(), auditLockoutReset, who, "", "location="+string(a.location))
	if err != nil {
		fmt.Fprintln(e.stderr, "fedgate lockout reset: the counters were reset, but recording it in the audit trail failed:", err)
		return 1
	}
	return 0
}

func (e *lockoutEnv) list(ctx context.Context, a lockoutArgs) int {
	acts, complete, err := e.admin.List(ctx, a.limit, a.locked)
	if err != nil {
		fmt.Fprintln(e.stderr, "fedgate lockout list:", err)
		return 1
	}
	keys := make([]string, len(acts))
	for i, act := range acts {
		keys[i] = act.Key
	}
	names := e.accountNames(ctx, keys)
	if a.json {
		enc := json.NewEncoder(e.stdout)
		for _, act := range acts {
			if err := enc.Encode(e.activityJSON(names[act.Key], act)); err != nil {
				return exitOnErr(err, e.stderr)
			}
		}
	} else if err := printActivityTable(e.stdout, names, acts); err != nil {
		return exitOnErr(err, e.stderr)
	}
	if !complete {
		fmt.Fprintf(e.stderr, "fedgate lockout list: showing the first %d accounts; raise --limit for the rest\n", len(acts))
	}
	return 0
}

// printActivity writes one account's activity as aligned text.
func (e *lockoutEnv) printActivity(name string, act lockout.Activity) error {
	l := e.cfg.ExtranetLockout
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	row := func(label, value string) { fmt.Fprintf(tw, "%s\t%s\n", label, value) }
	row("account", cell(name))
	row("key", cell(act.Key))
	row("mode", fmt.Sprintf("%s (observation window %s)", l.Mode, l.ObservationWindow))
	locked := "no"
	if act.Locked() {
		var parts []string
		for _, c := range []struct {
			loc string
			s   lockout.CounterStatus
		}{{"unfamiliar IPs", act.Unfamiliar}, {"familiar IPs", act.Familiar}} {
			if c.s.Locked {
				parts = append(parts, c.loc+" until "+stamp(c.s.RetryAt))
			}
		}
		locked = "yes: " + strings.Join(parts, "; ")
		if l.Mode != config.LockoutEnforce {
			locked += fmt.Sprintf(" (mode %s: not refused)", l.Mode)
		}
	}
	row("locked", locked)
	row("unfamiliar IPs", counterText(act.Unfamiliar))
	row("familiar IPs", counterText(act.Familiar))
	last, loc := act.LastFailure()
	if last.IsZero() {
		row("last bad password", "-")
	} else {
		row("last bad password", fmt.Sprintf("%s (%s IP)", stamp(last), loc))
	}
	ips := "-"
	if len(act.FamiliarIPs) > 0 {
		ips = strings.Join(act.FamiliarIPs, " ") + " (least recent first)"
	}
	row("familiar IP list", ips)
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// printActivityTable writes accounts as a table.
func printActivityTable(w io.Writer, names map[string]string, acts []lockout.Activity) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(acts) == 0 {
		fmt.Fprintln(tw, "no matching accounts")
	} else {
		fmt.Fprintln(tw, "ACCOUNT\tUNFAMILIAR\tFAMILIAR\tLAST_BAD_PASSWORD\tFAMILIAR_IPS")
	}
	for _, act := range acts {
		name := names[act.Key]
		if name == "" {
			name = act.Key
		}
		last, loc := act.LastFailure()
		lastText := "-"
		if !last.IsZero() {
			lastText = fmt.Sprintf("%s (%s)", stamp(last), loc)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", cell(name), counterCell(act.Unfamiliar), counterCell(act.Familiar), lastText, len(act.FamiliarIPs))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func counterText(c lockout.CounterStatus) string {
	s := fmt.Sprintf("%d of %d bad passwords", c.BadPasswords, c.Threshold)
	if !c.LastFailure.IsZero() {
		s += ", last " + stamp(c.LastFailure)
	}
	if c.Locked {
		s += ", locked until " + stamp(c.RetryAt)
	}
	return s
}

func counterCell(c lockout.CounterStatus) string {
	s := fmt.Sprintf("%d/%d", c.BadPasswords, c.Threshold)
	if c.Locked {
		s += " locked until " + stamp(c.RetryAt)
	}
	return s
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// lockoutJSON is one account in --json output.
type lockoutJSON struct {
	Account             string      `json:"account,omitempty"`
	Key                 string      `json:"key"`
	Mode                string      `json:"mode"`
	Locked              bool        `json:"locked"`
	LastFailure         string      `json:"last_failure,omitempty"`
	LastFailureLocation string      `json:"last_failure_location,omitempty"`
	Unfamiliar          counterJSON `json:"unfamiliar"`
	Familiar            counterJSON `json:"familiar"`
	FamiliarIPs         []string    `json:"familiar_ips"`
}

type counterJSON struct {
	BadPasswords int    `json:"bad_passwords"`
	Threshold    int    `json:"threshold"`
	LastFailure  string `json:"last_failure,omitempty"`
	Locked       bool   `json:"locked"`
	RetryAt      string `json:"retry_at,omitempty"`
}

func (e *lockoutEnv) activityJSON(name string, act lockout.Activity) lockoutJSON {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	counter := func(c lockout.CounterStatus) counterJSON {
		return counterJSON{BadPasswords: c.BadPasswords, Threshold: c.Threshold, LastFailure: ts(c.LastFailure), Locked: c.Locked, RetryAt: ts(c.RetryAt)}
	}
	j := lockoutJSON{
		Account: name, Key: act.Key, Mode: e.cfg.ExtranetLockout.Mode, Locked: act.Locked(),
		Unfamiliar: counter(act.Unfamiliar), Familiar: counter(act.Familiar), FamiliarIPs: act.FamiliarIPs,
	}
	if j.FamiliarIPs == nil {
		j.FamiliarIPs = []string{}
	}
	if last, loc := act.LastFailure(); !last.IsZero() {
		j.LastFailure, j.LastFailureLocation = ts(last), string(loc)
	}
	return j
}
