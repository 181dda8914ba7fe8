package lockout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Mode selects what a Policy does with a locked location.
type Mode string

// Modes. The zero Mode means ModeEnforce.
const (
	// ModeOff checks and stores nothing.
	ModeOff Mode = "off"
	// ModeLogOnly counts everything and logs (and reports in
	// Decision.Reason) what enforce would refuse, but refuses nothing; its
	// own errors fail open. Use it for a few days before enforcing to see
	// who would be locked (AD FS AdfsSmartLockoutLogOnly).
	ModeLogOnly Mode = "log_only"
	// ModeEnforce refuses attempts from a locked location without asking
	// the directory; its own errors fail closed.
	ModeEnforce Mode = "enforce"
)

// Defaults applied by New to zero Config fields. See the package doc for
// how they relate to AD's own lockout policy.
const (
	DefaultThreshold         = 4
	DefaultFamiliarThreshold = 4
	DefaultObservationWindow = 30 * time.Minute

	// MaxThreshold bounds both thresholds.
	MaxThreshold = 1000
)

// Config configures a Policy. Zero values mean the stated default.
type Config struct {
	// Mode is ModeOff, ModeLogOnly or ModeEnforce. Default ModeEnforce.
	Mode Mode
	// Threshold is how many bad passwords from unfamiliar IPs lock the
	// unfamiliar location. Default 4; 1 to MaxThreshold. Keep
	// Threshold + FamiliarThreshold below AD's account lockout threshold
	// (with room for intranet typos), or an attacker can lock the account
	// in AD.
	Threshold int
	// FamiliarThreshold is how many bad passwords from the user's familiar
	// IPs lock the familiar location. Default 4; 1 to MaxThreshold.
	FamiliarThreshold int
	// ObservationWindow is how long a locked location waits, after its
	// latest failure, before it allows one more attempt (and the other
	// location's latest failure must be half of it old). Default 30m;
	// positive. Keep it at least twice AD's "reset account lockout counter
	// after" time.
	ObservationWindow time.Duration
	// Intranet is IntranetSkip or IntranetCount: whether intranet attempts
	// are checked and counted. Default IntranetSkip (AD FS semantics).
	Intranet Intranet
	// FromExtranet reports whether an attempt came from the extranet
	// (through a trusted fedgate-proxy), given its request's context. Only
	// IntranetSkip consults it. Default nil: every attempt is extranet, so
	// everything is checked and counted. Wire it to the proxy-trust layer,
	// never to anything the client sends, and answer true when the origin
	// is unknown: a wrong false exempts an attacker from lockout.
	FromExtranet func(ctx context.Context) bool
	// Store keeps the state; shared by every node. Required unless Mode is
	// ModeOff.
	Store Store
	// Resolver finds the account a typed name belongs to. Required unless
	// Mode is ModeOff.
	Resolver Resolver
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives lockout events; account keys only at Debug. Default:
	// discard.
	Logger *slog.Logger
}

// withDefaults fills zero fields and checks the rest, for New.
func (c Config) withDefaults() (Config, error) {
	c = c.defaulted()
	errs := c.ruleErrors()
	if c.Mode != ModeOff {
		if c.Store == nil {
			errs = append(errs, errors.New("Store is required"))
		}
		if c.Resolver == nil {
			errs = append(errs, errors.New("Resolver is required"))
		}
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("lockout: %w", errors.Join(errs...))
	}
	return c, nil
}

// defaulted returns c with its zero fields set to the defaults.
func (c Config) defaulted() Config {
	if c.Mode == "" {
		c.Mode = ModeEnforce
	}
	if c.Threshold == 0 {
		c.Threshold = DefaultThreshold
	}
	if c.FamiliarThreshold == 0 {
		c.FamiliarThreshold = DefaultFamiliarThreshold
	}
	if c.ObservationWindow == 0 {
		c.ObservationWindow = DefaultObservationWindow
	}
	if c.Intranet == "" {
		c.Intranet = IntranetSkip
	}
	if c.FromExtranet == nil {
		c.FromExtranet = everyAttemptExtranet
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// ruleErrors checks the mode, thresholds and window of a defaulted c.
func (c Config) ruleErrors() []error {
	var errs []error
	switch c.Mode {
	case ModeOff, ModeLogOnly, ModeEnforce:
	default:
		errs = append(errs, fmt.Errorf("mode %q is not supported; use %s, %s or %s", string(c.Mode), ModeOff, ModeLogOnly, ModeEnforce))
	}
	switch c.Intranet {
	case IntranetSkip, IntranetCount:
	default:
		errs = append(errs, fmt.Errorf("intranet %q is not supported; use %s or %s", string(c.Intranet), IntranetSkip, IntranetCount))
	}
	if c.Threshold < 1 || c.Threshold > MaxThreshold {
		errs = append(errs, fmt.Errorf("threshold %d is out of range; use 1 to %d", c.Threshold, MaxThreshold))
	}
	if c.FamiliarThreshold < 1 || c.FamiliarThreshold > MaxThreshold {
		errs = append(errs, fmt.Errorf("familiar threshold %d is out of range; use 1 to %d", c.FamiliarThreshold, MaxThreshold))
	}
	if c.ObservationWindow < 0 {
		errs = append(errs, fmt.Errorf("observation window %s is negative", c.ObservationWindow))
	}
	return errs
}

// rules returns the decision rules of a defaulted c.
func (c Config) rules() rules {
	return rules{threshold: c.Threshold, familiarThreshold: c.FamiliarThreshold, window: c.ObservationWindow}
}
