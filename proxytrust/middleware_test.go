package proxytrust_test

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/proxytrust/proxytrusttest"
)

// seen is what the handler behind the middleware observed.
type seen struct {
	ClientIP  string
	Extranet  bool
	Proxy     string
	Forwarded []string // every forwarding header still present
}

func TestHeaders_ForwardedAddressTrustedOnlyWithProxyCertificate(t *testing.T) {
	f := newFixture(t, nil)
	good := proxytrusttest.Enroll(t, f.a, "wap1.contoso.com")
	revoked := proxytrusttest.Enroll(t, f.a, "wap2.contoso.com")
	if _, err := f.a.Revoke(t.Context(), proxytrust.SerialString(revoked.Leaf.SerialNumber)); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	h := (&proxytrust.Headers{Verifier: f.a.Verifier()}).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var fw []string
		for k := range r.Header {
			if proxytrust.IsForwardingHeader(k) {
				fw = append(fw, k)
			}
		}
		_ = json.NewEncoder(w).Encode(seen{
			ClientIP: proxytrust.ClientIP(r.Context()), Extranet: proxytrust.Extranet(r.Context()),
			Proxy: proxytrust.ProxyName(r.Context()), Forwarded: fw,
		})
	}))
	srv, roots := tlsServer(t, f.a.Verifier(), h)

	tests := []struct {
		name       string
		cert       *tls.Certificate
		headers    map[string]string
		wantStatus int
		want       seen
	}{
		{
			name:       "direct client spoofing the headers",
			headers:    map[string]string{proxytrust.HeaderForwardedClientIP: "198.51.100.66", proxytrust.HeaderProxy: "evil", "X-Forwarded-For": "198.51.100.67", "X_MS_Forwarded_Client_IP": "198.51.100.68"},
			wantStatus: http.StatusOK,
			want:       seen{ClientIP: "127.0.0.1"},
		},
		{
			name:       "trusted proxy",
			cert:       &good,
			headers:    map[string]string{proxytrust.HeaderForwardedClientIP: "203.0.113.7", proxytrust.HeaderProxy: "claims-another-name"},
			wantStatus: http.StatusOK,
			want:       seen{ClientIP: "203.0.113.7", Extranet: true, Proxy: "wap1.contoso.com", Forwarded: []string{proxytrust.HeaderForwardedClientIP, proxytrust.HeaderProxy}},
		},
		{
			name:       "trusted proxy's own probe without a forwarded address",
			cert:       &good,
			wantStatus: http.StatusOK,
			want:       seen{ClientIP: "127.0.0.1", Extranet: true, Proxy: "wap1.contoso.com"},
		},
		{
			name:       "trusted proxy with an unusable forwarded address",
			cert:       &good,
			headers:    map[string]string{proxytrust.HeaderForwardedClientIP: "not-an-ip"},
			wantStatus: http.StatusOK,
			want:       seen{ClientIP: "127.0.0.1", Extranet: true, Proxy: "wap1.contoso.com", Forwarded: []string{proxytrust.HeaderForwardedClientIP}},
		},
		{
			name:       "revoked proxy certificate",
			cert:       &revoked,
			headers:    map[string]string{proxytrust.HeaderForwardedClientIP: "203.0.113.7"},
			wantStatus: http.StatusForbidden,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := calls.Load()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/adfs/ls/", nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.headers {
				req.Header[k] = []string{v}
			}
			resp, err := client(roots, tt.cert).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus != http.StatusOK {
				if calls.Load() != before {
					t.Fatal("the handler ran for a rejected request")
				}
				return
			}
			var got seen
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if got.ClientIP != tt.want.ClientIP || got.Extranet != tt.want.Extranet || got.Proxy != tt.want.Proxy {
				t.Errorf("origin = %+v, want %+v", got, tt.want)
			}
			if len(got.Forwarded) != len(tt.want.Forwarded) {
				t.Errorf("forwarding headers reaching the handler = %v, want %v", got.Forwarded, tt.want.Forwarded)
			}
		})
	}
}

func TestHeaders_CertificateFromAnotherCAFailsTheHandshake(t *testing.T) {
	f := newFixture(t, nil)
	other := newFixture(t, nil)
	foreign := proxytrusttest.Enroll(t, other.a, "wap1.contoso.com")
	h := (&proxytrust.Headers{Verifier: f.a.Verifier()}).Wrap(http.NotFoundHandler())
	srv, roots := tlsServer(t, f.a.Verifier(), h)
	_, err := client(roots, &foreign).Get(srv.URL + "/")
	if err == nil {
		t.Fatal("a certificate from another CA was accepted")
	}
}

