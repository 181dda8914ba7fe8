package proxy

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
)

// node is one fedgate node with its own connection pool (its TLS
// ServerName may differ from the others').
type node struct {
	url      string // as configured, for logs and status
	host     string // host:port placed in the outbound URL
	upstream *transports
	healthy  atomic.Bool
}

// NodeStatus is a node's health as the proxy sees it.
type NodeStatus struct {
	URL     string
	Healthy bool
}

// newNode checks a node's URL and prepares its connection pool; no
// connection is opened until the first request or probe.
func newNode(n Node, cfg *Config) (*node, error) {
	u, err := parseNodeURL(n.URL)
	if err != nil {
		return nil, err
	}
	serverName := n.ServerName
	if serverName == "" {
		serverName = u.Hostname()
	}
	nd := &node{url: n.URL, host: u.Host, upstream: &transports{serverName: serverName, cfg: cfg}}
	nd.healthy.Store(true) // optimistic until the first probe says otherwise
	return nd, nil
}

// errNoNode is returned when every node failed; the ErrorHandler turns it
// into the unavailable page.
var errNoNode = errors.New("proxy: no fedgate node answered")

// candidates returns the nodes in the order to try them: healthy nodes
// round-robin from the next start position, then the nodes marked down,
// as a last resort so that one failed probe cannot black out the service.
func (p *Proxy) candidates() []*node {
	n := len(p.nodes)
	start := int(p.next.Add(1)-1) % n
	out := make([]*node, 0, n)
	var down []*node
	for i := range n {
		nd := p.nodes[(start+i)%n]
		if nd.healthy.Load() {
			out = append(out, nd)
		} else {
			down = append(down, nd)
		}
	}
	return append(out, down...)
}

// failover is the ReverseProxy's transport: it sends the request to one
// node after another until one answers.
type failover struct{ p *Proxy }

// RoundTrip tries the candidates in order. A failed attempt moves on to
// the next node only when the request cannot have reached the first one:
// its headers were not written and none of its body was read. Anything
// else (a timeout after sending, a reset mid-response) is returned, since
// repeating a POST could repeat a sign-in.
func (f failover) RoundTrip(req *http.Request) (*http.Response, error) {
	var body *guardedBody
	if req.Body != nil && req.Body != http.NoBody {
		body = &guardedBody{rc: req.Body}
	}
	var lastErr error
	for _, nd := range f.p.candidates() {
		var wrote atomic.Bool
		ctx := httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			WroteHeaders: func() { wrote.Store(true) },
		})
		out := req.WithContext(ctx)
		u := *req.URL
		u.Host = nd.host
		out.URL = &u
		if body != nil {
			out.Body = body
		}
		resp, err := nd.upstream.current().RoundTrip(out)
		if err == nil {
			f.p.setHealthy(nd, true, nil)
			if st := stateFrom(req.Context()); st != nil {
				st.node = nd.url
			}
			return resp, nil
		}
		lastErr = err
		if req.Context().Err() != nil || wrote.Load() || (body != nil && body.touched()) {
			return nil, fmt.Errorf("proxy: node %s: %w", nd.url, err)
		}
		f.p.setHealthy(nd, false, err)
	}
	return nil, fmt.Errorf("%w: last error: %w", errNoNode, lastErr)
}

// guardedBody lets the failover transport retry a request whose body was
// never read: it records reads and ignores Close (the transport closes
// the body of a failed attempt; ReverseProxy and the server close the
// real one when the handler returns).
type guardedBody struct {
	rc   io.ReadCloser
	mu   sync.Mutex
	read bool
}

func (g *guardedBody) Read(b []byte) (int, error) {
	g.mu.Lock()
	g.read = true
	g.mu.Unlock()
	return g.rc.Read(b)
}

func (g *guardedBody) Close() error { return nil }

func (g *guardedBody) touched() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.read
}

// setHealthy records a node's state and logs transitions.
func (p *Proxy) setHealthy(nd *node, up bool, cause error) {
	if nd.healthy.Swap(up) == up {
		return
	}
	if up {
		p.log.Info("fedgate node is up", slog.String("node", nd.url))
		return
	}
	p.log.Warn("fedgate node is down", slog.String("node", nd.url), slog.Any("error", cause))
}

// Nodes returns every node's health, in configuration order.
func (p *Proxy) Nodes() []NodeStatus {
	out := make([]NodeStatus, len(p.nodes))
	for i, nd := range p.nodes {
		out[i] = NodeStatus{URL: nd.url, Healthy: nd.healthy.Load()}
	}
	return out
}

// CloseIdleConnections closes idle connections to every node (at
// shutdown, or after a renewal to release them early). A changed
// client certificate does not depend on it: the first request after the
// change opens a new pool (see transports.current).
func (p *Proxy) CloseIdleConnections() {
	for _, nd := range p.nodes {
		nd.upstream.closeIdle()
	}
}
