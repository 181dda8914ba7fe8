package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/ldapauth"
)

// LockoutCheckTimeout bounds CheckLockoutPolicy's directory read, so an
// unreachable directory delays `serve` and `check-config` by at most this.
const LockoutCheckTimeout = 10 * time.Second

// Severity grades a LockoutFinding.
type Severity string

// Severities.
const (
	// SeverityInfo describes the policies; nothing needs to change.
	SeverityInfo Severity = "info"
	// SeverityWarning means AD can lock accounts that fedgate should
	// have protected, or nothing limits password guessing; the message
	// says what to change. `check-config --strict` fails on it.
	SeverityWarning Severity = "warning"
)

// LockoutFinding is one result of comparing extranet_lockout with the
// domain's account lockout policy.
type LockoutFinding struct {
	Severity Severity
	// Message names both numbers and what to change; it is one line.
	Message string
}

// DomainPolicyReader reads the domain's account lockout policy;
// *ldapauth.Client satisfies it.
type DomainPolicyReader interface {
	ReadDomainLockoutPolicy(ctx context.Context) (ldapauth.DomainLockoutPolicy, error)
}

// LockoutPolicyCheck is the outcome of CheckLockoutPolicy.
type LockoutPolicyCheck struct {
	// AD is the domain's policy; valid when Err is nil.
	AD ldapauth.DomainLockoutPolicy
	// Findings are the comparison's results, warnings first; none when
	// Err is set.
	Findings []LockoutFinding
	// Err is set when the policy could not be read (directory down,
	// unreadable domain object); nothing was compared then.
	Err error
}

// Warnings counts the findings of SeverityWarning.
func (r LockoutPolicyCheck) Warnings() int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == SeverityWarning {
			n++
		}
	}
	return n
}

// CheckLockoutPolicy reads the domain's lockout policy through r (within
// LockoutCheckTimeout) and compares it with c. serve logs the result at
// start and check-config prints it.
func CheckLockoutPolicy(ctx context.Context, c config.ExtranetLockout, r DomainPolicyReader) LockoutPolicyCheck {
	ctx, cancel := context.WithTimeout(ctx, LockoutCheckTimeout)
	defer cancel()
	ad, err := r.ReadDomainLockoutPolicy(ctx)
	if err != nil {
		return LockoutPolicyCheck{Err: err}
	}
	return LockoutPolicyCheck{AD: ad, Findings: CompareLockoutPolicy(c, ad)}
}

