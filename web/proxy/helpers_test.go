package proxy_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/proxytrust/proxytrusttest"
	"github.com/fedgate/fedgate/web/proxy"
)

const (
	federationName = "sts.contoso.com"
	proxyName      = "wap1.contoso.com"
	// clientAddr is the loopback address test clients dial from, so that
	// the proxy's view of the client (127.0.0.2) differs from fedgate's
	// view of the proxy (127.0.0.1).
	clientAddr = "127.0.0.2"
)

// seenRequest is what a fedgate node observed behind the proxytrust
// middleware.
type seenRequest struct {
	Method, Path, RawQuery, Host string
	Header                       http.Header
	Body                         string
	Origin                       proxytrust.Origin
	// PeerSerial is the serial of the client certificate on the
	// connection, "" when none was presented.
	PeerSerial string
}

// node is a stand-in fedgate node: a real TLS listener configured like
// fedgate's (client certificate requested, proxy-trust CA), the Headers
// middleware, the proxy-trust endpoints and a handler that records every
// request it is given.
type node struct {
	name string
	srv  *httptest.Server

	mu        sync.Mutex
	seen      []seenRequest
	probeDown atomic.Bool

	// conns counts the TCP connections the node accepted and handshakes
	// the TLS handshakes it completed (full or resumed).
	conns, handshakes atomic.Int64
}

func (n *node) requests() []seenRequest {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]seenRequest(nil), n.seen...)
}

// env is a complete deployment: authority, two nodes, the proxy on its
// own public TLS listener, and a client on the internet side.
type env struct {
	t      *testing.T
	clock  *proxytrusttest.Clock
	auth   *proxytrust.Authority
	pki    *proxytrusttest.ServerPKI
	nodes  []*node
	kp     *proxy.KeyPair
	proxy  *proxy.Proxy
	front  *httptest.Server
	dir    string
	logBuf *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newEnv starts nNodes fedgate nodes and a proxy in front of them; mut may
// adjust the proxy Config (for example to replace Nodes).
func newEnv(t *testing.T, nNodes int, mut func(*proxy.Config)) *env {
	t.Helper()
	// The clock starts at the real time: TLS handshakes check certificate
	// validity against the wall clock. No test asserts on elapsed time.
	clock := proxytrusttest.NewClock(time.Now())
	st := proxytrusttest.NewStore(clock.Now)
	auth, err := proxytrust.New(proxytrust.Config{CA: proxytrusttest.NewCA(t, clock.Now()), Store: st, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, clock: clock, auth: auth, pki: proxytrusttest.NewServerPKI(t, clock.Now()), dir: t.TempDir(), logBuf: &syncBuffer{}}
	for i := range nNodes {
		e.nodes = append(e.nodes, e.startNode(t, "node"+string(rune('1'+i))))
	}

	pair := proxytrusttest.Enroll(t, auth, proxyName)
	certFile, keyFile := filepath.Join(e.dir, "proxy.crt"), filepath.Join(e.dir, "proxy.key")
	if err := proxy.WriteKeyPair(certFile, keyFile, proxytrust.CertificatePEM(pair.Leaf), pair.PrivateKey.(crypto.Signer)); err != nil {
		t.Fatal(err)
	}
	if e.kp, err = proxy.LoadKeyPair(certFile, keyFile, nil); err != nil {
		t.Fatal(err)
	}

	cfg := proxy.Config{
		FederationName: federationName,
		RootCAs:        e.pki.Pool,
		ClientCert:     e.kp,
		Now:            clock.Now,
		Logger:         slog.New(slog.NewJSONHandler(e.logBuf, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, n := range e.nodes {
		cfg.Nodes = append(cfg.Nodes, proxy.Node{URL: n.srv.URL})
	}
	if mut != nil {
		mut(&cfg)
	}
	if e.proxy, err = proxy.New(cfg); err != nil {
		t.Fatal(err)
	}
	e.front = httptest.NewUnstartedServer(e.proxy.Handler())
	e.front.Config.DisableGeneralOptionsHandler = true // as cmd/fedgate-proxy sets it
	e.front.TLS = &tls.Config{Certificates: []tls.Certificate{e.pki.Leaf(t, clock.Now(), federationName, "127.0.0.1")}, MinVersion: tls.VersionTLS12}
	e.front.StartTLS()
	t.Cleanup(e.front.Close)
	t.Cleanup(e.proxy.CloseIdleConnections)
	return e
}

func (e *env) startNode(t *testing.T, name string) *node {
	t.Helper()
	n := &node{name: name}
	mux := chi.NewRouter()
	e.auth.Mount(mux)
	mux.HandleFunc("/adfs/probe", func(w http.ResponseWriter, _ *http.Request) {
		if n.probeDown.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "OK\n")
	})
	mux.HandleFunc("/*", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		o, _ := proxytrust.OriginFrom(r.Context())
		var serial string
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			serial = proxytrust.SerialString(r.TLS.PeerCertificates[0].SerialNumber)
		}
		n.mu.Lock()
		n.seen = append(n.seen, seenRequest{
			Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Host: r.Host,
			Header: r.Header.Clone(), Body: string(body), Origin: o, PeerSerial: serial,
		})
		n.mu.Unlock()
		w.Header().Set("X-Activity-Id", name+"-activity")
		_, _ = io.WriteString(w, name)
		if r.URL.Query().Has("chunked") {
			// Sent without Content-Length: the end of the body is a
			// separate read for the proxy.
			_ = http.NewResponseController(w).Flush()
		}
	})
	h := (&proxytrust.Headers{Verifier: e.auth.Verifier()}).Wrap(mux)
	n.srv = httptest.NewUnstartedServer(h)
	n.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.conns.Add(1)
		}
	}
	n.srv.TLS = e.auth.Verifier().ServerTLSConfig(&tls.Config{
		Certificates: []tls.Certificate{e.pki.Leaf(t, e.clock.Now(), "127.0.0.1", "fs.corp.contoso.com")},
		MinVersion:   tls.VersionTLS12,
		// Client certificates are checked against the test clock, so
		// renewal tests can move it forward.
		Time: e.clock.Now,
		VerifyConnection: func(tls.ConnectionState) error {
			n.handshakes.Add(1)
			return nil
		},
	})
	n.srv.StartTLS()
	t.Cleanup(n.srv.Close)
	return n
}

