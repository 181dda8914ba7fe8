package lockout

import (
	"net/netip"
	"slices"
	"time"
)

// MaxFamiliarIPs is how many familiar client IPs are kept per account, as
// in AD FS ESL. A successful sign-in from a new IP drops the IP whose last
// success is oldest.
const MaxFamiliarIPs = 20

// MaxCount bounds each stored counter; counting stops there.
const MaxCount = 1 << 20

// maxIPText bounds the text CanonicalIP parses (the longest IPv6 form with
// an embedded IPv4 address is 45 bytes; zones are dropped).
const maxIPText = 64

// Counter counts the bad passwords of one location (familiar or
// unfamiliar client IPs).
type Counter struct {
	// Count is the number of bad passwords counted since the last reset,
	// including attempts still waiting for the directory's answer.
	Count int
	// Last is when the latest of them was counted; zero when Count is 0.
	Last time.Time
}

// IsZero reports whether nothing is counted.
func (c Counter) IsZero() bool { return c.Count == 0 && c.Last.IsZero() }

// State is the stored lockout state of one directory account. The zero
// State means "nothing known" and is not stored.
type State struct {
	// Familiar counts bad passwords from FamiliarIPs.
	Familiar Counter
	// Unfamiliar counts bad passwords from every other client IP.
	Unfamiliar Counter
	// FamiliarIPs are canonical IPs (see CanonicalIP) from which the user
	// signed in with a good password, least recent first, at most
	// MaxFamiliarIPs, without duplicates.
	FamiliarIPs []string
}

// IsZero reports whether s holds nothing worth storing.
func (s State) IsZero() bool {
	return s.Familiar.IsZero() && s.Unfamiliar.IsZero() && len(s.FamiliarIPs) == 0
}

// LastFailure returns when the latest bad password of either location was
// counted and whether that location is the familiar one; a zero time when
// neither counter holds one. Equal times report the unfamiliar location.
func (s State) LastFailure() (at time.Time, familiar bool) {
	if s.Familiar.Last.After(s.Unfamiliar.Last) {
		return s.Familiar.Last, true
	}
	return s.Unfamiliar.Last, false
}

// Clone returns a copy of s that shares no memory with it.
func (s State) Clone() State {
	s.FamiliarIPs = slices.Clone(s.FamiliarIPs)
	return s
}

// counter returns the counter of a location.
func (s *State) counter(familiar bool) *Counter {
	if familiar {
		return &s.Familiar
	}
	return &s.Unfamiliar
}

// CanonicalIP returns ip in the one form familiar IPs are compared and
// stored in: IPv4-mapped IPv6 addresses become IPv4, zones are dropped and
// IPv6 is written in RFC 5952 form. ok is false when ip is not an IP
// address; such a client is always unfamiliar and never becomes familiar.
func CanonicalIP(ip string) (canonical string, ok bool) {
	if ip == "" || len(ip) > maxIPText {
		return "", false
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "", false
	}
	return a.Unmap().WithZone("").String(), true
}
