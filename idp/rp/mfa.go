package rp

import "fmt"

// MFAPolicy says when a relying party's passive sign-in needs the TOTP
// step after the password. Where a request comes from (extranet = through
// a trusted fedgate-proxy) is decided by the proxy-trust layer, never by
// this package.
type MFAPolicy string

// MFA policies. The zero value is not a policy; NewRegistry turns it into
// MFAAlways.
const (
	// MFAAlways requires the second factor on every sign-in.
	MFAAlways MFAPolicy = "always"
	// MFAExtranetOnly requires it only for sign-ins that come through a
	// trusted proxy (AD FS "extranet" access). Inside the corporate network
	// the password alone issues a token that claims single-factor
	// authentication and insidecorporatenetwork=true.
	MFAExtranetOnly MFAPolicy = "extranet_only"
	// MFANever never asks for the second factor; tokens claim single-factor
	// authentication, so the relying party can still demand its own MFA.
	MFANever MFAPolicy = "never"
)

// ParseMFAPolicy returns the policy named s: "always", "extranet_only" or
// "never".
func ParseMFAPolicy(s string) (MFAPolicy, error) {
	switch p := MFAPolicy(s); p {
	case MFAAlways, MFAExtranetOnly, MFANever:
		return p, nil
	}
	return "", fmt.Errorf("rp: MFA policy %q is not supported; use %q, %q or %q", s, MFAAlways, MFAExtranetOnly, MFANever)
}

// Required reports whether a sign-in needs the second factor. extranet is
// true for a request that came through a trusted proxy. An unknown policy
// requires MFA (fail closed).
func (p MFAPolicy) Required(extranet bool) bool {
	switch p {
	case MFANever:
		return false
	case MFAExtranetOnly:
		return extranet
	}
	return true
}
