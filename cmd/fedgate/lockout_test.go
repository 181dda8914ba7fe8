package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

// Account keys (base64 objectGUID) of ldaptest.Contoso().
const (
	aliceKey = "RW+aKiwLHUqeP11se4qfAQ=="
	bobKey   = "JLX2E74/mk2m9Jf30wGM3Q=="
	// goneKey is a well-formed key of an account the directory does not have.
	goneKey = "AAAAAAAAAAAAAAAAAAAAAA=="
)

// lockoutNow is the clock of every lockout command test.
var lockoutNow = time.Date(2030, 5, 6, 7, 0, 0, 0, time.UTC)

// lockoutFixture is a configuration whose directory is an in-process
// ldaptest directory and whose store is a SQLite file, with thresholds
// 4 (unfamiliar) and 3 (familiar) and a 30m observation window.
type lockoutFixture struct {
	testConfig
	ad *ldaptest.Directory
}

func newLockoutFixture(t *testing.T) *lockoutFixture {
	t.Helper()
	d := ldaptest.NewT(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, d.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	directory := fmt.Sprintf(`  urls: [%s]
  ca_file: %s
  bind_dn: %s
  bind_password: %s
  base_dn: %s
`, d.URL(), ca, yamlQuote(d.BindDN()), yamlQuote(d.BindPassword()), yamlQuote(d.BaseDN()))
	const policy = `extranet_lockout:
  threshold: 4
  familiar_threshold: 3
  observation_window: 30m
`
	return &lockoutFixture{testConfig: newTestConfig(t, directory, policy), ad: d}
}

func yamlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// seed stores states by key.
func (f *lockoutFixture) seed(t *testing.T, states map[string]lockout.State) {
	t.Helper()
	st := f.openStore(t)
	for k, s := range states {
		if _, err := st.UpdateLockout(t.Context(), k, func(lockout.State) (lockout.State, error) { return s, nil }); err != nil {
			t.Fatal(err)
		}
	}
}

// run runs `fedgate lockout args…` at lockoutNow against the fixture.
func (f *lockoutFixture) run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args[:1:1], append([]string{"--config", f.config}, args[1:]...)...)
	code = lockoutCommand(t.Context(), args, &out, &errOut, func() time.Time { return lockoutNow })
	return code, out.String(), errOut.String()
}

// aliceLocked: four unfamiliar bad passwords, the last 5 minutes ago, one
// familiar one an hour ago, two familiar IPs.
func aliceLocked() lockout.State {
	return lockout.State{
		Unfamiliar:  lockout.Counter{Count: 4, Last: lockoutNow.Add(-5 * time.Minute)},
		Familiar:    lockout.Counter{Count: 1, Last: lockoutNow.Add(-time.Hour)},
		FamiliarIPs: []string{"10.0.0.5", "2001:db8::1"},
	}
}

