package lockout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Reasons reported in Decision.Reason; they are also the audit reasons of
// refused attempts.
const (
	// ReasonLockedUnfamiliar: the unfamiliar-IP location is locked.
	ReasonLockedUnfamiliar = "extranet_lockout_unfamiliar"
	// ReasonLockedFamiliar: the familiar-IP location is locked.
	ReasonLockedFamiliar = "extranet_lockout_familiar"
)

// Decision is the outcome of Policy.Check for one attempt. Pass it back to
// exactly one of Failure, Success or Release once the directory has
// answered.
type Decision struct {
	// Allowed: the password may be checked against the directory. false
	// only in ModeEnforce, for a locked location; show the same message
	// as for a wrong password and do not contact the directory.
	Allowed bool
	// Familiar: the client IP is one of the account's familiar IPs.
	Familiar bool
	// Reason is ReasonLockedUnfamiliar or ReasonLockedFamiliar when the
	// location is locked (refused in ModeEnforce, only reported in
	// ModeLogOnly), otherwise "".
	Reason string
	// RetryAt is when a locked location allows its next attempt; zero
	// when not locked. For operators only: telling the client would tell
	// an attacker when to come back.
	RetryAt time.Time

	key       string    // account key; "" when nothing is tracked
	ip        string    // canonical client IP, "" if none
	claimedAt time.Time // when the attempt was counted; zero if not counted
	prevLast  time.Time // the counter's Last before the claim
	count     int       // the counter after the claim
}

// Policy applies extranet smart lockout. It is safe for concurrent use.
type Policy struct {
	mode     Mode
	intranet Intranet
	extranet func(context.Context) bool
	rules    rules
	store    Store
	resolver Resolver
	now      func() time.Time
	log      *slog.Logger
}

// errUnchanged aborts an UpdateLockout that has nothing to write.
var errUnchanged = errors.New("lockout: unchanged")

// New checks cfg, applies its defaults and returns a Policy.
func New(cfg Config) (*Policy, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Policy{
		mode:     cfg.Mode,
		intranet: cfg.Intranet,
		extranet: cfg.FromExtranet,
		rules:    cfg.rules(),
		store:    cfg.Store,
		resolver: cfg.Resolver,
		now:      cfg.Now,
		log:      cfg.Logger,
	}, nil
}

// Mode returns the policy's mode.
func (p *Policy) Mode() Mode { return p.mode }

