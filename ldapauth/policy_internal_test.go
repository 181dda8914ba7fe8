package ldapauth

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

func TestParseLockoutPolicy(t *testing.T) {
	tests := []struct {
		name                        string
		threshold, window, duration string
		want                        DomainLockoutPolicy
		wantErr                     string // "" = success
	}{
		{"Windows default (no lockout)", "0", "-18000000000", "-18000000000", DomainLockoutPolicy{0, 30 * time.Minute, 30 * time.Minute}, ""},
		{"baseline", "10", "-9000000000", "-9000000000", DomainLockoutPolicy{10, 15 * time.Minute, 15 * time.Minute}, ""},
		{"Samba lab: until unlocked", "5", "-18000000000", "-9223372036854775808", DomainLockoutPolicy{5, 30 * time.Minute, 0}, ""},
		{"zero intervals", "3", "0", "0", DomainLockoutPolicy{Threshold: 3}, ""},
		{"largest threshold", "65535", "-1", "-1", DomainLockoutPolicy{65535, 100, 100}, ""},
		{"largest interval", "1", strconv.FormatInt(-math.MaxInt64/100, 10), "-1", DomainLockoutPolicy{1, math.MaxInt64 / 100 * 100, 100}, ""},
		{"threshold too large", "65536", "0", "0", DomainLockoutPolicy{}, `lockoutThreshold "65536" is not an integer from 0 to 65535`},
		{"negative threshold", "-1", "0", "0", DomainLockoutPolicy{}, `lockoutThreshold "-1"`},
		{"empty threshold", "", "0", "0", DomainLockoutPolicy{}, `lockoutThreshold ""`},
		{"threshold with space", " 5", "0", "0", DomainLockoutPolicy{}, `lockoutThreshold " 5"`},
		{"huge threshold text", strings.Repeat("9", 1000), "0", "0", DomainLockoutPolicy{}, "lockoutThreshold is 1000 bytes long"},
		{"positive window", "5", "18000000000", "0", DomainLockoutPolicy{}, "lockOutObservationWindow \"18000000000\" is positive"},
		{"window never", "5", "-9223372036854775808", "0", DomainLockoutPolicy{}, "lockOutObservationWindow is -2^63 (never)"},
		{"window overflows a Duration", "5", strconv.FormatInt(-math.MaxInt64/100-1, 10), "0", DomainLockoutPolicy{}, "lockOutObservationWindow \"-92233720368547759\" is longer than"},
		{"window beyond int64", "5", "-9223372036854775809", "0", DomainLockoutPolicy{}, "is not a 64-bit integer"},
		{"duration text", "5", "0", "15m", DomainLockoutPolicy{}, `lockoutDuration "15m" is not a 64-bit integer`},
		{"every problem reported", "x", "1", "y", DomainLockoutPolicy{}, "lockoutThreshold \"x\" is not an integer from 0 to 65535\nlockOutObservationWindow \"1\" is positive; AD stores it as a negative count of 100-nanosecond units\nlockoutDuration \"y\" is not a 64-bit integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseLockoutPolicy(tt.threshold, tt.window, tt.duration)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if got != (DomainLockoutPolicy{}) {
					t.Fatalf("policy %+v returned with an error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("parseLockoutPolicy = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestDomainHead(t *testing.T) {
	tests := []struct{ base, want, wantErr string }{
		{"DC=corp,DC=contoso,DC=com", "DC=corp,DC=contoso,DC=com", ""},
		{"OU=Staff,OU=Users,DC=corp,DC=contoso,DC=com", "DC=corp,DC=contoso,DC=com", ""},
		{"ou=staff,dc=contoso,dc=com", "DC=contoso,DC=com", ""},
		{"CN=Users, DC=contoso , DC=com", "DC=contoso,DC=com", ""},
		{"DC=not,OU=here,DC=contoso,DC=com", "DC=contoso,DC=com", ""},
		{`DC=we\,ird,DC=com`, `DC=we\,ird,DC=com`, ""},
		{"O=Contoso", "", "does not end in DC= components"},
		{"DC=a+CN=b,DC=com", "DC=com", ""},
		{"not a dn", "", `BaseDN "not a dn"`},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			got, err := domainHead(tt.base)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("domainHead(%q) = %q, %v; want error %q", tt.base, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("domainHead(%q) = %q, %v; want %q", tt.base, got, err, tt.want)
			}
		})
	}
}

// FuzzParseLockoutPolicy: arbitrary values never panic and never yield a
// negative or out-of-range policy; an accepted policy written back in AD's
// encoding parses to itself.
func FuzzParseLockoutPolicy(f *testing.F) {
	f.Add("10", "-9000000000", "-9000000000")
	f.Add("5", "-18000000000", "-9223372036854775808")
	f.Add("0", "0", "0")
	f.Add("65536", "18000000000", "-92233720368547759")
	f.Add("+7", "-0", "-00000000001")
	f.Add("", "-9223372036854775809", "1e9")
	f.Fuzz(func(t *testing.T, threshold, window, duration string) {
		p, err := parseLockoutPolicy(threshold, window, duration)
		if err != nil {
			if p != (DomainLockoutPolicy{}) {
				t.Fatalf("policy %+v returned with error %v", p, err)
			}
			if len(err.Error()) > 1024 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		if p.Threshold < 0 || p.Threshold > maxLockoutThreshold || p.ObservationWindow < 0 || p.Duration < 0 {
			t.Fatalf("out of range: %+v", p)
		}
		if p.ObservationWindow%intervalUnit != 0 || p.Duration%intervalUnit != 0 {
			t.Fatalf("not whole 100 ns units: %+v", p)
		}
		enc := func(d time.Duration) string { return strconv.FormatInt(-int64(d/intervalUnit), 10) }
		again, err := parseLockoutPolicy(strconv.Itoa(p.Threshold), enc(p.ObservationWindow), enc(p.Duration))
		if err != nil || again != p {
			t.Fatalf("round trip of %+v = %+v, %v", p, again, err)
		}
	})
}

// FuzzDomainHead: any base DN either yields a DN of DC= components only
// that is the base DN or one of its ancestors, or an error.
func FuzzDomainHead(f *testing.F) {
	for _, s := range []string{"DC=corp,DC=contoso,DC=com", "OU=Staff,dc=contoso,dc=com", `DC=we\,ird,DC=com`, "O=x", "DC=a+CN=b,DC=com", "", "DC=", `DC=\00,DC=x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, base string) {
		if len(base) > 4096 {
			return
		}
		head, err := domainHead(base)
		if err != nil {
			return
		}
		h, err := ldap.ParseDN(head)
		if err != nil {
			t.Fatalf("domainHead(%q) = %q, which does not parse: %v", base, head, err)
		}
		b, _ := ldap.ParseDN(base)
		if len(h.RDNs) == 0 || !(h.EqualFold(b) || h.AncestorOfFold(b)) {
			t.Fatalf("domainHead(%q) = %q, not the base DN or an ancestor", base, head)
		}
		for _, r := range h.RDNs {
			if len(r.Attributes) != 1 || !strings.EqualFold(r.Attributes[0].Type, "DC") {
				t.Fatalf("domainHead(%q) = %q has a non-DC component", base, head)
			}
		}
	})
}
