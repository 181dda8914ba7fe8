package storetest

import (
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/store"
)

type test struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// Run runs the conformance suite against stores made by open, which must
// return a fresh, empty store and register its Close with t.Cleanup. Each
// subtest gets its own store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	groups := []struct {
		name  string
		tests []test
	}{
		{"TOTP", totpTests()},
		{"UseOnce", useOnceTests()},
		{"Failures", failureTests()},
		{"Lockout", lockoutTests()},
		{"Audit", auditTests()},
		{"ProxyTrust", proxyTrustTests()},
		{"AppPasswords", appPasswordTests()},
		{"RecoveryCodes", recoveryTests()},
		{"RelyingParties", relyingPartyTests()},
		{"GC", gcTests()},
		{"MFAService", mfaTests()},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tt := range g.tests {
				t.Run(tt.name, func(t *testing.T) { tt.run(t, open(t)) })
			}
		})
	}
}

// Reference instants. past and future are far enough from any real clock
// that expiry tests do not depend on when they run.
func past() time.Time   { return time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC) }
func future() time.Time { return time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC) }

// t0 has nanoseconds and a non-UTC zone on purpose.
func t0() time.Time {
	return time.Date(2031, 7, 8, 9, 10, 11, 123456789, time.FixedZone("UTC+5", 5*3600))
}

// stored is t as a store returns it: UTC, microsecond precision.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
