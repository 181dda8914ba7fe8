package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/store"
)

// auditConfig writes a valid configuration whose store is a SQLite file in
// a temporary directory, records events in that store and returns the
// configuration's path.
func auditConfig(t *testing.T, events ...store.AuditEvent) string {
	t.Helper()
	c := newTestConfig(t, placeholderDirectory, "")
	st := c.openStore(t)
	for _, e := range events {
		if err := st.RecordAudit(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	return c.config
}

func event(at time.Time, user, result, reason, activity string) store.AuditEvent {
	return store.AuditEvent{
		Time: at, User: user, ClientIP: "198.51.100.7", RelyingParty: "urn:federation:MicrosoftOnline",
		Protocol: "wsfed", Result: result, Reason: reason, ActivityID: activity,
	}
}

// day is a fixed instant, far from the wall clock, for absolute --since.
var day = time.Date(2030, 1, 1, 10, 0, 0, 0, time.UTC)

func fixtureEvents() []store.AuditEvent {
	return []store.AuditEvent{
		event(day.Add(-time.Hour), "alice@contoso.com", "failure", "bad_password", "act-old"),
		event(day, "alice@contoso.com", "failure", "bad_password", "act-1"),
		event(day.Add(time.Minute), `CONTOSO\alice`, "failure", "extranet_lockout_unfamiliar", "act-2"),
		event(day.Add(2*time.Minute), "ALICE@contoso.com", "success", "", "act-3"),
		event(day.Add(3*time.Minute), "bob@contoso.com", "failure", "bad_password", "act-4"),
	}
}

// activityColumn returns the last column of each table row.
func activityColumn(out string) []string {
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		f := strings.Fields(line)
		ids = append(ids, f[len(f)-1])
	}
	return ids
}

func TestAudit_ListsAndFilters(t *testing.T) {
	path := auditConfig(t, fixtureEvents()...)
	since := day.Format(time.RFC3339)
	tests := []struct {
		name string
		args []string
		want []string // activity IDs, in order
		more bool     // the "showing the first" notice
	}{
		{"since is inclusive", []string{"--since", since}, []string{"act-1", "act-2", "act-3", "act-4"}, false},
		{"user is case-insensitive and exact", []string{"--since", since, "--user", "ALICE@CONTOSO.COM"}, []string{"act-1", "act-3"}, false},
		{"result", []string{"--since", since, "--result", "failure"}, []string{"act-1", "act-2", "act-4"}, false},
		{"user and result", []string{"--since", since, "--user", "bob@contoso.com", "--result", "success"}, nil, false},
		{"limit", []string{"--since", since, "--limit", "2"}, []string{"act-1", "act-2"}, true},
		{"limit exactly met", []string{"--since", since, "--result", "success", "--limit", "1"}, []string{"act-3"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"audit", "--config", path}, tt.args...)
			if code := run(t.Context(), args, &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if tt.want == nil {
				if len(lines) != 1 || lines[0] != "no matching audit events" {
					t.Fatalf("output %q, want the empty notice", out.String())
				}
				return
			}
			if !strings.HasPrefix(lines[0], "TIME") || !strings.Contains(lines[0], "CLIENT_IP") || !strings.HasSuffix(lines[0], "ACTIVITY_ID") {
				t.Fatalf("header %q", lines[0])
			}
			if got := activityColumn(out.String()); !slices.Equal(got, tt.want) {
				t.Fatalf("activity IDs %q, want %q\n%s", got, tt.want, out.String())
			}
			if more := strings.Contains(errOut.String(), "showing the first"); more != tt.more {
				t.Fatalf("truncation notice = %v, want %v: %q", more, tt.more, errOut.String())
			}
		})
	}
}

func TestAudit_TableRow(t *testing.T) {
	path := auditConfig(t, event(day, "alice@contoso.com", "success", "", "act-1"))
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"audit", "--config", path, "--since", "2029-12-31T00:00:00+01:00"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{"2030-01-01T10:00:00.000Z", "alice@contoso.com", "198.51.100.7", "urn:federation:MicrosoftOnline", "success", "-", "act-1"}
	if got := strings.Fields(lines[1]); !slices.Equal(got, want) {
		t.Fatalf("row %q, want %q", got, want)
	}
}

