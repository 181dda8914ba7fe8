package config_test

import (
	"testing"
	"time"

	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/idp/lockout"
)

// TestExtranetLockout_MatchesTheLibrary keeps the file schema's defaults
// and mode names in step with idp/lockout, which this package does not
// import.
func TestExtranetLockout_MatchesTheLibrary(t *testing.T) {
	d := config.Default().ExtranetLockout
	if d.Mode != string(lockout.ModeEnforce) || d.Threshold != lockout.DefaultThreshold ||
		d.FamiliarThreshold != lockout.DefaultFamiliarThreshold || d.ObservationWindow.Std() != lockout.DefaultObservationWindow {
		t.Errorf("Default().ExtranetLockout = %+v, want enforce/%d/%d/%v", d, lockout.DefaultThreshold,
			lockout.DefaultFamiliarThreshold, lockout.DefaultObservationWindow)
	}
	for _, m := range []struct {
		cfg string
		lib lockout.Mode
	}{{config.LockoutOff, lockout.ModeOff}, {config.LockoutLogOnly, lockout.ModeLogOnly}, {config.LockoutEnforce, lockout.ModeEnforce}} {
		if m.cfg != string(m.lib) {
			t.Errorf("mode %q != lockout.%q", m.cfg, m.lib)
		}
		if _, err := lockout.New(lockout.Config{Mode: lockout.Mode(m.cfg), Store: nil, Resolver: nil}); m.lib != lockout.ModeOff && err == nil {
			t.Errorf("lockout.New accepted mode %q without a store", m.cfg)
		}
	}
	// The defaults stay under the Microsoft baseline's AD threshold of 10
	// and cover twice its 15-minute reset time.
	if d.Threshold+d.FamiliarThreshold >= 10 || d.ObservationWindow.Std() < 2*15*time.Minute {
		t.Errorf("defaults %+v break the documented AD margins", d)
	}
}

func TestParse_ExtranetLockoutSection(t *testing.T) {
	cfg, err := config.Parse([]byte(minimalYAML + "extranet_lockout:\n  mode: log_only\n  threshold: 3\n  observation_window: 1h\n"))
	if err != nil {
		t.Fatal(err)
	}
	l := cfg.ExtranetLockout
	if l.Mode != config.LockoutLogOnly || l.Threshold != 3 || l.FamiliarThreshold != 4 || l.ObservationWindow.Std() != time.Hour {
		t.Fatalf("extranet_lockout = %+v", l)
	}
	_, err = config.Parse([]byte(minimalYAML + "extranet_lockout:\n  mode: on\n  window: 1h\n"))
	var paths []string
	for _, p := range config.Problems(err) {
		paths = append(paths, p.Path)
	}
	if len(paths) != 1 || paths[0] != "extranet_lockout.window" {
		t.Fatalf("problems = %q, want the unknown key extranet_lockout.window first: %v", paths, err)
	}
}
