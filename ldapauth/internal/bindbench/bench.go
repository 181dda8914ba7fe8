package bindbench

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"runtime"
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

// Pooled measures Client.Authenticate.
func Pooled(t Target) func(*testing.B) {
	return func(b *testing.B) {
		c, err := ldapauth.New(t.Config)
		if err != nil {
			b.Fatalf("bindbench: %v", err)
		}
		b.Cleanup(func() { _ = c.Close() })
		ctx := context.Background()
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
	Name                          string
	SignInsPerSec, RawBindsPerSec float64
	DialBindsPerSec               float64
	SignInAllocs                  int64
	signInNs, rawNs, dialNs       int64
}

// Ratio is sign-ins per second over raw binds per second (goal >= 0.8).
func (r Result) Ratio() float64 { return safeDiv(r.SignInsPerSec, r.RawBindsPerSec) }

// PoolSpeedup is how many times more binds per second a reused
// connection gives than a dial per bind.
func (r Result) PoolSpeedup() float64 { return safeDiv(r.RawBindsPerSec, r.DialBindsPerSec) }

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// Measure runs the three benchmarks rounds times, alternating them so a
// noisy neighbour skews all alike, and keeps each one's best round. It
// returns an error when a benchmark failed.
func Measure(t Target, rounds int) (Result, error) {
	res := Result{Name: t.Name}
	best := func(cur *int64, r testing.BenchmarkResult) {
		if r.N > 0 && (*cur == 0 || r.NsPerOp() < *cur) {
			*cur = r.NsPerOp()
		}
	}
	for range max(rounds, 1) {
		p := testing.Benchmark(Pooled(t))
		if p.N == 0 {
			return res, fmt.Errorf("bindbench: %s: pooled sign-in benchmark failed", t.Name)
		}
		best(&res.signInNs, p)
		res.SignInAllocs = p.AllocsPerOp()
		r := testing.Benchmark(RawBind(t))
		if r.N == 0 {
			return res, fmt.Errorf("bindbench: %s: raw bind benchmark failed", t.Name)
		}
		best(&res.rawNs, r)
		d := testing.Benchmark(DialPerBind(t))
		if d.N == 0 {
			return res, fmt.Errorf("bindbench: %s: dial-per-bind benchmark failed", t.Name)
		}
		best(&res.dialNs, d)
	}
	perSec := func(ns int64) float64 { return safeDiv(1e9, float64(ns)) }
	res.SignInsPerSec, res.RawBindsPerSec, res.DialBindsPerSec = perSec(res.signInNs), perSec(res.rawNs), perSec(res.dialNs)
	return res, nil
}

// Write prints results as a table with the ratios.
func Write(w io.Writer, results []Result) error {
	if _, err := fmt.Fprintf(w, "%-9s %12s %12s %7s %13s %13s\n",
		"directory", "sign-ins/s", "raw binds/s", "ratio", "dial+bind/s", "pool speedup"); err != nil {
		return fmt.Errorf("bindbench: write: %w", err)
	}
	for _, r := range results {
		if _, err := fmt.Fprintf(w, "%-9s %12.0f %12.0f %7.2f %13.0f %12.1fx\n",
			r.Name, r.SignInsPerSec, r.RawBindsPerSec, r.Ratio(), r.DialBindsPerSec, r.PoolSpeedup()); err != nil {
			return fmt.Errorf("bindbench: write: %w", err)
		}
	}
	_, err := fmt.Fprintln(w, "ratio = pooled sign-ins (search + bind + groups) / raw binds on open connections; goal >= 0.80 against a real DC")
	if err != nil {
		return fmt.Errorf("bindbench: write: %w", err)
	}
	return nil
}
