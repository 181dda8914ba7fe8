package lockout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Location names the counters an administrator resets, like the -Location
// of AD FS Reset-ADFSAccountLockout.
type Location string

// Locations.
const (
	// LocationFamiliar is the counter of the account's familiar IPs.
	LocationFamiliar Location = "familiar"
	// LocationUnfamiliar is the counter of every other IP (AD FS "Unknown").
	LocationUnfamiliar Location = "unfamiliar"
	// LocationAll is both counters.
	LocationAll Location = "all"
)

// maxLocationText bounds what ParseLocation reads.
const maxLocationText = 16

// ParseLocation parses "familiar", "unfamiliar" (or AD FS's "unknown") and
// "all", in any case.
func ParseLocation(s string) (Location, error) {
	if len(s) <= maxLocationText {
		switch strings.ToLower(s) {
		case "familiar":
			return LocationFamiliar, nil
		case "unfamiliar", "unknown":
			return LocationUnfamiliar, nil
		case "all":
			return LocationAll, nil
		}
	}
	if len(s) > maxLocationText {
		s = s[:maxLocationText] + "…"
	}
	return "", fmt.Errorf("lockout: location %q is not supported; use familiar, unfamiliar or all", s)
}

// CounterStatus is one location's counter as an administrator sees it.
type CounterStatus struct {
	// BadPasswords counts the bad passwords since the last reset,
	// including attempts still waiting for the directory's answer.
	BadPasswords int
	// Threshold is the count at which the location locks.
	Threshold int
	// LastFailure is when the latest of them was counted; zero when none.
	LastFailure time.Time
	// Locked: the location refuses attempts now (in ModeEnforce; in
	// ModeLogOnly such attempts are only logged).
	Locked bool
	// RetryAt is when a locked location allows its next attempt; zero
	// when not locked.
	RetryAt time.Time
}

// Activity is an account's extranet lockout state at one instant, what AD
// FS Get-ADFSAccountActivity shows.
type Activity struct {
	// Key is the account key (base64 objectGUID).
	Key string
	// Familiar and Unfamiliar are the two locations' counters.
	Familiar, Unfamiliar CounterStatus
	// FamiliarIPs are the IPs the user signed in from, least recent first.
	FamiliarIPs []string
}

// Locked reports whether either location is locked.
func (a Activity) Locked() bool { return a.Familiar.Locked || a.Unfamiliar.Locked }

// LastFailure returns the latest counted bad password and its location;
// a zero time when there is none.
func (a Activity) LastFailure() (time.Time, Location) {
	if a.Familiar.LastFailure.After(a.Unfamiliar.LastFailure) {
		return a.Familiar.LastFailure, LocationFamiliar
	}
	return a.Unfamiliar.LastFailure, LocationUnfamiliar
}

// Admin carries out administrators' operations on stored lockout state:
// reading an account's activity, listing accounts and resetting counters.
// It is safe for concurrent use, also with the Policy of running nodes.
type Admin struct {
	store Store
	rules rules
	now   func() time.Time
}

// NewAdmin returns an Admin that judges lockouts with cfg's thresholds and
// observation window (the same defaults as New). It uses cfg.Store
// (required) and cfg.Now; Mode, Resolver and Logger are not used, so
// state left from an earlier mode can be read and reset with the
// policy off.
func NewAdmin(cfg Config) (*Admin, error) {
	cfg = cfg.defaulted()
	errs := cfg.ruleErrors()
	if cfg.Store == nil {
		errs = append(errs, errors.New("Store is required"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("lockout: %w", errors.Join(errs...))
	}
	return &Admin{store: cfg.Store, rules: cfg.rules(), now: cfg.Now}, nil
}

// Activity returns the state of the account key now; counters are zero
// when nothing is stored.
func (a *Admin) Activity(ctx context.Context, key string) (Activity, error) {
	s, _, err := a.store.GetLockout(ctx, key)
	if err != nil {
		return Activity{}, fmt.Errorf("lockout: read state: %w", err)
	}
	return a.activity(key, s, a.now()), nil
}

// Reset clears the counters of loc (any spelling ParseLocation accepts)
// for the account key, like AD FS Reset-ADFSAccountLockout: the location
// allows attempts again at once.
// The familiar IPs are kept. It returns the activity before and after; a
// key with nothing stored is not an error.
func (a *Admin) Reset(ctx context.Context, key string, loc Location) (before, after Activity, err error) {
	loc, err = ParseLocation(string(loc))
	if err != nil {
		return Activity{}, Activity{}, err
	}
	var prev State
	next, err := a.store.UpdateLockout(ctx, key, func(s State) (State, error) {
		prev = s.Clone()
		return reset(s, loc), nil
	})
	if err != nil {
		return Activity{}, Activity{}, fmt.Errorf("lockout: reset: %w", err)
	}
	now := a.now()
	return a.activity(key, prev, now), a.activity(key, next, now), nil
}

// List returns the activity of up to limit accounts (1 to MaxList), most
// recent bad password first (see Store.ListLockouts). With lockedOnly it
// returns only accounts with a locked location. complete reports that no
// matching account was left out.
func (a *Admin) List(ctx context.Context, limit int, lockedOnly bool) (acts []Activity, complete bool, err error) {
	if limit < 1 || limit > MaxList {
		return nil, false, fmt.Errorf("lockout: list limit %d is out of range; use 1 to %d", limit, MaxList)
	}
	fetch := min(limit+1, MaxList)
	if lockedOnly {
		fetch = MaxList
	}
	entries, err := a.store.ListLockouts(ctx, fetch)
	if err != nil {
		return nil, false, fmt.Errorf("lockout: list: %w", err)
	}
	now := a.now()
	complete = len(entries) < fetch
	for _, e := range entries {
		act := a.activity(e.Key, e.State, now)
		if lockedOnly && !act.Locked() {
			continue
		}
		if len(acts) == limit {
			return acts, false, nil
		}
		acts = append(acts, act)
	}
	if lockedOnly && !complete && len(entries) > 0 {
		// Entries come newest failure first and a location stays locked
		// at most one window after the account's latest failure, so the
		// accounts not fetched cannot be locked once the last fetched
		// one's failure is a window old.
		last, _ := entries[len(entries)-1].State.LastFailure()
		complete = !now.Before(last.Add(a.rules.window))
	}
	return acts, complete, nil
}

// activity judges s at now.
func (a *Admin) activity(key string, s State, now time.Time) Activity {
	return Activity{
		Key:         key,
		Familiar:    a.counterStatus(s, true, now),
		Unfamiliar:  a.counterStatus(s, false, now),
		FamiliarIPs: s.Clone().FamiliarIPs,
	}
}

func (a *Admin) counterStatus(s State, familiar bool, now time.Time) CounterStatus {
	c := *s.counter(familiar)
	v := a.rules.evaluateLocation(s, familiar, now)
	th := a.rules.threshold
	if familiar {
		th = a.rules.familiarThreshold
	}
	return CounterStatus{BadPasswords: c.Count, Threshold: th, LastFailure: c.Last, Locked: v.locked, RetryAt: v.retryAt}
}

// reset clears the counters of loc.
func reset(s State, loc Location) State {
	s = s.Clone()
	if loc == LocationFamiliar || loc == LocationAll {
		s.Familiar = Counter{}
	}
	if loc == LocationUnfamiliar || loc == LocationAll {
		s.Unfamiliar = Counter{}
	}
	return s
}