func TestAudit_JSONLines(t *testing.T) {
	path := auditConfig(t, fixtureEvents()...)
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"audit", "--config", path, "--since", day.Format(time.RFC3339), "--json", "--user", "bob@contoso.com"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var got map[string]string
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out.String())
	}
	want := map[string]string{
		"time": "2030-01-01T10:03:00Z", "user": "bob@contoso.com", "client_ip": "198.51.100.7",
		"relying_party": "urn:federation:MicrosoftOnline", "protocol": "wsfed", "result": "failure",
		"reason": "bad_password", "activity_id": "act-4",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

// TestAudit_SinceDuration counts back from the wall clock; the events are
// hours apart, so the test does not depend on how fast it runs.
func TestAudit_SinceDuration(t *testing.T) {
	now := time.Now()
	path := auditConfig(t,
		event(now.Add(-3*time.Hour), "alice@contoso.com", "failure", "bad_password", "act-old"),
		event(now.Add(-10*time.Minute), "alice@contoso.com", "failure", "bad_password", "act-new"),
	)
	for since, want := range map[string][]string{"1h": {"act-new"}, "1d": {"act-old", "act-new"}} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), []string{"audit", "--config", path, "--since", since}, &out, &errOut); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		if got := activityColumn(out.String()); !slices.Equal(got, want) {
			t.Errorf("--since %s: %q, want %q", since, got, want)
		}
	}
}

func TestAudit_AttackerTypedNamesCannotReachTheTerminal(t *testing.T) {
	evil := "alice\x1b]0;pwned\x07\r\n\tx\u202etxt.exe"
	path := auditConfig(t, event(day, evil, "failure", "no_such_user", "act-1"))
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"audit", "--config", path, "--since", day.Format(time.RFC3339)}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, bad := range []string{"\x1b", "\x07", "\r", "\u202e", "\tx"} {
		if strings.Contains(out.String(), bad) {
			t.Errorf("table output contains raw %q: %q", bad, out.String())
		}
	}
	if !strings.Contains(out.String(), `alice\u001b]0;pwned\u0007\u000d\u000a\u0009x\u202etxt.exe`) {
		t.Errorf("user not shown escaped: %q", out.String())
	}
	if n := strings.Count(strings.TrimSpace(out.String()), "\n"); n != 1 {
		t.Errorf("one event printed on %d lines", n+1)
	}
}

func TestAudit_UsageAndConfigErrors(t *testing.T) {
	path := auditConfig(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"bad since", []string{"--config", path, "--since", "yesterday"}, 2, `"yesterday" is neither a duration`},
		{"negative since", []string{"--config", path, "--since", "-1h"}, 2, "--since"},
		{"limit zero", []string{"--config", path, "--limit", "0"}, 2, "--limit 0 is out of range; use 1 to 10000"},
		{"limit too big", []string{"--config", path, "--limit", "10001"}, 2, "out of range"},
		{"stray argument", []string{"--config", path, "alice"}, 2, `unexpected argument "alice"`},
		{"unknown flag", []string{"--config", path, "--follow"}, 2, "flag provided but not defined"},
		{"missing config", []string{"--config", filepath.Join(t.TempDir(), "none.yaml")}, 2, "none.yaml"},
		{"help", []string{"-h"}, 2, "Lists sign-in audit events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(t.Context(), append([]string{"audit"}, tt.args...), &out, &errOut); code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.want) {
				t.Fatalf("stderr lacks %q: %s", tt.want, errOut.String())
			}
		})
	}
}

func TestAudit_StoreErrorExitsOne(t *testing.T) {
	path := auditConfig(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A directory where the database file should be.
	dbDir := filepath.Join(t.TempDir(), "db-is-a-dir")
	if err := os.Mkdir(dbDir, 0o700); err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), "path: "+filepath.Join(filepath.Dir(path), "fedgate.db"), "path: "+dbDir, 1)
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"audit", "--config", path}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut.String())
	}
}

