package config_test

import (
	"testing"

	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/idp/lockout"
)

// TestExtranetLockoutIntranet_MatchesTheLibrary keeps the intranet values
// and the default (skip, AD FS semantics) in step with idp/lockout.
func TestExtranetLockoutIntranet_MatchesTheLibrary(t *testing.T) {
	if got := config.Default().ExtranetLockout.Intranet; got != string(lockout.IntranetSkip) {
		t.Errorf("default extranet_lockout.intranet = %q, want %q", got, lockout.IntranetSkip)
	}
	for _, v := range []struct {
		cfg string
		lib lockout.Intranet
	}{{config.LockoutIntranetSkip, lockout.IntranetSkip}, {config.LockoutIntranetCount, lockout.IntranetCount}} {
		if v.cfg != string(v.lib) {
			t.Errorf("intranet %q != lockout.%q", v.cfg, v.lib)
		}
		if _, err := lockout.NewAdmin(lockout.Config{Intranet: lockout.Intranet(v.cfg), Store: stubLockoutStore{}}); err != nil {
			t.Errorf("idp/lockout refuses intranet %q: %v", v.cfg, err)
		}
	}
}

func TestParse_ExtranetLockoutIntranet(t *testing.T) {
	tests := []struct {
		name    string
		section string
		want    string // "" = a problem at extranet_lockout.intranet
	}{
		{"absent means skip", "extranet_lockout:\n  mode: log_only\n", config.LockoutIntranetSkip},
		{"skip", "extranet_lockout:\n  intranet: skip\n", config.LockoutIntranetSkip},
		{"count", "extranet_lockout:\n  intranet: count\n", config.LockoutIntranetCount},
		{"unknown value", "extranet_lockout:\n  intranet: ignore\n", ""},
		{"wrong case", "extranet_lockout:\n  intranet: Skip\n", ""},
		{"empty", "extranet_lockout:\n  intranet: \"\"\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse([]byte(minimalYAML + tt.section))
			if tt.want != "" {
				if err != nil {
					t.Fatal(err)
				}
				if cfg.ExtranetLockout.Intranet != tt.want {
					t.Fatalf("extranet_lockout.intranet = %q, want %q", cfg.ExtranetLockout.Intranet, tt.want)
				}
				return
			}
			probs := config.Problems(err)
			if len(probs) != 1 || probs[0].Path != "extranet_lockout.intranet" {
				t.Fatalf("problems %v, want exactly one at extranet_lockout.intranet", err)
			}
			if want := "use skip or count"; probs[0].Hint != want {
				t.Errorf("hint %q, want %q", probs[0].Hint, want)
			}
		})
	}
}

func TestValidate_ExtranetLockoutIntranetNamesTheValue(t *testing.T) {
	c := valid(t)
	c.ExtranetLockout.Intranet = "never"
	err := c.Validate()
	if got, want := errString(err), `extranet_lockout.intranet: "never" is not supported; use skip or count`; got != want {
		t.Fatalf("Validate() = %q, want %q", got, want)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// stubLockoutStore satisfies lockout.Store for constructor checks; it is
// never called.
type stubLockoutStore struct{ lockout.Store }
