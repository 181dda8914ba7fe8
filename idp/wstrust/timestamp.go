package wstrust

import (
	"fmt"
	"time"
)

// Timestamp window defaults.
const (
	// DefaultClockSkew is the tolerance for client clocks on both ends of
	// the Timestamp: 5 minutes, as WCF (and so AD FS) allows by default.
	DefaultClockSkew = 5 * time.Minute
	// DefaultMaxMessageAge bounds Expires − Created. MSAL sends 10 minutes
	// and WCF 5; an hour is generous and still bounds how long a message
	// ID must be remembered.
	DefaultMaxMessageAge = time.Hour
)

// checkTimestamp enforces the WS-Security Timestamp window (WSS SOAP
// Message Security 1.1 §10): Expires after Created; Expires − Created at
// most maxAge; Created not later than now + skew; and now before
// Expires + skew. A request that passes stays replayable only until
// Expires + skew, which is therefore how long its message ID is kept.
func checkTimestamp(created, expires, now time.Time, skew, maxAge time.Duration) *Fault {
	switch {
	case !expires.After(created):
		return securityFault(SubInvalidSecurity, "The Timestamp Expires is not after Created.", nil)
	case expires.Sub(created) > maxAge:
		return securityFault(SubMessageExpired,
			fmt.Sprintf("The Timestamp lifetime is longer than %s; send Expires at most %s after Created.", maxAge, maxAge),
			fmt.Errorf("wstrust: timestamp lifetime %s", expires.Sub(created)))
	case created.After(now.Add(skew)):
		return securityFault(SubMessageExpired,
			"The Timestamp Created is in the future; check the client's clock.",
			fmt.Errorf("wstrust: created %s ahead of server time", created.Sub(now)))
	case !now.Before(expires.Add(skew)):
		return securityFault(SubMessageExpired,
			"The message has expired (Timestamp Expires has passed); check the client's clock.",
			fmt.Errorf("wstrust: expired %s ago", now.Sub(expires)))
	}
	return nil
}
