package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/idp/store"
)

// Limits of `fedgate audit`.
const (
	auditDefaultLimit = 1000
	auditPageSize     = 1000
	maxSinceText      = 64
	maxFilterText     = store.MaxAuditLen
)

// auditUsage is printed by `fedgate audit -h` before the flags.
const auditUsage = `Usage: fedgate audit [--config FILE] [--since 1h|2026-11-25T10:00:00Z] [--user NAME] [--result RESULT] [--limit N] [--json]

Lists sign-in audit events (time, user, client IP, relying party, result,
reason, activity ID) from the store named by the configuration, oldest
first. Results include success, success_sso, failure, error,
lockout_log_only, mfa_enrolled and signed_out; refused extranet lockout
attempts are failures with reason extranet_lockout_unfamiliar or
extranet_lockout_familiar.

`

// auditArgs are the parsed flags of `fedgate audit`.
type auditArgs struct {
	configPath string
	since      time.Time
	user       string // matched case-insensitively; "" = any
	result     string // matched exactly; "" = any
	limit      int
	json       bool
}

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return auditCommand(ctx, args, stdout, stderr, time.Now)
}

// auditCommand is runAudit with the clock that --since durations count
// back from.
func auditCommand(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) int {
	a, ok := parseAuditArgs(args, stderr, now())
	if !ok {
		return 2
	}
	cfg, ok := readConfig("audit", a.configPath, stderr)
	if !ok {
		return 2
	}
	st, _, code := openAdminStore(ctx, "audit", cfg, stderr, now)
	if st == nil {
		return code
	}
	defer st.Close()
	out := newAuditPrinter(stdout, a.json)
	shown, more, err := listAudit(ctx, st, a, out.print)
	if ferr := out.flush(); err == nil {
		err = ferr
	}
	if err != nil {
		fmt.Fprintln(stderr, "fedgate audit:", err)
		return 1
	}
	if more {
		fmt.Fprintf(stderr, "fedgate audit: showing the first %d matching events; raise --limit or use a later --since for the rest\n", shown)
	}
	return 0
}

func parseAuditArgs(args []string, stderr io.Writer, now time.Time) (auditArgs, bool) {
	var a auditArgs
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, auditUsage)
		fs.PrintDefaults()
	}
	configFlag(fs, &a.configPath)
	since := fs.String("since", "24h", "list events from this long ago (90s, 5m, 8h, 1d) or from this RFC 3339 `time`")
	fs.StringVar(&a.user, "user", "", "only events of this user `name`, as typed or resolved (case-insensitive)")
	fs.StringVar(&a.result, "result", "", "only events with this `result`, such as failure")
	fs.IntVar(&a.limit, "limit", auditDefaultLimit, fmt.Sprintf("print at most `N` events (1 to %d)", store.MaxAuditList))
	fs.BoolVar(&a.json, "json", false, "print one JSON object per line instead of a table")
	if err := fs.Parse(args); err != nil {
		return a, false
	}
	fail := func(format string, v ...any) (auditArgs, bool) {
		fmt.Fprintf(stderr, "fedgate audit: "+format+"\n", v...)
		return a, false
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q; see fedgate audit -h", fs.Arg(0))
	}
	var err error
	if a.since, err = parseSince(*since, now); err != nil {
		return fail("--since: %v", err)
	}
	if a.limit < 1 || a.limit > store.MaxAuditList {
		return fail("--limit %d is out of range; use 1 to %d", a.limit, store.MaxAuditList)
	}
	if len(a.user) > maxFilterText || len(a.result) > maxFilterText {
		return fail("--user and --result take at most %d bytes", maxFilterText)
	}
	return a, true
}

// parseSince reads --since: a duration counted back from now ("1h", "1d",
// "1d12h") or an RFC 3339 instant.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" || len(s) > maxSinceText {
		return time.Time{}, fmt.Errorf("want a duration such as 1h or 1d, or an RFC 3339 time such as 2026-11-25T10:00:00Z (at most %d characters)", maxSinceText)
	}
	if d, err := config.ParseDuration(s); err == nil {
		return now.Add(-d.Std()).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a duration (1h, 1d) nor an RFC 3339 time (2026-11-25T10:00:00Z)", s)
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return time.Time{}, fmt.Errorf("%q: year %d is outside 1..9999", s, y)
	}
	return t.UTC(), nil
}

