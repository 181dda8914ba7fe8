package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/cmd/internal/app"
	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

// baseline is the Microsoft security baseline's AD policy.
var baseline = ldapauth.DomainLockoutPolicy{Threshold: 10, ObservationWindow: 15 * time.Minute, Duration: 15 * time.Minute}

// lockoutConfig is config.Default()'s extranet_lockout changed by mutate.
func lockoutConfig(mutate func(*config.ExtranetLockout)) config.ExtranetLockout {
	c := config.Default().ExtranetLockout
	if mutate != nil {
		mutate(&c)
	}
	return c
}

func TestCompareLockoutPolicy(t *testing.T) {
	cis := ldapauth.DomainLockoutPolicy{Threshold: 5, ObservationWindow: 15 * time.Minute}
	tests := []struct {
		name   string
		cfg    func(*config.ExtranetLockout)
		ad     ldapauth.DomainLockoutPolicy
		want   []app.Severity
		phrase []string // each must occur in the joined messages
	}{
		{"defaults fit the baseline", nil, baseline, []app.Severity{app.SeverityInfo},
			[]string{"fits AD's policy", "4 + 4", "threshold 10", "30m", "15m"}},
		{"sum reaches AD's threshold", nil, cis, []app.Severity{app.SeverityWarning},
			[]string{"4 + 4 = 8 is not below AD's account lockout threshold 5", "at most 4", "threshold: 2 and familiar_threshold: 2"}},
		{"sum equal to AD's threshold", func(c *config.ExtranetLockout) { c.Threshold, c.FamiliarThreshold = 5, 5 }, baseline,
			[]app.Severity{app.SeverityWarning}, []string{"5 + 5 = 10 is not below AD's account lockout threshold 10", "threshold: 4 and familiar_threshold: 4"}},
		{"sum one below is fine", func(c *config.ExtranetLockout) { c.Threshold, c.FamiliarThreshold = 5, 4 }, baseline,
			[]app.Severity{app.SeverityInfo}, []string{"fits"}},
		{"AD threshold too low to stay below", func(c *config.ExtranetLockout) { c.Threshold, c.FamiliarThreshold = 1, 1 },
			ldapauth.DomainLockoutPolicy{Threshold: 2, ObservationWindow: time.Minute}, []app.Severity{app.SeverityWarning},
			[]string{"1 + 1 = 2", "raise AD's threshold: extranet lockout cannot stay below it"}},
		{"window shorter than AD's", func(c *config.ExtranetLockout) { c.ObservationWindow = config.Duration(10 * time.Minute) }, baseline,
			[]app.Severity{app.SeverityWarning}, []string{"observation_window 10m is shorter than AD's", "(15m)", "at least 30m"}},
		{"window below twice AD's", func(c *config.ExtranetLockout) { c.ObservationWindow = config.Duration(20 * time.Minute) }, baseline,
			[]app.Severity{app.SeverityWarning}, []string{"observation_window 20m is less than twice AD's", "at least 30m"}},
		{"both problems", func(c *config.ExtranetLockout) { c.ObservationWindow = config.Duration(time.Hour) },
			ldapauth.DomainLockoutPolicy{Threshold: 5, ObservationWindow: 45 * time.Minute},
			[]app.Severity{app.SeverityWarning, app.SeverityWarning}, []string{"threshold 5", "observation_window 1h is less than twice", "(45m)", "at least 1h30m"}},
		{"AD never locks, enforce", nil, ldapauth.DomainLockoutPolicy{}, []app.Severity{app.SeverityInfo},
			[]string{"AD never locks accounts (lockoutThreshold 0)", "only limit"}},
		{"AD never locks, log_only", func(c *config.ExtranetLockout) { c.Mode = config.LockoutLogOnly }, ldapauth.DomainLockoutPolicy{},
			[]app.Severity{app.SeverityWarning}, []string{"log_only", "nothing limits password guessing", "set extranet_lockout.mode to enforce"}},
		{"log_only problems are informational", func(c *config.ExtranetLockout) { c.Mode = config.LockoutLogOnly }, cis,
			[]app.Severity{app.SeverityInfo}, []string{"not below AD's account lockout threshold 5", "applies once extranet_lockout.mode is enforce"}},
		{"off, AD locks", func(c *config.ExtranetLockout) { c.Mode = config.LockoutOff }, cis,
			[]app.Severity{app.SeverityInfo}, []string{"mode is off", "after 5"}},
		{"off, AD never locks", func(c *config.ExtranetLockout) { c.Mode = config.LockoutOff }, ldapauth.DomainLockoutPolicy{},
			[]app.Severity{app.SeverityWarning}, []string{"nothing limits password guessing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := app.CompareLockoutPolicy(lockoutConfig(tt.cfg), tt.ad)
			var sevs []app.Severity
			var msgs []string
			for _, f := range got {
				sevs = append(sevs, f.Severity)
				msgs = append(msgs, f.Message)
				if strings.Contains(f.Message, "\n") {
					t.Errorf("finding spans lines: %q", f.Message)
				}
			}
			if !slices.Equal(sevs, tt.want) {
				t.Fatalf("severities = %v, want %v; messages:\n%s", sevs, tt.want, strings.Join(msgs, "\n"))
			}
			all := strings.Join(msgs, "\n")
			for _, p := range tt.phrase {
				if !strings.Contains(all, p) {
					t.Errorf("messages lack %q:\n%s", p, all)
				}
			}
		})
	}
}

