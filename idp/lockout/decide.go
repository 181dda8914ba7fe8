package lockout

import (
	"slices"
	"time"
)

// rules are a Policy's thresholds and observation window.
type rules struct {
	threshold         int // unfamiliar location
	familiarThreshold int
	window            time.Duration
}

// verdict is the outcome of evaluate for one attempt.
type verdict struct {
	familiar bool
	// locked: the location's counter has reached its threshold and the
	// observation window since its latest failure has not passed.
	locked bool
	// retryAt is when the location allows its next attempt (locked only).
	retryAt time.Time
}

// isFamiliar reports whether ip (canonical, or "" for no usable IP) is one
// of s's familiar IPs.
func isFamiliar(s State, ip string) bool {
	return ip != "" && slices.Contains(s.FamiliarIPs, ip)
}

// evaluate decides whether an attempt from ip at now may reach the
// directory. A location locks when its count reaches the threshold (the
// AD FS event 1203 "reaches" reading: the stricter of the two the
// documentation offers). A locked location allows one more attempt once
// its own latest failure is a full window old and the other location's
// latest failure at least half a window old; that attempt, once claimed,
// moves Last to now and so closes the window again.
//
// The second condition is what keeps AD from ever locking the account:
// with the window at least twice AD's "reset account lockout counter
// after" time, every such extra attempt reaches AD after AD's own counter
// has been reset, so the failures AD counts in a row never exceed
// threshold + familiarThreshold. Without it, the user's own typos at a
// familiar IP could bridge an attacker's once-per-window attempts and keep
// AD's counter growing. Half a window (not a whole one) leaves each
// location a slot in every window, so neither can starve the other.
func (r rules) evaluate(s State, ip string, now time.Time) verdict {
	return r.evaluateLocation(s, isFamiliar(s, ip), now)
}

// evaluateLocation is evaluate for an attempt from the familiar (fam) or
// unfamiliar location.
func (r rules) evaluateLocation(s State, fam bool, now time.Time) verdict {
	c, other, threshold := s.Unfamiliar, s.Familiar, r.threshold
	if fam {
		c, other, threshold = s.Familiar, s.Unfamiliar, r.familiarThreshold
	}
	if c.Count < threshold {
		return verdict{familiar: fam}
	}
	next := c.Last.Add(r.window)
	if other.Count > 0 {
		if o := other.Last.Add(r.window / 2); o.After(next) {
			next = o
		}
	}
	if !now.Before(next) {
		return verdict{familiar: fam}
	}
	return verdict{familiar: fam, locked: true, retryAt: next}
}

// claim counts an attempt of the location as a failure at now, before the
// directory answers.
func claim(s State, familiar bool, now time.Time) State {
	s = s.Clone()
	c := s.counter(familiar)
	if c.Count < MaxCount {
		c.Count++
	}
	c.Last = now
	return s
}

// release refunds an attempt claimed at claimedAt when the directory did
// not judge the password bad. Last goes back to prevLast (its value before
// the claim) unless a later claim has moved it since, so an outage does not
// use up a locked location's one attempt per window.
func release(s State, familiar bool, claimedAt, prevLast time.Time) State {
	s = s.Clone()
	c := s.counter(familiar)
	if c.Count > 0 {
		c.Count--
	}
	if c.Last.Equal(claimedAt) {
		c.Last = prevLast
	}
	if c.Count == 0 {
		c.Last = time.Time{}
	} else if c.Last.IsZero() {
		// A concurrent reset and new claims may leave a count without a
		// time; keep the counter locked-able by dating it to the claim.
		c.Last = claimedAt
	}
	return s
}

// succeed records a good password from ip. The familiar counter is reset
// whatever the location: it only ever holds the user's own mistakes, so
// clearing it gives an attacker nothing. The unfamiliar counter is reset
// only by a success from an unfamiliar IP; a success from the user's desk
// must not hand an attacker elsewhere a fresh set of guesses. ip (when it
// is an IP) becomes the most recent familiar IP.
func succeed(s State, familiar bool, ip string) State {
	s = s.Clone()
	s.Familiar = Counter{}
	if !familiar {
		s.Unfamiliar = Counter{}
	}
	if ip != "" {
		s.FamiliarIPs = slices.DeleteFunc(s.FamiliarIPs, func(x string) bool { return x == ip })
		s.FamiliarIPs = append(s.FamiliarIPs, ip)
		if n := len(s.FamiliarIPs) - MaxFamiliarIPs; n > 0 {
			s.FamiliarIPs = slices.Delete(s.FamiliarIPs, 0, n)
		}
	}
	return s
}
