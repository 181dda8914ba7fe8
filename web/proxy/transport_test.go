package proxy_test

import (
	"crypto"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/proxytrust/proxytrusttest"
	"github.com/fedgate/fedgate/web/proxy"
)

// get sends GET path through the proxy and reads the whole response.
func (e *env) get(t *testing.T, c *http.Client, path string) (int, string, error) {
	t.Helper()
	resp, err := c.Get(e.front.URL + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// TestUpstream_RequestsReuseConnections: requests through the proxy share
// keep-alive connections to the node, so the mutual-TLS handshake is paid
// per connection, not per request. Sequential requests use one
// connection; concurrent clients use at most two per client (a request
// that finds every connection busy dials one, and may be served by
// another that frees up meanwhile), however many requests they send.
// A transport per request, a too small idle pool or a response body left
// unread would each open far more.
func TestUpstream_RequestsReuseConnections(t *testing.T) {
	tests := []struct {
		name              string
		clients, requests int // requests per client
		maxConns          int64
	}{
		{"sequential", 1, 50, 1},
		{"concurrent", 8, 40, 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, 1, nil)
			n, c := e.nodes[0], e.client()
			var wg sync.WaitGroup
			for range tt.clients {
				wg.Go(func() {
					for range tt.requests {
						status, body, err := e.get(t, c, "/adfs/ls/?wa=wsignin1.0")
						if err != nil || status != http.StatusOK || body != n.name {
							t.Errorf("GET: %d %q %v", status, body, err)
							return
						}
					}
				})
			}
			wg.Wait()
			if got, want := len(n.requests()), tt.clients*tt.requests; got != want {
				t.Fatalf("node saw %d requests, want %d", got, want)
			}
			if conns, hs := n.conns.Load(), n.handshakes.Load(); conns > tt.maxConns || hs > tt.maxConns {
				t.Fatalf("%d requests opened %d connections with %d TLS handshakes; want at most %d",
					tt.clients*tt.requests, conns, hs, tt.maxConns)
			}
		})
	}
}

// TestUpstream_NewCertificateIsUsedByTheNextRequest: once the proxy-trust
// certificate changes (here a reload without CloseIdleConnections, as
// after a SIGHUP or a re-enrollment), no request is sent on a connection
// that presented the old one, so revoking the old certificate disturbs
// nothing; the new connection is then reused like any other.
func TestUpstream_NewCertificateIsUsedByTheNextRequest(t *testing.T) {
	e := newEnv(t, 1, nil)
	n, c := e.nodes[0], e.client()
	send := func(t *testing.T) seenRequest {
		t.Helper()
		status, body, err := e.get(t, c, "/adfs/ls/")
		if err != nil || status != http.StatusOK {
			t.Fatalf("GET: %d %q %v", status, body, err)
		}
		return e.lastSeen(t)
	}
	oldSerial := proxytrust.SerialString(e.kp.Leaf().SerialNumber)
	for range 3 {
		if got := send(t).PeerSerial; got != oldSerial {
			t.Fatalf("node saw certificate %q, want %q", got, oldSerial)
		}
	}
	if got := n.conns.Load(); got != 1 {
		t.Fatalf("%d connections before the change, want 1", got)
	}

	pair := proxytrusttest.Enroll(t, e.auth, proxyName)
	certFile, keyFile := e.kp.Files()
	if err := proxy.WriteKeyPair(certFile, keyFile, proxytrust.CertificatePEM(pair.Leaf), pair.PrivateKey.(crypto.Signer)); err != nil {
		t.Fatal(err)
	}
	if err := e.kp.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.auth.Revoke(t.Context(), oldSerial); err != nil {
		t.Fatal(err)
	}
	newSerial := proxytrust.SerialString(pair.Leaf.SerialNumber)
	for i := range 3 {
		got := send(t)
		if got.PeerSerial != newSerial || got.Origin.Proxy != proxyName {
			t.Fatalf("request %d after the change: certificate %q (origin %+v), want %q", i, got.PeerSerial, got.Origin, newSerial)
		}
	}
	if got := n.conns.Load(); got != 2 {
		t.Fatalf("%d connections in all, want 2 (one per certificate)", got)
	}
}

// TestResponseLimit: a node response of exactly MaxResponseBytes is
// delivered whole, and its connection reused; one byte more is cut off.
// Both with and without Content-Length (chunked, where the end of the
// body arrives in a read of its own).
func TestResponseLimit(t *testing.T) {
	const body = "node1" // what the first node answers
	tests := []struct {
		name, path string
		limit      int64
		whole      bool
	}{
		{"exactly the limit", "/adfs/ls/", int64(len(body)), true},
		{"exactly the limit, chunked", "/adfs/ls/?chunked", int64(len(body)), true},
		{"over the limit", "/adfs/ls/", int64(len(body)) - 1, false},
		{"over the limit, chunked", "/adfs/ls/?chunked", int64(len(body)) - 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, 1, func(c *proxy.Config) { c.MaxResponseBytes = tt.limit })
			c := e.client()
			for range 2 {
				status, got, err := e.get(t, c, tt.path)
				if tt.whole && (err != nil || status != http.StatusOK || got != body) {
					t.Fatalf("GET: %d %q %v, want 200 %q", status, got, err, body)
				}
				if !tt.whole && err == nil && got == body {
					t.Fatalf("GET: %d %q delivered whole over a limit of %d bytes", status, got, tt.limit)
				}
			}
			if conns := e.nodes[0].conns.Load(); tt.whole && conns != 1 {
				t.Fatalf("%d connections for two responses within the limit, want 1", conns)
			}
		})
	}
}
