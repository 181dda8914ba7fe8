package check

import (
	"fmt"
	"strings"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/store"
)

// maxIPListLen bounds the stored familiar-IP list: MaxFamiliarIPs
// addresses of at most 39 bytes (canonical IPv6) plus separators.
const maxIPListLen = lockout.MaxFamiliarIPs * 40

// Lockout validates a lockout state before it is stored and returns it
// normalised: times in UTC at microsecond precision. Every counter must be
// 0..lockout.MaxCount with a zero Last exactly when the count is 0; the
// familiar IPs must be canonical, unique and at most MaxFamiliarIPs.
func Lockout(s lockout.State) (lockout.State, error) {
	s = s.Clone()
	for _, c := range []struct {
		name string
		c    *lockout.Counter
	}{{"familiar", &s.Familiar}, {"unfamiliar", &s.Unfamiliar}} {
		switch {
		case c.c.Count < 0 || c.c.Count > lockout.MaxCount:
			return s, fmt.Errorf("%w: lockout %s count %d is outside 0..%d", store.ErrInvalid, c.name, c.c.Count, lockout.MaxCount)
		case (c.c.Count == 0) != c.c.Last.IsZero():
			return s, fmt.Errorf("%w: lockout %s counter has count %d with last failure %v; want both zero or both set",
				store.ErrInvalid, c.name, c.c.Count, c.c.Last)
		case c.c.Count > 0:
			if err := Time("lockout "+c.name+" last failure", c.c.Last); err != nil {
				return s, err
			}
			c.c.Last = c.c.Last.UTC().Truncate(time.Microsecond)
		}
	}
	if len(s.FamiliarIPs) > lockout.MaxFamiliarIPs {
		return s, fmt.Errorf("%w: %d familiar IPs, at most %d allowed", store.ErrInvalid, len(s.FamiliarIPs), lockout.MaxFamiliarIPs)
	}
	seen := make(map[string]bool, len(s.FamiliarIPs))
	for _, ip := range s.FamiliarIPs {
		if c, ok := lockout.CanonicalIP(ip); !ok || c != ip {
			return s, fmt.Errorf("%w: familiar IP %q is not a canonical IP address", store.ErrInvalid, ip)
		}
		if seen[ip] {
			return s, fmt.Errorf("%w: familiar IP %s is listed twice", store.ErrInvalid, ip)
		}
		seen[ip] = true
	}
	if len(s.FamiliarIPs) == 0 {
		s.FamiliarIPs = nil
	}
	return s, nil
}

// JoinIPs encodes validated familiar IPs for the familiar_ips column:
// space-separated, in order.
func JoinIPs(ips []string) string { return strings.Join(ips, " ") }

// SplitIPs decodes the familiar_ips column and validates it, so a row
// changed behind fedgate's back is an error rather than a wrong decision.
func SplitIPs(v string) ([]string, error) {
	if len(v) > maxIPListLen {
		return nil, fmt.Errorf("%w: stored familiar IP list is %d bytes, at most %d allowed", store.ErrInvalid, len(v), maxIPListLen)
	}
	if v == "" {
		return nil, nil
	}
	ips := strings.Split(v, " ")
	if _, err := Lockout(lockout.State{FamiliarIPs: ips}); err != nil {
		return nil, fmt.Errorf("stored familiar IP list: %w", err)
	}
	return ips, nil
}
