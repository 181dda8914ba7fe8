package demo_test

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// benchmarkPassive measures GET /adfs/ls/?wa=wsignin1.0… (the sign-in
// page: realm and reply lookup, CSRF cookie, sealed flow state, template)
// over real TLS with keep-alive connections, concurrently, and reports
// requests per second. viaProxy sends it through fedgate-proxy (client TLS
// to the proxy, mutual TLS and the proxy-trust check to fedgate).
func benchmarkPassive(b *testing.B, viaProxy bool) {
	p := publish(b, "extranet_only", &clock{t: time.Now().UTC()})
	c := p.client(insideIP, viaProxy, nil)
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
func BenchmarkPassiveDirect(b *testing.B) { benchmarkPassive(b, false) }

// BenchmarkPassiveViaProxy is the same page through fedgate-proxy; compare
// its req/s with BenchmarkPassiveDirect from the same run.
func BenchmarkPassiveViaProxy(b *testing.B) { benchmarkPassive(b, true) }
