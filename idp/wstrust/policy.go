package wstrust

import (
	"fmt"

	"github.com/fedgate/fedgate/idp/rp"
)

// LegacyPolicy decides, per relying party, what the active endpoints do
// for users enrolled in MFA. The endpoints cannot run a TOTP step, so a
// token issued here never claims MFA (no multipleauthn in
// authnmethodsreferences); Entra then applies its own MFA according to the
// domain's federatedIdpMfaBehavior.
//
// Users not enrolled in MFA sign in with their directory password under
// every policy.
type LegacyPolicy string

// The legacy-client policies.
const (
	// DenyEnrolled refuses active sign-in to MFA-enrolled users. The
	// default: the safest choice, since a password alone must not reach
	// a token for a user who has a second factor.
	DenyEnrolled LegacyPolicy = "deny_enrolled"
	// InsideOnly lets enrolled users sign in with their directory password
	// only from inside the corporate network (Config.Inside).
	InsideOnly LegacyPolicy = "inside_only"
	// AppPassword lets enrolled users sign in only with an app password
	// (Config.AppPasswords), from anywhere; their directory password is
	// refused. App passwords are accepted nowhere else.
	AppPassword LegacyPolicy = "app_password"
)

// DefaultLegacyPolicy is used when Config.Policy is nil.
const DefaultLegacyPolicy = DenyEnrolled

// ParseLegacyPolicy checks a configured value.
func ParseLegacyPolicy(s string) (LegacyPolicy, error) {
	switch p := LegacyPolicy(s); p {
	case DenyEnrolled, InsideOnly, AppPassword:
		return p, nil
	}
	return "", fmt.Errorf("wstrust: legacy policy %q is not supported; use %q, %q or %q", s, DenyEnrolled, InsideOnly, AppPassword)
}

// PolicyByIdentifier returns a Config.Policy that looks each party up by
// any of its identifiers in m and falls back to fallback. Every value,
// fallback included, must be a valid LegacyPolicy.
func PolicyByIdentifier(m map[string]LegacyPolicy, fallback LegacyPolicy) (func(*rp.Party) LegacyPolicy, error) {
	if _, err := ParseLegacyPolicy(string(fallback)); err != nil {
		return nil, err
	}
	own := make(map[string]LegacyPolicy, len(m))
	for id, p := range m {
		if _, err := ParseLegacyPolicy(string(p)); err != nil {
			return nil, fmt.Errorf("wstrust: relying party %q: %w", id, err)
		}
		own[id] = p
	}
	return func(party *rp.Party) LegacyPolicy {
		if party != nil {
			for _, id := range party.Identifiers {
				if p, ok := own[id]; ok {
					return p
				}
			}
		}
		return fallback
	}, nil
}

// Denial reasons, written to the audit trail as "legacy_policy:<reason>".
const (
	denyEnrolledUser        = "mfa_enrolled"
	denyOutside             = "outside_corporate_network"
	denyAppPasswordRequired = "app_password_required"
	denyAppPasswordRefused  = "app_password_not_accepted"
	denyUnknownPolicy       = "unknown_policy"
)

// decide is the legacy-client policy matrix. enrolled: the user has a
// confirmed TOTP enrollment; inside: the request came from inside the
// corporate network; usedAppPassword: the credential that verified was an
// app password rather than the directory password. An unknown policy
// denies everything (fail closed).
//
//	policy         not enrolled              enrolled
//	deny_enrolled  password ✓  app pw ✗      ✗
//	inside_only    password ✓  app pw ✗      password inside ✓, else ✗
//	app_password   password ✓  app pw ✓      app pw ✓, password ✗
func decide(enrolled bool, policy LegacyPolicy, inside, usedAppPassword bool) (allow bool, reason string) {
	switch policy {
	case DenyEnrolled, InsideOnly, AppPassword:
	default:
		return false, denyUnknownPolicy
	}
	if usedAppPassword && policy != AppPassword {
		return false, denyAppPasswordRefused
	}
	if !enrolled {
		return true, ""
	}
	switch policy {
	case InsideOnly:
		if inside {
			return true, ""
		}
		return false, denyOutside
	case AppPassword:
		if usedAppPassword {
			return true, ""
		}
		return false, denyAppPasswordRequired
	}
	return false, denyEnrolledUser
}