func TestLockout_ShowByUserAndByKey(t *testing.T) {
	f := newLockoutFixture(t)
	f.seed(t, map[string]lockout.State{aliceKey: aliceLocked()})
	for _, sel := range [][]string{{"--user", "alice@contoso.com"}, {"--user", `CONTOSO\alice`}, {"--user", "ALICE"}, {"--key", aliceKey}} {
		t.Run(strings.Join(sel, " "), func(t *testing.T) {
			code, out, errOut := f.run(t, append([]string{"show"}, sel...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, want := range []string{
				"account            alice@contoso.com",
				"key                " + aliceKey,
				"mode               enforce (observation window 30m)",
				"locked             yes: unfamiliar IPs until 2030-05-06T07:25:00Z",
				"unfamiliar IPs     4 of 4 bad passwords, last 2030-05-06T06:55:00Z, locked until 2030-05-06T07:25:00Z",
				"familiar IPs       1 of 3 bad passwords, last 2030-05-06T06:00:00Z\n",
				"last bad password  2030-05-06T06:55:00Z (unfamiliar IP)",
				"familiar IP list   10.0.0.5 2001:db8::1 (least recent first)",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestLockout_ShowJSON(t *testing.T) {
	f := newLockoutFixture(t)
	f.seed(t, map[string]lockout.State{aliceKey: aliceLocked()})
	code, out, errOut := f.run(t, "show", "--user", "alice", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got lockoutJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := lockoutJSON{
		Account: "alice@contoso.com", Key: aliceKey, Mode: "enforce", Locked: true,
		LastFailure: "2030-05-06T06:55:00Z", LastFailureLocation: "unfamiliar",
		Unfamiliar:  counterJSON{BadPasswords: 4, Threshold: 4, LastFailure: "2030-05-06T06:55:00Z", Locked: true, RetryAt: "2030-05-06T07:25:00Z"},
		Familiar:    counterJSON{BadPasswords: 1, Threshold: 3, LastFailure: "2030-05-06T06:00:00Z"},
		FamiliarIPs: []string{"10.0.0.5", "2001:db8::1"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("JSON = %+v\nwant   %+v", got, want)
	}

	// An account with nothing stored shows zero counters.
	code, out, _ = f.run(t, "show", "--user", "bob", "--json")
	if code != 0 || !strings.Contains(out, `"locked":false`) || !strings.Contains(out, `"familiar_ips":[]`) || strings.Contains(out, "last_failure") {
		t.Fatalf("bob: exit %d: %s", code, out)
	}
}

func TestLockout_ResetClearsTheLocationAndAudits(t *testing.T) {
	tests := []struct {
		args                     []string
		wantUnfamiliar, wantFam  int
		wantReason, wantLocation string
	}{
		{[]string{"--location", "unfamiliar"}, 0, 1, "location=unfamiliar", "(unfamiliar)"},
		{[]string{"--location", "Familiar"}, 4, 0, "location=familiar", "(familiar)"},
		{nil, 0, 0, "location=all", "(all)"},
	}
	for _, tt := range tests {
		t.Run(tt.wantReason, func(t *testing.T) {
			f := newLockoutFixture(t)
			f.seed(t, map[string]lockout.State{aliceKey: aliceLocked()})
			code, out, errOut := f.run(t, append([]string{"reset", "--user", "alice@contoso.com"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if !strings.Contains(out, "extranet lockout of alice@contoso.com reset "+tt.wantLocation) || !strings.Contains(out, "2 familiar IP(s) kept") {
				t.Errorf("output: %s", out)
			}
			st := f.openStore(t)
			got, _, err := st.GetLockout(t.Context(), aliceKey)
			if err != nil {
				t.Fatal(err)
			}
			if got.Unfamiliar.Count != tt.wantUnfamiliar || got.Familiar.Count != tt.wantFam || !slices.Equal(got.FamiliarIPs, aliceLocked().FamiliarIPs) {
				t.Fatalf("stored %+v", got)
			}
			events, err := st.ListAudit(t.Context(), time.Time{}, 10)
			if err != nil {
				t.Fatal(err)
			}
			want := store.AuditEvent{Time: lockoutNow, User: "alice@contoso.com", Protocol: "admin", Result: "lockout_reset", Reason: tt.wantReason + " operator=" + adminOperator()}
			if len(events) != 1 || events[0] != want {
				t.Fatalf("audit events %+v, want [%+v]", events, want)
			}
		})
	}
}

func TestLockout_ResetByKeyOfAGoneAccount(t *testing.T) {
	f := newLockoutFixture(t)
	f.seed(t, map[string]lockout.State{goneKey: aliceLocked()})
	code, out, errOut := f.run(t, "reset", "--key", goneKey)
	if code != 0 || !strings.Contains(out, "extranet lockout of "+goneKey+" reset (all)") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	events, err := f.openStore(t).ListAudit(t.Context(), time.Time{}, 10)
	if err != nil || len(events) != 1 || events[0].User != goneKey {
		t.Fatalf("audit = %+v, %v", events, err)
	}
}

func TestLockout_List(t *testing.T) {
	f := newLockoutFixture(t)
	f.seed(t, map[string]lockout.State{
		aliceKey:     aliceLocked(),
		bobKey:       {Unfamiliar: lockout.Counter{Count: 1, Last: lockoutNow.Add(-time.Minute)}},
		goneKey:      {Familiar: lockout.Counter{Count: 3, Last: lockoutNow.Add(-10 * time.Minute)}},
		"not-a-guid": {FamiliarIPs: []string{"192.0.2.1"}},
	})
	code, out, errOut := f.run(t, "list")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	wantRows := [][]string{
		{"ACCOUNT", "UNFAMILIAR", "FAMILIAR", "LAST_BAD_PASSWORD", "FAMILIAR_IPS"},
		{"bob@contoso.com", "1/4", "0/3", "2030-05-06T06:59:00Z", "(unfamiliar)", "0"},
		{"alice@contoso.com", "4/4", "locked", "until", "2030-05-06T07:25:00Z", "1/3", "2030-05-06T06:55:00Z", "(unfamiliar)", "2"},
		{goneKey, "0/4", "3/3", "locked", "until", "2030-05-06T07:20:00Z", "2030-05-06T06:50:00Z", "(familiar)", "0"},
		{"not-a-guid", "0/4", "0/3", "-", "1"},
	}
	if len(lines) != len(wantRows) {
		t.Fatalf("list:\n%s", out)
	}
	for i, want := range wantRows {
		if got := strings.Fields(lines[i]); !slices.Equal(got, want) {
			t.Errorf("row %d = %q, want %q", i, got, want)
		}
	}

	code, out, _ = f.run(t, "list", "--locked", "--json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var accounts []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var j lockoutJSON
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		accounts = append(accounts, j.Account+"|"+j.Key)
	}
	if want := []string{"alice@contoso.com|" + aliceKey, "|" + goneKey}; !slices.Equal(accounts, want) {
		t.Fatalf("--locked --json accounts = %q, want %q", accounts, want)
	}

	code, out, errOut = f.run(t, "list", "--limit", "1")
	if code != 0 || strings.Count(strings.TrimSpace(out), "\n") != 1 || !strings.Contains(errOut, "showing the first 1 accounts; raise --limit") {
		t.Fatalf("--limit 1: exit %d: %s%s", code, out, errOut)
	}
}

func TestLockout_EmptyList(t *testing.T) {
	f := newLockoutFixture(t)
	code, out, _ := f.run(t, "list", "--locked")
	if code != 0 || strings.TrimSpace(out) != "no matching accounts" {
		t.Fatalf("exit %d: %q", code, out)
	}
}

func TestLockout_DirectoryDown(t *testing.T) {
	f := newLockoutFixture(t)
	f.seed(t, map[string]lockout.State{aliceKey: aliceLocked()})
	if err := f.ad.Close(); err != nil {
		t.Fatal(err)
	}
	// --user needs the directory: refuse rather than guess a key.
	code, _, errOut := f.run(t, "reset", "--user", "alice")
	if code != 1 || !strings.Contains(errOut, "resolve alice in the directory") {
		t.Fatalf("reset --user: exit %d: %s", code, errOut)
	}
	// --key and list work from the store alone and say why names are missing.
	code, out, errOut := f.run(t, "show", "--key", aliceKey)
	if code != 0 || !strings.Contains(out, "4 of 4 bad passwords") || !strings.Contains(errOut, "could not resolve account names") {
		t.Fatalf("show --key: exit %d: %s%s", code, out, errOut)
	}
	code, out, errOut = f.run(t, "list")
	if code != 0 || !strings.Contains(out, aliceKey) || !strings.Contains(errOut, "showing account keys") {
		t.Fatalf("list: exit %d: %s%s", code, out, errOut)
	}
	if events, _ := f.openStore(t).ListAudit(t.Context(), time.Time{}, 10); len(events) != 0 {
		t.Fatalf("audit events after a refused reset: %+v", events)
	}
}

func TestLockout_UnknownUserExitsOne(t *testing.T) {
	f := newLockoutFixture(t)
	code, _, errOut := f.run(t, "show", "--user", "nobody@contoso.com")
	if code != 1 || !strings.Contains(errOut, "no single directory account matches nobody@contoso.com") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestLockout_UsageErrors(t *testing.T) {
	f := newLockoutFixture(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no verb", nil, "Usage:"},
		{"unknown verb", []string{"unlock"}, "Usage:"},
		{"show without account", []string{"show", "--config", f.config}, "give exactly one of --user NAME or --key KEY"},
		{"both user and key", []string{"show", "--config", f.config, "--user", "alice", "--key", aliceKey}, "give exactly one"},
		{"bad location", []string{"reset", "--config", f.config, "--user", "alice", "--location", "both"}, `location "both" is not supported; use familiar, unfamiliar or all`},
		{"location on show", []string{"show", "--config", f.config, "--user", "alice", "--location", "all"}, "flag provided but not defined: -location"},
		{"limit out of range", []string{"list", "--config", f.config, "--limit", "0"}, "--limit 0 is out of range; use 1 to 10000"},
		{"extra argument", []string{"list", "--config", f.config, "alice"}, `unexpected argument "alice"`},
		{"control characters are escaped", []string{"list", "--config", f.config, "\x1b[31m"}, `unexpected argument "\x1b[31m"`},
		{"huge user", []string{"show", "--config", f.config, "--user", strings.Repeat("a", 2000)}, "--user takes at most 1024 bytes"},
		{"missing config", []string{"list", "--config", filepath.Join(t.TempDir(), "none.yaml")}, "none.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(t.Context(), append([]string{"lockout"}, tt.args...), &out, &errOut); code != 2 {
				t.Fatalf("exit %d, want 2: %s", code, errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.want) {
				t.Fatalf("stderr lacks %q: %s", tt.want, errOut.String())
			}
		})
	}
}
