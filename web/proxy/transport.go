package proxy

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Upstream connection pool sizing.
const (
	// maxIdleConnsPerNode is how many idle keep-alive connections to one
	// node are kept. It must cover the requests in flight to a node at
	// peak: with net/http's default of 2, every connection beyond the
	// second is closed when its response ends and the next request pays
	// a new TCP and mutual-TLS handshake. (http.DefaultTransport's
	// MaxIdleConns of 100 is per transport, that is per node, and
	// larger.)
	maxIdleConnsPerNode = 64
	// tcpKeepAlive is the TCP keep-alive probe interval on node
	// connections.
	tcpKeepAlive = 30 * time.Second
)

// upstream is one generation of a node's connection pool: the transport
// built when leaf was the current proxy-trust certificate. Its
// connections are reused across requests (HTTP/1.1 keep-alive or
// HTTP/2), so the mutual-TLS handshake happens once per connection, not
// per request. Every handshake asks the ClientCertificate afresh, so a
// connection opened just as the certificate changes may already present
// the next one; the next request then starts the next generation, which
// costs one handshake and nothing else.
type upstream struct {
	transport *http.Transport
	leaf      *x509.Certificate
}

// transports builds and rotates the upstream generations of one node.
type transports struct {
	serverName string
	cfg        *Config

	mu  sync.Mutex // serialises rotation
	cur atomic.Pointer[upstream]
}

// current returns the generation for the current proxy-trust certificate.
// When the certificate has changed since the generation was built
// (renewal, re-enrollment, a reload on SIGHUP), it builds a new one and
// retires the old: its idle connections are closed now and its busy
// ones go idle after their response and close after IdleConnTimeout,
// never carrying another request. So every request after a certificate
// change is sent on a connection that presented the new certificate,
// even under a load that never lets a connection go idle; closing idle
// connections alone would leave busy ones presenting the old certificate
// until it expires or is revoked, and fedgate would then refuse them.
//
// The check is a pointer comparison on the hot path (KeyPair returns the
// same *x509.Certificate until it reloads), with a byte comparison as a
// fallback for a ClientCertificate that returns fresh copies.
func (ts *transports) current() *http.Transport {
	leaf := ts.cfg.ClientCert.Leaf()
	if u := ts.cur.Load(); u != nil && sameCertificate(u.leaf, leaf) {
		return u.transport
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	old := ts.cur.Load()
	if old != nil && sameCertificate(old.leaf, leaf) {
		return old.transport // another request rotated first
	}
	u := &upstream{transport: newTransport(ts.serverName, ts.cfg), leaf: leaf}
	ts.cur.Store(u)
	if old != nil {
		old.transport.CloseIdleConnections()
	}
	return u.transport
}

// closeIdle closes the idle connections of the current generation.
func (ts *transports) closeIdle() {
	if u := ts.cur.Load(); u != nil {
		u.transport.CloseIdleConnections()
	}
}

func sameCertificate(a, b *x509.Certificate) bool {
	if a == b {
		return true
	}
	return a != nil && b != nil && bytes.Equal(a.Raw, b.Raw)
}

// newTransport builds the transport of one node: cloned from
// http.DefaultTransport (HTTP/2 when the node offers it, keep-alives),
// with every timeout and limit set, no environment proxy, the pinned
// RootCAs and the proxy-trust client certificate, and an idle pool large
// enough that concurrent requests reuse their connections.
//
// TLS session resumption stays off on purpose (no ClientSessionCache): a
// resumed session carries the client certificate of the handshake that
// created it, so a connection opened after a renewal could still present
// the old certificate. With pooled connections handshakes are rare and
// resumption would gain nothing.
func newTransport(serverName string, cfg *Config) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // never relay passwords through an HTTPS_PROXY from the environment
	t.DialContext = (&net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: tcpKeepAlive}).DialContext
	t.TLSClientConfig = &tls.Config{
		MinVersion:           tls.VersionTLS12,
		RootCAs:              cfg.RootCAs,
		ServerName:           serverName,
		GetClientCertificate: cfg.ClientCert.GetClientCertificate,
	}
	t.TLSHandshakeTimeout = cfg.TLSHandshakeTimeout
	t.ResponseHeaderTimeout = cfg.ResponseHeaderTimeout
	t.IdleConnTimeout = cfg.IdleConnTimeout
	t.MaxResponseHeaderBytes = cfg.MaxResponseHeaderBytes
	t.MaxIdleConnsPerHost = maxIdleConnsPerNode
	t.ForceAttemptHTTP2 = true
	return t
}