// CompareLockoutPolicy compares extranet_lockout with AD's lockout policy
// (o365-reference §6; the rule the idp/lockout package doc derives): in
// enforce mode threshold + familiar_threshold must stay below AD's
// threshold, and observation_window must be at least twice AD's "reset
// account lockout counter after", or attackers on the internet can still
// lock accounts in AD. In log_only mode the same comparisons are
// informational (nothing is refused yet). It is pure and returns warnings
// first.
func CompareLockoutPolicy(c config.ExtranetLockout, ad ldapauth.DomainLockoutPolicy) []LockoutFinding {
	var warn, info []LockoutFinding
	add := func(sev Severity, format string, v ...any) {
		f := LockoutFinding{Severity: sev, Message: fmt.Sprintf(format, v...)}
		if sev == SeverityWarning {
			warn = append(warn, f)
		} else {
			info = append(info, f)
		}
	}
	if c.Mode == config.LockoutOff {
		if ad.Threshold == 0 {
			add(SeverityWarning, "extranet_lockout.mode is off and AD never locks accounts (lockoutThreshold 0): nothing limits password guessing from the internet; set extranet_lockout.mode to enforce")
		} else {
			add(SeverityInfo, "extranet_lockout.mode is off: every password guess from the internet reaches AD, which locks the account after %d", ad.Threshold)
		}
		return append(warn, info...)
	}
	if ad.Threshold == 0 {
		if c.Mode == config.LockoutEnforce {
			add(SeverityInfo, "AD never locks accounts (lockoutThreshold 0): extranet lockout (%d + %d bad passwords) is the only limit on password guessing from the internet",
				c.Threshold, c.FamiliarThreshold)
		} else {
			add(SeverityWarning, "extranet_lockout.mode is %s and AD never locks accounts (lockoutThreshold 0): nothing limits password guessing from the internet; set extranet_lockout.mode to enforce", c.Mode)
		}
		return append(warn, info...)
	}

	sev, applies := SeverityWarning, ""
	if c.Mode != config.LockoutEnforce {
		sev, applies = SeverityInfo, " (applies once extranet_lockout.mode is enforce)"
	}
	ok := true
	if sum := c.Threshold + c.FamiliarThreshold; sum >= ad.Threshold {
		ok = false
		fix := "raise AD's threshold: extranet lockout cannot stay below it"
		if each := (ad.Threshold - 1) / 2; each >= 1 {
			fix = fmt.Sprintf("lower them to a sum of at most %d, for example threshold: %d and familiar_threshold: %d, or raise AD's threshold", ad.Threshold-1, each, each)
		}
		add(sev, "extranet_lockout.threshold + familiar_threshold = %d + %d = %d is not below AD's account lockout threshold %d: attackers can lock accounts in AD from the internet; %s%s",
			c.Threshold, c.FamiliarThreshold, sum, ad.Threshold, fix, applies)
	}
	window, adWindow := c.ObservationWindow.Std(), ad.ObservationWindow
	if window < 2*adWindow {
		ok = false
		how := "is less than twice"
		if window < adWindow {
			how = "is shorter than"
		}
		add(sev, "extranet_lockout.observation_window %s %s AD's \"reset account lockout counter after\" (%s): AD can add a locked location's once-per-window attempts to earlier failures and lock the account; set observation_window to at least %s%s",
			c.ObservationWindow, how, config.Duration(adWindow), config.Duration(2*adWindow), applies)
	}
	if ok {
		add(SeverityInfo, "extranet lockout fits AD's policy: %d + %d bad passwords stay below AD's threshold %d and observation_window %s is at least twice AD's %s",
			c.Threshold, c.FamiliarThreshold, ad.Threshold, c.ObservationWindow, config.Duration(adWindow))
	}
	return append(warn, info...)
}

// DescribeDomainLockoutPolicy renders AD's policy in one line for
// operators.
func DescribeDomainLockoutPolicy(ad ldapauth.DomainLockoutPolicy) string {
	if ad.Threshold == 0 {
		return "AD lockout policy: accounts never lock (lockoutThreshold 0)"
	}
	duration := "until an administrator unlocks them"
	if ad.Duration > 0 {
		duration = "for " + config.Duration(ad.Duration).String()
	}
	return fmt.Sprintf("AD lockout policy: %d bad passwords lock an account %s; the count resets %s after the last bad password",
		ad.Threshold, duration, config.Duration(ad.ObservationWindow))
}

// LogLockoutPolicyCheck logs r at serve start: warnings at Warn, the rest
// at Info, and a failed read at Warn (serving continues either way).
func LogLockoutPolicyCheck(ctx context.Context, log *slog.Logger, r LockoutPolicyCheck) {
	if r.Err != nil {
		log.WarnContext(ctx, "could not read AD's account lockout policy; extranet_lockout was not compared with it",
			slog.Any("error", r.Err))
		return
	}
	duration := "until_unlocked"
	if r.AD.Duration > 0 {
		duration = config.Duration(r.AD.Duration).String()
	}
	log.LogAttrs(ctx, slog.LevelInfo, "AD account lockout policy", slog.Int("ad_lockout_threshold", r.AD.Threshold),
		slog.String("ad_observation_window", config.Duration(r.AD.ObservationWindow).String()), slog.String("ad_lockout_duration", duration))
	for _, f := range r.Findings {
		level, msg := slog.LevelInfo, "extranet_lockout compared with AD's lockout policy"
		if f.Severity == SeverityWarning {
			level, msg = slog.LevelWarn, "extranet_lockout does not fit AD's lockout policy"
		}
		log.LogAttrs(ctx, level, msg, slog.String("detail", f.Message))
	}
}