// totalSeen counts the requests every node has recorded.
func (e *env) totalSeen() int {
	total := 0
	for _, n := range e.nodes {
		total += len(n.requests())
	}
	return total
}

// lastSeen returns the most recent request recorded by any node.
func (e *env) lastSeen(t *testing.T) seenRequest {
	t.Helper()
	for _, n := range e.nodes {
		if r := n.requests(); len(r) > 0 {
			return r[len(r)-1]
		}
	}
	t.Fatal("no node saw a request")
	return seenRequest{}
}

// client is an internet client of the proxy, dialling from clientAddr,
// keeping as many idle connections as concurrent tests use.
func (e *env) client() *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(clientAddr)}, Timeout: 10 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:         d.DialContext,
			TLSClientConfig:     &tls.Config{RootCAs: e.pki.Pool, ServerName: federationName, MinVersion: tls.VersionTLS12},
			MaxIdleConnsPerHost: 64,
		},
		Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// raw sends one request line and headers exactly as written (no client
// normalisation), from clientAddr, and returns the response.
func (e *env) raw(t *testing.T, method, target string, header string) (*http.Response, string) {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(clientAddr)}, Timeout: 10 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", e.front.Listener.Addr().String(),
		&tls.Config{RootCAs: e.pki.Pool, ServerName: federationName, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	req := method + " " + target + " HTTP/1.1\r\nHost: " + federationName + "\r\nConnection: close\r\n" + header
	if method == http.MethodPost {
		req += "Content-Length: 4\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\na=bc"
	} else {
		req += "\r\n"
	}
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// deadNodeURL returns an https URL on which nothing listens.
func deadNodeURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "https://" + addr
}

// tick sends two ticks on ch: the second is received only after the work
// triggered by the first has finished, so the test can then observe its
// effect without sleeping.
func tick(ctx context.Context, ch chan<- time.Time) {
	for range 2 {
		select {
		case ch <- time.Time{}:
		case <-ctx.Done():
			return
		}
	}
}