func TestHeaders_StoreFailureFailsClosed(t *testing.T) {
	f := newFixture(t, func(c *proxytrust.Config) { c.RevocationCacheTTL = -1 })
	good := proxytrusttest.Enroll(t, f.a, "wap1.contoso.com")
	var rejected atomic.Int32
	h := (&proxytrust.Headers{
		Verifier: f.a.Verifier(),
		OnReject: func(w http.ResponseWriter, _ *http.Request, status int, _ error) {
			rejected.Add(1)
			w.WriteHeader(status)
		},
	}).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("handler ran") }))
	srv, roots := tlsServer(t, f.a.Verifier(), h)
	f.store.SetError(errors.New("database down"))
	resp, err := client(roots, &good).Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || rejected.Load() != 1 {
		t.Fatalf("status %d, OnReject calls %d; want 503 via OnReject", resp.StatusCode, rejected.Load())
	}
}

func TestVerifier_RevocationCache(t *testing.T) {
	f := newFixture(t, nil)
	cert := proxytrusttest.Enroll(t, f.a, "wap1.contoso.com")
	// A second node on the same store: its revocations reach f's verifier
	// only through the store, after the cache entry expires.
	node2, err := proxytrust.New(proxytrust.Config{CA: f.ca, Store: f.store, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	v := f.a.Verifier()
	if _, err := v.CheckCertificate(t.Context(), cert.Leaf); err != nil {
		t.Fatal(err)
	}
	lookups := f.store.Lookups()
	if _, err := v.CheckCertificate(t.Context(), cert.Leaf); err != nil || f.store.Lookups() != lookups {
		t.Fatalf("second check: %v, lookups %d → %d; want a cache hit", err, lookups, f.store.Lookups())
	}
	if _, err := node2.Revoke(t.Context(), proxytrust.SerialString(cert.Leaf.SerialNumber)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.CheckCertificate(t.Context(), cert.Leaf); err != nil {
		t.Fatalf("within the TTL the cached answer stands: %v", err)
	}
	f.clock.Advance(proxytrust.DefaultRevocationCacheTTL)
	if _, err := v.CheckCertificate(t.Context(), cert.Leaf); !errors.Is(err, proxytrust.ErrRevoked) {
		t.Fatalf("after the TTL: %v, want ErrRevoked", err)
	}
}

func TestVerifier_ExpiredAndNotYetValidByInjectedClock(t *testing.T) {
	f := newFixture(t, nil)
	cert := proxytrusttest.Enroll(t, f.a, "wap1")
	f.clock.Advance(proxytrust.DefaultCertLifetime + time.Minute)
	if _, err := f.a.Verifier().CheckCertificate(t.Context(), cert.Leaf); !errors.Is(err, proxytrust.ErrUntrusted) {
		t.Fatalf("expired: %v", err)
	}
	g := newFixture(t, nil)
	cert = proxytrusttest.Enroll(t, g.a, "wap1")
	g.clock.Advance(-time.Hour)
	if _, err := g.a.Verifier().CheckCertificate(t.Context(), cert.Leaf); !errors.Is(err, proxytrust.ErrUntrusted) ||
		!strings.Contains(err.Error(), "not valid") && !strings.Contains(err.Error(), "expired") {
		t.Fatalf("not yet valid: %v", err)
	}
}

func TestHeaders_WithoutVerifierTrustsNobody(t *testing.T) {
	f := newFixture(t, nil)
	good := proxytrusttest.Enroll(t, f.a, "wap1.contoso.com")
	var got seen
	h := (&proxytrust.Headers{}).Wrap(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = seen{ClientIP: proxytrust.ClientIP(r.Context()), Extranet: proxytrust.Extranet(r.Context()), Forwarded: r.Header.Values(proxytrust.HeaderForwardedClientIP)}
	}))
	srv, roots := tlsServer(t, f.a.Verifier(), h)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/", nil)
	req.Header.Set(proxytrust.HeaderForwardedClientIP, "203.0.113.7")
	resp, err := client(roots, &good).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got.ClientIP != "127.0.0.1" || got.Extranet || len(got.Forwarded) != 0 {
		t.Fatalf("origin %+v, want a direct client with the header removed", got)
	}
}
