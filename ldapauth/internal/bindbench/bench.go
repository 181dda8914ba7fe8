package bindbench

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/fedgate/fedgate/ldapauth"
)

// dialTimeout bounds raw dials.
const dialTimeout = 5 * time.Second

// Target is one directory to measure.
type Target struct {
	// Name labels results ("ldaptest", "samba").
	Name string
	// Config builds the pooled Client.
	Config ldapauth.Config
	// URL is the ldaps:// URL raw connections dial; TLS verifies it.
	URL string
	TLS *tls.Config
	// User signs in through the Client; UserDN is bound raw. Password is
	// theirs. Never logged.
	User, UserDN, Password string
}

// Pooled measures Client.Authenticate with the target's group lookup:
// user search, bind and group read.
func Pooled(t Target) func(*testing.B) { return pooled(t, false) }

// PooledWithoutGroups measures Client.Authenticate under
// ldapauth.WithoutGroups: user search and bind, the sign-in for a relying
// party whose rules use no groups (Office 365 without access rules).
func PooledWithoutGroups(t Target) func(*testing.B) { return pooled(t, true) }

func pooled(t Target, withoutGroups bool) func(*testing.B) {
	return func(b *testing.B) {
		c, err := ldapauth.New(t.Config)
		if err != nil {
			b.Fatalf("bindbench: %v", err)
		}
		b.Cleanup(func() { _ = c.Close() })
		ctx := context.Background()
		if withoutGroups {
			ctx = ldapauth.WithoutGroups(ctx)
		}
		if _, err := c.Authenticate(ctx, t.User, t.Password); err != nil { // warm both pools
			b.Fatalf("bindbench: warm-up sign-in: %v", err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.Authenticate(ctx, t.User, t.Password); err != nil {
					b.Errorf("bindbench: Authenticate: %v", err)
					return
				}
			}
		})
	}
}

// RawBind measures binds on connections opened beforehand, one per
// RunParallel goroutine: the directory's own bind rate.
func RawBind(t Target) func(*testing.B) {
	return func(b *testing.B) {
		conns := make([]*ldap.Conn, runtime.GOMAXPROCS(0))
		for i := range conns {
			c, err := t.dial()
			if err != nil {
				b.Fatalf("bindbench: %v", err)
			}
			b.Cleanup(func() { _ = c.Close() })
			conns[i] = c
		}
		var next atomic.Int32
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			conn := conns[int(next.Add(1)-1)%len(conns)]
			for pb.Next() {
				if err := conn.Bind(t.UserDN, t.Password); err != nil {
					b.Errorf("bindbench: bind: %v", err)
					return
				}
			}
		})
	}
}

// DialPerBind measures a fresh connection per bind: dial, TLS, bind, close.
func DialPerBind(t Target) func(*testing.B) {
	return func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				conn, err := t.dial()
				if err != nil {
					b.Errorf("bindbench: %v", err)
					return
				}
				err = conn.Bind(t.UserDN, t.Password)
				_ = conn.Close()
				if err != nil {
					b.Errorf("bindbench: bind: %v", err)
					return
				}
			}
		})
	}
}

func (t Target) dial() (*ldap.Conn, error) {
	c, err := ldap.DialURL(t.URL, ldap.DialWithTLSConfig(t.TLS), ldap.DialWithDialer(&net.Dialer{Timeout: dialTimeout}))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", t.URL, err)
	}
	return c, nil
}

// Result is one target's measurements, in operations per second.
type Result struct {
	Name string
	// SignInsPerSec is the pooled sign-in for a relying party whose rules
	// use no groups (search + bind: Office 365 without access rules);
	// GroupSignInsPerSec the same with the target's GroupLookup (default
	// token_groups), for parties whose claim rules or access use groups.
	SignInsPerSec, GroupSignInsPerSec float64
	// RawBindsPerSec is binds on open connections; DialBindsPerSec binds
	// on a fresh connection each.
	RawBindsPerSec, DialBindsPerSec float64
}

// Ratio is sign-ins per second over raw binds per second (goal >= 0.8).
func (r Result) Ratio() float64 { return safeDiv(r.SignInsPerSec, r.RawBindsPerSec) }

// GroupRatio is Ratio for a sign-in that also reads the user's nested
// groups.
func (r Result) GroupRatio() float64 { return safeDiv(r.GroupSignInsPerSec, r.RawBindsPerSec) }

// PoolSpeedup is how many times more binds per second a reused
// connection gives than a dial per bind.
func (r Result) PoolSpeedup() float64 { return safeDiv(r.RawBindsPerSec, r.DialBindsPerSec) }

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// Measure runs the benchmarks rounds times, alternating them so that a
// noisy neighbour on a shared machine skews all alike, and reports each
// one's median round. It returns an error when a benchmark failed.
func Measure(t Target, rounds int) (Result, error) {
	benches := []struct {
		name string
		fn   func(*testing.B)
		out  *float64
	}{
		{"pooled sign-in", PooledWithoutGroups(t), nil},
		{"pooled sign-in with groups", Pooled(t), nil},
		{"raw bind", RawBind(t), nil},
		{"dial per bind", DialPerBind(t), nil},
	}
	res := Result{Name: t.Name}
	benches[0].out, benches[1].out = &res.SignInsPerSec, &res.GroupSignInsPerSec
	benches[2].out, benches[3].out = &res.RawBindsPerSec, &res.DialBindsPerSec
	samples := make([][]float64, len(benches))
	for range max(rounds, 1) {
		for i, bench := range benches {
			r := testing.Benchmark(bench.fn)
			if r.N == 0 || r.T <= 0 {
				return res, fmt.Errorf("bindbench: %s: %s benchmark failed", t.Name, bench.name)
			}
			samples[i] = append(samples[i], float64(r.N)/r.T.Seconds())
		}
	}
	for i, bench := range benches {
		slices.Sort(samples[i])
		*bench.out = samples[i][len(samples[i])/2]
	}
	return res, nil
}

// Write prints results as a table with the ratios.
func Write(w io.Writer, results []Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s %11s %6s %11s %6s %12s %12s %8s\n", "directory",
		"sign-ins/s", "ratio", "+groups/s", "ratio", "raw binds/s", "dial+bind/s", "pool")
	for _, r := range results {
		fmt.Fprintf(&b, "%-9s %11.0f %6.2f %11.0f %6.2f %12.0f %12.0f %7.1fx\n", r.Name,
			r.SignInsPerSec, r.Ratio(), r.GroupSignInsPerSec, r.GroupRatio(),
			r.RawBindsPerSec, r.DialBindsPerSec, r.PoolSpeedup())
	}
	b.WriteString("sign-ins/s: pooled Authenticate as a relying party without group rules gets it (search +\n" +
		"bind; Office 365 by default); +groups/s: the same with the nested-group lookup\n" +
		"(token_groups), for parties whose claim rules or access use groups; ratio: over raw\n" +
		"binds/s on open connections, same directory, same run (goal >= 0.80 against a real DC);\n" +
		"pool: raw binds/s over dial+bind/s, what reusing connections saves.\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("bindbench: write: %w", err)
	}
	return nil
}