// Check runs before the password is sent to the directory. It resolves
// username to its account, decides from the account's state and the
// client IP whether the attempt may proceed and, when it may, counts it as
// a bad password in the same atomic update. A name that matches no account
// is allowed and not counted (the directory will refuse it). With
// IntranetSkip an intranet attempt (ctx is the request's context, see
// Config.FromExtranet) is allowed at once: no directory search, nothing
// read or written, and the outcome calls that follow do nothing.
//
// In ModeEnforce an error means "refuse the attempt": the directory or the
// store could not answer, and nothing was counted. In ModeLogOnly errors
// are logged and the attempt is allowed.
func (p *Policy) Check(ctx context.Context, username, clientIP string) (Decision, error) {
	if p.mode == ModeOff {
		return Decision{Allowed: true}, nil
	}
	if !p.applies(ctx) {
		p.log.LogAttrs(ctx, slog.LevelDebug, "intranet attempt; extranet lockout does not apply", slog.String("intranet", string(p.intranet)))
		return Decision{Allowed: true}, nil
	}
	key, found, err := p.resolver.ResolveUser(ctx, username)
	if err != nil {
		return p.failed(ctx, fmt.Errorf("lockout: resolve user: %w", err))
	}
	if !found {
		return Decision{Allowed: true}, nil
	}
	ip, _ := CanonicalIP(clientIP)
	now := p.instant()
	var d Decision
	_, err = p.store.UpdateLockout(ctx, key, func(s State) (State, error) {
		v := p.rules.evaluate(s, ip, now)
		d = Decision{Allowed: true, Familiar: v.familiar, key: key, ip: ip}
		if v.locked {
			d.Reason, d.RetryAt = lockedReason(v.familiar), v.retryAt
			if p.mode == ModeEnforce {
				d.Allowed = false
				return s, errUnchanged
			}
		}
		c := *s.counter(v.familiar)
		d.claimedAt, d.prevLast, d.count = now, c.Last, min(c.Count+1, MaxCount)
		return claim(s, v.familiar, now), nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return p.failed(ctx, fmt.Errorf("lockout: count attempt: %w", err))
	}
	if d.Reason != "" {
		msg := "extranet lockout refused attempt"
		if d.Allowed {
			msg = "extranet lockout would refuse attempt (log_only)"
		}
		p.log.LogAttrs(ctx, slog.LevelInfo, msg, slog.String("reason", d.Reason), slog.Time("retry_at", d.RetryAt))
		p.log.LogAttrs(ctx, slog.LevelDebug, msg, slog.String("user_key", key), slog.String("client_ip", ip))
	}
	return d, nil
}

// Failure records that the directory judged the password of an allowed
// attempt bad (ldapauth.ReasonBadPassword only). The attempt was already
// counted by Check, so Failure writes nothing; it logs when the attempt
// locked its location.
func (p *Policy) Failure(ctx context.Context, d Decision) error {
	if d.claimedAt.IsZero() {
		return nil
	}
	if d.count == p.threshold(d.Familiar) {
		p.log.LogAttrs(ctx, slog.LevelWarn, "extranet lockout engaged",
			slog.String("location", location(d.Familiar)), slog.Int("bad_passwords", d.count),
			slog.Time("retry_at", d.claimedAt.Add(p.rules.window)), slog.String("mode", string(p.mode)))
		p.log.LogAttrs(ctx, slog.LevelDebug, "extranet lockout engaged for account", slog.String("user_key", d.key))
	}
	return nil
}

// Success records a good password for an allowed attempt: it resets the
// familiar counter, also the unfamiliar one when the IP was unfamiliar,
// and makes the client IP the most recent familiar IP.
func (p *Policy) Success(ctx context.Context, d Decision) error {
	if d.key == "" || !d.Allowed {
		return nil
	}
	_, err := p.store.UpdateLockout(ctx, d.key, func(s State) (State, error) {
		return succeed(s, d.Familiar, d.ip), nil
	})
	if err != nil {
		return fmt.Errorf("lockout: record success: %w", err)
	}
	return nil
}

// Release refunds an allowed attempt whose password the directory did not
// judge bad: the directory was unreachable or timed out, or refused the
// account for another reason (disabled, expired, locked in AD, …). A DC
// outage therefore never counts against the user.
func (p *Policy) Release(ctx context.Context, d Decision) error {
	if d.claimedAt.IsZero() {
		return nil
	}
	_, err := p.store.UpdateLockout(ctx, d.key, func(s State) (State, error) {
		return release(s, d.Familiar, d.claimedAt, d.prevLast), nil
	})
	if err != nil {
		return fmt.Errorf("lockout: release attempt: %w", err)
	}
	return nil
}

// failed applies the mode's error policy: ModeLogOnly fails open.
func (p *Policy) failed(ctx context.Context, err error) (Decision, error) {
	if p.mode == ModeLogOnly {
		p.log.LogAttrs(ctx, slog.LevelWarn, "extranet lockout check failed; allowing (log_only)", slog.Any("error", err))
		return Decision{Allowed: true}, nil
	}
	return Decision{}, err
}

// instant is now as the store keeps it (UTC, microseconds), so a claim's
// time compares equal after a round trip.
func (p *Policy) instant() time.Time { return p.now().UTC().Truncate(time.Microsecond) }

func (p *Policy) threshold(familiar bool) int {
	if familiar {
		return p.rules.familiarThreshold
	}
	return p.rules.threshold
}

func lockedReason(familiar bool) string {
	if familiar {
		return ReasonLockedFamiliar
	}
	return ReasonLockedUnfamiliar
}

func location(familiar bool) string {
	if familiar {
		return "familiar"
	}
	return "unfamiliar"
}
