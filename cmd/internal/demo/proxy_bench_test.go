package demo_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/fedgate/fedgate/internal/testclock"
)

// benchRoute is how a benchmark request reaches fedgate.
type benchRoute int

const (
	// routeDirect: client TLS straight to fedgate, no client certificate.
	routeDirect benchRoute = iota
	// routeDirectProxyCert: straight to fedgate, presenting the enrolled
	// proxy-trust certificate, so fedgate does its per-request proxy-trust
	// work (proxytrust.Headers) without the proxy hop.
	routeDirectProxyCert
	// routeViaProxy: client TLS to fedgate-proxy, mutual TLS onwards.
	routeViaProxy
)

// benchmarkPassive measures GET /adfs/ls/?wa=wsignin1.0… (the sign-in
// page: realm and reply lookup, CSRF cookie, sealed flow state, template)
// over real TLS with keep-alive connections, concurrently, and reports
// requests per second. routeViaProxy sends it through fedgate-proxy
// (client TLS to the proxy, mutual TLS and the proxy-trust check to
// fedgate).
func benchmarkPassive(b *testing.B, route benchRoute) {
	p := publish(b, "extranet_only", testclock.New(time.Now().UTC()))
	c := p.client(insideIP, route == routeViaProxy, nil)
	if route == routeDirectProxyCert {
		tr := c.Transport.(*http.Transport)
		tr.TLSClientConfig.GetClientCertificate = p.kp.GetClientCertificate
	}
	target := p.d.FedgateURL + signInPath
	get := func() error {
		req, err := http.NewRequest(http.MethodGet, target, nil)
		if err != nil {
			return err
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return &statusError{resp.StatusCode}
		}
		return nil
	}
	if err := get(); err != nil { // warm up connections and caches
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := get(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

type statusError struct{ status int }

func (e *statusError) Error() string { return http.StatusText(e.status) }

// BenchmarkPassiveDirect is the sign-in page straight from fedgate.
func BenchmarkPassiveDirect(b *testing.B) { benchmarkPassive(b, routeDirect) }

// BenchmarkPassiveViaProxy is the same page through fedgate-proxy; compare
// its req/s with BenchmarkPassiveDirect from the same run.
func BenchmarkPassiveViaProxy(b *testing.B) { benchmarkPassive(b, routeViaProxy) }

// BenchmarkPassiveDirectProxyCert is the page straight from fedgate over a
// connection that presents the proxy-trust certificate: the difference
// to BenchmarkPassiveDirect is fedgate's own per-request cost of trusting
// a proxy, the difference to BenchmarkPassiveViaProxy the proxy hop.
func BenchmarkPassiveDirectProxyCert(b *testing.B) { benchmarkPassive(b, routeDirectProxyCert) }
