package ldaptest_test

import (
	"slices"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

var lockoutAttrs = []string{"lockoutThreshold", "lockOutObservationWindow", "lockoutDuration"}

func TestDirectory_DomainObjectCarriesLockoutPolicy(t *testing.T) {
	tests := []struct {
		name      string
		overrides map[string][]string
		want      map[string][]string
	}{
		{"baseline defaults", nil, map[string][]string{
			"lockoutThreshold": {"10"}, "lockOutObservationWindow": {"-9000000000"}, "lockoutDuration": {"-9000000000"},
		}},
		{"overrides replace case-insensitively", map[string][]string{
			"LOCKOUTTHRESHOLD": {"5"}, "lockoutDuration": {ldaptest.ADIntervalNever},
		}, map[string][]string{
			"lockoutThreshold": {"5"}, "lockOutObservationWindow": {"-9000000000"}, "lockoutDuration": {"-9223372036854775808"},
		}},
		{"empty slice removes, two values are served", map[string][]string{
			"lockoutThreshold": {}, "lockoutDuration": {"1", "2"},
		}, map[string][]string{
			"lockOutObservationWindow": {"-9000000000"}, "lockoutDuration": {"1", "2"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ldaptest.StartT(t, ldaptest.Config{Users: ldaptest.Contoso(), DomainAttributes: tt.overrides})
			e := search(t, dialService(t, d), d.BaseDN(), ldap.ScopeBaseObject, "(objectClass=domainDNS)", lockoutAttrs...)
			if len(e) != 1 || e[0].DN != d.BaseDN() {
				t.Fatalf("base search of the domain = %v", dns(e))
			}
			for _, a := range lockoutAttrs {
				got := e[0].GetEqualFoldAttributeValues(a)
				if !slices.Equal(got, tt.want[a]) && !(len(got) == 0 && len(tt.want[a]) == 0) {
					t.Errorf("%s = %q, want %q", a, got, tt.want[a])
				}
			}
		})
	}
}

// TestDirectory_DomainObjectDoesNotDisturbUserSearches: the domain object
// matches no user filter, and comes first in a subtree search as in AD.
func TestDirectory_DomainObjectDoesNotDisturbUserSearches(t *testing.T) {
	d := ldaptest.NewT(t)
	conn := dialService(t, d)
	if e := search(t, conn, d.BaseDN(), ldap.ScopeWholeSubtree, "(&(objectClass=user)(sAMAccountName=*))", "1.1"); len(e) != len(ldaptest.Contoso()) {
		t.Fatalf("user search returned %d entries: %v", len(e), dns(e))
	}
	if e := search(t, conn, d.BaseDN(), ldap.ScopeWholeSubtree, "(objectClass=*)", "1.1"); len(e) == 0 || e[0].DN != d.BaseDN() {
		t.Fatalf("subtree search does not start with the domain object: %v", dns(e))
	}
}

func TestADInterval(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0"},
		{30 * time.Minute, "-18000000000"},
		{15 * time.Minute, "-9000000000"},
		{150 * time.Nanosecond, "-1"},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			if got := ldaptest.ADInterval(tt.d); got != tt.want {
				t.Errorf("ADInterval(%s) = %s, want %s", tt.d, got, tt.want)
			}
		})
	}
}
