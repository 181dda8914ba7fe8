package ldapauth_test

import (
	"testing"

	"github.com/fedgate/fedgate/ldapauth/internal/bindbench"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

// benchTargets are the in-process directory and, when FEDGATE_AD_ENV is
// set, the Samba lab.
func benchTargets(b *testing.B) []bindbench.Target {
	b.Helper()
	targets := []bindbench.Target{bindbench.LdaptestTarget(ldaptest.NewT(b))}
	env, ok, err := bindbench.SambaFromEnv()
	if err != nil {
		b.Fatal(err)
	}
	if ok {
		t, err := bindbench.SambaTarget(b.Context(), env)
		if err != nil {
			b.Fatal(err)
		}
		targets = append(targets, t)
	}
	return targets
}

// BenchmarkAuthenticate measures a pooled sign-in for a relying party
// without group rules: user search and bind.
func BenchmarkAuthenticate(b *testing.B) {
	for _, t := range benchTargets(b) {
		b.Run(t.Name, bindbench.PooledWithoutGroups(t))
	}
}

// BenchmarkAuthenticateWithGroups adds the nested-group lookup.
func BenchmarkAuthenticateWithGroups(b *testing.B) {
	for _, t := range benchTargets(b) {
		b.Run(t.Name, bindbench.Pooled(t))
	}
}

// BenchmarkRawBind is the directory's own bind rate on open connections:
// the floor BenchmarkAuthenticate is compared against.
func BenchmarkRawBind(b *testing.B) {
	for _, t := range benchTargets(b) {
		b.Run(t.Name, bindbench.RawBind(t))
	}
}

// BenchmarkDialPerBind is a bind on a fresh TLS connection each time, the
// cost the pools avoid.
func BenchmarkDialPerBind(b *testing.B) {
	for _, t := range benchTargets(b) {
		b.Run(t.Name, bindbench.DialPerBind(t))
	}
}