func TestDescribeDomainLockoutPolicy(t *testing.T) {
	tests := []struct {
		ad   ldapauth.DomainLockoutPolicy
		want string
	}{
		{baseline, "AD lockout policy: 10 bad passwords lock an account for 15m; the count resets 15m after the last bad password"},
		{ldapauth.DomainLockoutPolicy{Threshold: 5, ObservationWindow: 30 * time.Minute}, "AD lockout policy: 5 bad passwords lock an account until an administrator unlocks them; the count resets 30m after the last bad password"},
		{ldapauth.DomainLockoutPolicy{ObservationWindow: time.Minute}, "AD lockout policy: accounts never lock (lockoutThreshold 0)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := app.DescribeDomainLockoutPolicy(tt.ad); got != tt.want {
				t.Fatalf("got %q", got)
			}
		})
	}
}

type policyReader struct {
	ad          ldapauth.DomainLockoutPolicy
	err         error
	hasDeadline bool
}

func (r *policyReader) ReadDomainLockoutPolicy(ctx context.Context) (ldapauth.DomainLockoutPolicy, error) {
	_, r.hasDeadline = ctx.Deadline()
	return r.ad, r.err
}

func TestCheckLockoutPolicy(t *testing.T) {
	t.Run("compares what it read within a deadline", func(t *testing.T) {
		r := &policyReader{ad: ldapauth.DomainLockoutPolicy{Threshold: 5, ObservationWindow: 15 * time.Minute}}
		res := app.CheckLockoutPolicy(t.Context(), lockoutConfig(nil), r)
		if res.Err != nil || res.AD != r.ad || res.Warnings() != 1 || !r.hasDeadline {
			t.Fatalf("result %+v, deadline %v", res, r.hasDeadline)
		}
	})
	t.Run("read failure compares nothing", func(t *testing.T) {
		errDown := errors.New("dc down")
		res := app.CheckLockoutPolicy(t.Context(), lockoutConfig(nil), &policyReader{err: errDown})
		if !errors.Is(res.Err, errDown) || len(res.Findings) != 0 || res.Warnings() != 0 {
			t.Fatalf("result %+v", res)
		}
	})
	t.Run("against the in-process directory", func(t *testing.T) {
		d := ldaptest.StartT(t, ldaptest.Config{DomainAttributes: map[string][]string{"lockoutThreshold": {"6"}}})
		c, err := ldapauth.New(d.ClientConfig())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		res := app.CheckLockoutPolicy(t.Context(), lockoutConfig(nil), c)
		if res.Err != nil || res.AD.Threshold != 6 || res.Warnings() != 1 {
			t.Fatalf("result %+v", res)
		}
	})
}

func TestLogLockoutPolicyCheck(t *testing.T) {
	logs := func(r app.LockoutPolicyCheck) []map[string]any {
		t.Helper()
		var buf bytes.Buffer
		app.LogLockoutPolicyCheck(t.Context(), slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), r)
		var out []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			out = append(out, m)
		}
		return out
	}
	ad := ldapauth.DomainLockoutPolicy{Threshold: 5, ObservationWindow: 15 * time.Minute}
	got := logs(app.LockoutPolicyCheck{AD: ad, Findings: app.CompareLockoutPolicy(lockoutConfig(nil), ad)})
	if len(got) != 2 || got[0]["level"] != "INFO" || got[0]["ad_lockout_threshold"] != float64(5) || got[0]["ad_lockout_duration"] != "until_unlocked" ||
		got[1]["level"] != "WARN" || !strings.Contains(got[1]["detail"].(string), "not below AD's account lockout threshold 5") {
		t.Fatalf("logs = %v", got)
	}
	got = logs(app.LockoutPolicyCheck{Err: errors.New("dc down")})
	if len(got) != 1 || got[0]["level"] != "WARN" || got[0]["error"] != "dc down" {
		t.Fatalf("logs = %v", got)
	}
}
