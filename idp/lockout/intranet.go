package lockout

import "context"

// Intranet selects what a Policy does with intranet attempts: those that
// did not come through a trusted fedgate-proxy (Config.FromExtranet
// answers false).
type Intranet string

// Intranet handlings. The zero Intranet means IntranetSkip.
const (
	// IntranetSkip leaves intranet attempts alone, as AD FS applies
	// Extranet Lockout only to requests through the Web Application Proxy:
	// they are neither checked nor counted (AD's own lockout policy
	// applies to them), a locked extranet location does not refuse them,
	// and a good password from the intranet neither resets a counter nor
	// makes its IP familiar. Internal addresses never appear on extranet
	// requests, so as familiar IPs they would only push the user's real
	// extranet IPs out of the MaxFamiliarIPs list, and a reset would hand
	// an attacker on the internet fresh guesses.
	IntranetSkip Intranet = "skip"
	// IntranetCount treats intranet attempts like extranet ones: checked,
	// counted, and a good password makes the internal IP familiar. It
	// shields AD from password spraying inside the network too, at a
	// cost: bad passwords from inside (a device retrying an old password)
	// count against the same locations, and so can lock the user out from
	// the extranet as well.
	IntranetCount Intranet = "count"
)

// applies reports whether p checks and counts the attempt whose request
// context is ctx: every extranet attempt, intranet ones only with
// IntranetCount. It is the one place this is decided, for the passive and
// the WS-Trust sign-in alike.
func (p *Policy) applies(ctx context.Context) bool {
	return p.intranet == IntranetCount || p.extranet(ctx)
}

// everyAttemptExtranet is the default Config.FromExtranet: without a way
// to tell intranet from extranet, every attempt is extranet and counted.
func everyAttemptExtranet(context.Context) bool { return true }
