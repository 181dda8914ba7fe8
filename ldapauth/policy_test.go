package ldapauth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

func TestReadDomainLockoutPolicy(t *testing.T) {
	tests := []struct {
		name   string
		domain map[string][]string
		baseDN string // "" = the directory's BaseDN
		want   ldapauth.DomainLockoutPolicy
	}{
		{"baseline defaults", nil, "", ldapauth.DomainLockoutPolicy{Threshold: 10, ObservationWindow: 15 * time.Minute, Duration: 15 * time.Minute}},
		{"CIS-style with admin unlock", map[string][]string{
			"lockoutThreshold":         {"5"},
			"lockOutObservationWindow": {ldaptest.ADInterval(30 * time.Minute)},
			"lockoutDuration":          {ldaptest.ADIntervalNever},
		}, "", ldapauth.DomainLockoutPolicy{Threshold: 5, ObservationWindow: 30 * time.Minute}},
		{"no lockout", map[string][]string{"lockoutThreshold": {"0"}}, "", ldapauth.DomainLockoutPolicy{ObservationWindow: 15 * time.Minute, Duration: 15 * time.Minute}},
		{"base DN below the domain head", nil, "CN=Users,DC=contoso,DC=com",
			ldapauth.DomainLockoutPolicy{Threshold: 10, ObservationWindow: 15 * time.Minute, Duration: 15 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ldaptest.StartT(t, ldaptest.Config{Users: ldaptest.Contoso(), DomainAttributes: tt.domain})
			c := newClient(t, d, func(cfg *ldapauth.Config) {
				if tt.baseDN != "" {
					cfg.BaseDN = tt.baseDN
				}
			})
			before := d.Binds()
			got, err := c.ReadDomainLockoutPolicy(t.Context())
			if err != nil {
				t.Fatalf("ReadDomainLockoutPolicy: %v", err)
			}
			if got != tt.want {
				t.Fatalf("policy = %+v, want %+v", got, tt.want)
			}
			if d.LastFilter() != "(objectClass=*)" {
				t.Errorf("last filter %q", d.LastFilter())
			}
			if n := d.Binds() - before; n != 1 {
				t.Errorf("%d binds, want 1 (the service account of the search pool)", n)
			}
		})
	}
}

func TestReadDomainLockoutPolicy_BadDomainObjectNamesTheAttribute(t *testing.T) {
	tests := []struct {
		name   string
		domain map[string][]string
		want   string
	}{
		{"missing threshold", map[string][]string{"lockoutThreshold": {}}, "lockoutThreshold has 0 values, want 1"},
		{"two windows", map[string][]string{"lockOutObservationWindow": {"-1", "-2"}}, "lockOutObservationWindow has 2 values"},
		{"positive window", map[string][]string{"lockOutObservationWindow": {"18000000000"}}, "lockOutObservationWindow \"18000000000\" is positive"},
		{"text threshold", map[string][]string{"lockoutThreshold": {"ten"}}, `lockoutThreshold "ten" is not an integer from 0 to 65535`},
		{"window never", map[string][]string{"lockOutObservationWindow": {ldaptest.ADIntervalNever}}, "lockOutObservationWindow is -2^63 (never)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ldaptest.StartT(t, ldaptest.Config{Users: ldaptest.Contoso(), DomainAttributes: tt.domain})
			_, err := newClient(t, d, nil).ReadDomainLockoutPolicy(t.Context())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "ldapauth: ") || !strings.Contains(err.Error(), "DC=contoso,DC=com") {
				t.Errorf("err %q lacks the package prefix or the domain DN", err)
			}
			if errors.Is(err, ldapauth.ErrUnavailable) {
				t.Error("a bad value reads as an outage")
			}
		})
	}
}

func TestReadDomainLockoutPolicy_Failures(t *testing.T) {
	t.Run("directory down is unavailable", func(t *testing.T) {
		d := ldaptest.NewT(t)
		c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.URLs = []string{closedPortURL(t)} })
		_, err := c.ReadDomainLockoutPolicy(t.Context())
		if !errors.Is(err, ldapauth.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
	t.Run("base DN outside the served domain", func(t *testing.T) {
		d := ldaptest.NewT(t)
		c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.BaseDN = "DC=fabrikam,DC=com" })
		_, err := c.ReadDomainLockoutPolicy(t.Context())
		if err == nil || !strings.Contains(err.Error(), "domain object DC=fabrikam,DC=com not found") {
			t.Fatalf("err = %v, want domain object not found", err)
		}
	})
	t.Run("base DN without DC components", func(t *testing.T) {
		d := ldaptest.NewT(t)
		c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.BaseDN = "O=Contoso" })
		before := d.Searches()
		_, err := c.ReadDomainLockoutPolicy(t.Context())
		if err == nil || !strings.Contains(err.Error(), "does not end in DC= components") {
			t.Fatalf("err = %v", err)
		}
		if d.Searches() != before {
			t.Error("searched although the domain DN is unknown")
		}
	})
}