// listAudit pages through the events since a.since, oldest first, and
// passes those that match a's filters to emit, at most a.limit of them.
// more reports that matching events were left out.
func listAudit(ctx context.Context, st store.Auditor, a auditArgs, emit func(store.AuditEvent) error) (shown int, more bool, err error) {
	// ListAudit is inclusive and ordered by (time, insertion), so the next
	// page starts at the last time seen, skipping the events at that time
	// that were already read.
	cursor, seenAtCursor := a.since, 0
	for {
		want := seenAtCursor + auditPageSize
		if want > store.MaxAuditList {
			if seenAtCursor >= store.MaxAuditList {
				return shown, false, fmt.Errorf("more than %d events share the time %s; cannot page past them", store.MaxAuditList, cursor.Format(time.RFC3339Nano))
			}
			want = store.MaxAuditList
		}
		page, err := st.ListAudit(ctx, cursor, want)
		if err != nil {
			return shown, false, fmt.Errorf("list audit events: %w", err)
		}
		fresh := page[min(seenAtCursor, len(page)):]
		for _, e := range fresh {
			if !a.matches(e) {
				continue
			}
			if shown == a.limit {
				return shown, true, nil
			}
			if err := emit(e); err != nil {
				return shown, false, err
			}
			shown++
		}
		if len(page) < want {
			return shown, false, nil
		}
		// The page began at cursor, so its events at the new cursor time
		// are all the ones at that time read so far.
		cursor, seenAtCursor = page[len(page)-1].Time, 0
		for _, e := range page {
			if e.Time.Equal(cursor) {
				seenAtCursor++
			}
		}
	}
}

func (a auditArgs) matches(e store.AuditEvent) bool {
	return (a.user == "" || strings.EqualFold(e.User, a.user)) && (a.result == "" || e.Result == a.result)
}

// auditPrinter writes events as an aligned table or as JSON lines.
type auditPrinter struct {
	json  *json.Encoder
	table *tabwriter.Writer
	rows  int
}

func newAuditPrinter(w io.Writer, asJSON bool) *auditPrinter {
	if asJSON {
		return &auditPrinter{json: json.NewEncoder(w)}
	}
	return &auditPrinter{table: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

// auditJSON is one event in --json output.
type auditJSON struct {
	Time         string `json:"time"`
	User         string `json:"user"`
	ClientIP     string `json:"client_ip"`
	RelyingParty string `json:"relying_party"`
	Protocol     string `json:"protocol"`
	Result       string `json:"result"`
	Reason       string `json:"reason"`
	ActivityID   string `json:"activity_id"`
}

func (p *auditPrinter) print(e store.AuditEvent) error {
	if p.json != nil {
		// encoding/json escapes control characters, so attacker-typed
		// user names cannot inject terminal escapes here either.
		return p.json.Encode(auditJSON{
			Time: e.Time.UTC().Format(time.RFC3339Nano), User: e.User, ClientIP: e.ClientIP,
			RelyingParty: e.RelyingParty, Protocol: e.Protocol, Result: e.Result, Reason: e.Reason, ActivityID: e.ActivityID,
		})
	}
	if p.rows == 0 {
		if _, err := fmt.Fprintln(p.table, "TIME\tUSER\tCLIENT_IP\tRP\tRESULT\tREASON\tACTIVITY_ID"); err != nil {
			return err
		}
	}
	p.rows++
	_, err := fmt.Fprintln(p.table, strings.Join([]string{
		e.Time.UTC().Format("2006-01-02T15:04:05.000Z"), cell(e.User), cell(e.ClientIP), cell(e.RelyingParty),
		cell(e.Result), cell(e.Reason), cell(e.ActivityID),
	}, "\t"))
	return err
}

func (p *auditPrinter) flush() error {
	if p.table == nil {
		return nil
	}
	if p.rows == 0 {
		if _, err := fmt.Fprintln(p.table, "no matching audit events"); err != nil {
			return err
		}
	}
	if err := p.table.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// cell makes a stored string safe for a terminal table: user names and
// reasons may have been typed by an attacker, so every non-printable rune
// (control characters, escapes, tabs, bidirectional overrides) is shown
// as a \u escape instead of being written raw. Empty values show as "-".
func cell(s string) string {
	if s == "" {
		return "-"
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case r == ' ' || (unicode.IsPrint(r) && !unicode.Is(unicode.Bidi_Control, r)):
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}