// memAuditor answers ListAudit from a slice, with the store's semantics:
// since inclusive, ordered by (time, insertion), at most limit events.
type memAuditor struct {
	events []store.AuditEvent // sorted by time, stable
	calls  int
}

func (m *memAuditor) RecordAudit(context.Context, store.AuditEvent) error { return nil }

func (m *memAuditor) ListAudit(_ context.Context, since time.Time, limit int) ([]store.AuditEvent, error) {
	m.calls++
	if limit < 1 || limit > store.MaxAuditList {
		return nil, fmt.Errorf("limit %d: %w", limit, store.ErrInvalid)
	}
	var out []store.AuditEvent
	for _, e := range m.events {
		if !e.Time.Before(since) && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func TestListAudit_PagesWithoutLosingOrRepeatingEvents(t *testing.T) {
	tests := []struct {
		name     string
		n, group int // events, and how many share each timestamp
	}{
		{"distinct times", 2500, 1},
		{"groups straddle page ends", 2500, 7},
		{"one page of one time, then more", 1500, 1200},
		{"exactly one page", auditPageSize, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &memAuditor{}
			for i := range tt.n {
				m.events = append(m.events, event(day.Add(time.Duration(i/tt.group)*time.Second), "u", "failure", "r", fmt.Sprint(i)))
			}
			var got []string
			shown, more, err := listAudit(t.Context(), m, auditArgs{since: day, limit: store.MaxAuditList}, func(e store.AuditEvent) error {
				got = append(got, e.ActivityID)
				return nil
			})
			if err != nil || more || shown != tt.n {
				t.Fatalf("listAudit = %d, %v, %v; want %d events", shown, more, err, tt.n)
			}
			for i, id := range got {
				if id != fmt.Sprint(i) {
					t.Fatalf("event %d is %s: lost or repeated events (after %d calls)", i, id, m.calls)
				}
			}
		})
	}
}

func TestListAudit_TooManyEventsAtOneInstantIsAnError(t *testing.T) {
	m := &memAuditor{}
	for i := range store.MaxAuditList + 1 {
		m.events = append(m.events, event(day, "u", "failure", "r", fmt.Sprint(i)))
	}
	_, _, err := listAudit(t.Context(), m, auditArgs{since: day, limit: store.MaxAuditList, result: "nothing matches"},
		func(store.AuditEvent) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "share the time") {
		t.Fatalf("err = %v, want the paging limit", err)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"1h", time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC), true},
		{"1d12h", time.Date(2030, 5, 30, 22, 0, 0, 0, time.UTC), true},
		{"0", time.Date(2030, 6, 1, 10, 0, 0, 0, time.UTC), true},
		{"2030-05-01T00:00:00Z", time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC), true},
		{"2030-05-01T02:00:00+02:00", time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC), true},
		{"", time.Time{}, false},
		{"-1h", time.Time{}, false},
		{"1", time.Time{}, false},
		{"2030-05-01", time.Time{}, false},
		{strings.Repeat("1", maxSinceText+1) + "s", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSince(tt.in, now)
			if (err == nil) != tt.ok || !got.Equal(tt.want) {
				t.Fatalf("parseSince(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
			if err == nil && got.Location() != time.UTC {
				t.Errorf("location %v, want UTC", got.Location())
			}
		})
	}
}

// FuzzParseSince checks that --since never panics and that what it
// accepts is a storable UTC instant.
func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"1h", "90s", "1d12h", "0", "2030-05-01T00:00:00Z", "2030-05-01T02:00:00.123456789+02:00", "-1h", "9999d", "0000-01-01T00:00:00Z"} {
		f.Add(s)
	}
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseSince(s, now)
		if err != nil {
			return
		}
		if got.Location() != time.UTC || got.Year() < 1 || got.Year() > 9999 {
			t.Fatalf("parseSince(%q) = %v", s, got)
		}
	})
}

func FuzzCell(f *testing.F) {
	for _, s := range []string{"", "alice@contoso.com", "a\x1b[31mb", "\u202e", "a\tb\nc", "\xff", "zoë"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := cell(s)
		for _, r := range c {
			if r != ' ' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' || r == '\t') {
				t.Fatalf("cell(%q) = %q contains %U", s, c, r)
			}
		}
	})
}
