package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"time"
)

// Limits and defaults of Config.
const (
	// MaxNodes bounds Config.Nodes.
	MaxNodes = 16
	// DefaultMaxBodyBytes is the request body limit (1 MiB), the same as
	// fedgate's own listener.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultMaxResponseHeaderBytes bounds fedgate's response headers.
	DefaultMaxResponseHeaderBytes = 64 << 10
	// DefaultMaxResponseBytes bounds one response body from fedgate.
	DefaultMaxResponseBytes = 16 << 20
	// DefaultDialTimeout bounds connecting to one node (TCP).
	DefaultDialTimeout = 5 * time.Second
	// DefaultTLSHandshakeTimeout bounds the TLS handshake with a node.
	DefaultTLSHandshakeTimeout = 10 * time.Second
	// DefaultResponseHeaderTimeout bounds waiting for a node's response
	// headers after the request was sent.
	DefaultResponseHeaderTimeout = 30 * time.Second
	// DefaultIdleConnTimeout closes idle connections to nodes.
	DefaultIdleConnTimeout = 90 * time.Second
	// DefaultHealthTimeout bounds one health probe.
	DefaultHealthTimeout = 5 * time.Second
	// ProbePath is the health endpoint probed on each node and answered
	// locally for load balancers in front of the proxy.
	ProbePath = "/adfs/probe"
)

// Node is one fedgate node.
type Node struct {
	// URL is the node's base URL as the proxy reaches it, such as
	// "https://fs1.corp.contoso.com:443". Required; https only, no path,
	// query or credentials.
	URL string
	// ServerName is the name checked in the node's TLS certificate and
	// sent as SNI. Default: the host of URL. Set it to the federation name
	// when nodes are addressed by IP but carry the federation certificate.
	ServerName string
}

// ClientCertificate supplies the proxy-trust client certificate on every
// handshake with a node; *KeyPair implements it. Leaf must return the
// current certificate, whose DNS name is sent as X-MS-Proxy.
type ClientCertificate interface {
	GetClientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error)
	Leaf() *x509.Certificate
}

// Config configures a Proxy. Zero durations and sizes take the defaults
// above; negative values are refused.
type Config struct {
	// FederationName is the public federation service name, such as
	// "sts.contoso.com". Required. It is sent to fedgate as Host and
	// X-Forwarded-Host whatever Host the client sent.
	FederationName string
	// Nodes are the fedgate nodes. Required; 1 to MaxNodes.
	Nodes []Node
	// RootCAs verifies the nodes' TLS certificates. Required: the proxy
	// sends client addresses and users' passwords to the nodes, so they
	// are authenticated against a pinned CA, never the system roots by
	// accident.
	RootCAs *x509.CertPool
	// ClientCert is the proxy-trust certificate presented to the nodes.
	// Required.
	ClientCert ClientCertificate
	// Brand is the service name on the proxy's own error pages. Default
	// "Sign-in service".
	Brand string
	// MaxBodyBytes bounds request bodies; larger requests get 413 and are
	// not forwarded. Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxResponseHeaderBytes bounds a node's response headers. Default
	// DefaultMaxResponseHeaderBytes.
	MaxResponseHeaderBytes int64
	// MaxResponseBytes bounds a node's response body; a longer response is
	// cut off. Default DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// DialTimeout, TLSHandshakeTimeout, ResponseHeaderTimeout and
	// IdleConnTimeout bound the connections to the nodes (defaults
	// above). ResponseHeaderTimeout should stay below the listener's
	// WriteTimeout so the client gets the unavailable page.
	DialTimeout, TLSHandshakeTimeout, ResponseHeaderTimeout, IdleConnTimeout time.Duration
	// HealthTimeout bounds one health probe. Default DefaultHealthTimeout.
	HealthTimeout time.Duration
	// Now is the clock of the access log. Default time.Now.
	Now func() time.Time
	// Rand is the source of activity IDs. Default crypto/rand.Reader.
	Rand io.Reader
	// Logger receives one access-log line per request (path only, never
	// the query string, which can carry user names), node state changes
	// and forwarding errors. Default: discard.
	Logger *slog.Logger
}

// validate checks cfg and returns every problem.
func (cfg *Config) validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if cfg.FederationName == "" {
		add("FederationName is required")
	} else if _, _, err := net.SplitHostPort(cfg.FederationName); err == nil {
		add("FederationName %q must be a name without port", cfg.FederationName)
	}
	switch n := len(cfg.Nodes); {
	case n == 0:
		add("Nodes: at least one fedgate node is required")
	case n > MaxNodes:
		add("Nodes: %d nodes; at most %d", n, MaxNodes)
	}
	for i, n := range cfg.Nodes {
		if _, err := parseNodeURL(n.URL); err != nil {
			add("Nodes[%d]: %w", i, err)
		}
	}
	if cfg.RootCAs == nil {
		add("RootCAs is required (the CA of the fedgate nodes' TLS certificates)")
	}
	if cfg.ClientCert == nil {
		add("ClientCert is required (the proxy-trust certificate; run `fedgate-proxy enroll`)")
	}
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"MaxBodyBytes", cfg.MaxBodyBytes}, {"MaxResponseHeaderBytes", cfg.MaxResponseHeaderBytes},
		{"MaxResponseBytes", cfg.MaxResponseBytes}, {"DialTimeout", int64(cfg.DialTimeout)},
		{"TLSHandshakeTimeout", int64(cfg.TLSHandshakeTimeout)}, {"ResponseHeaderTimeout", int64(cfg.ResponseHeaderTimeout)},
		{"IdleConnTimeout", int64(cfg.IdleConnTimeout)}, {"HealthTimeout", int64(cfg.HealthTimeout)},
	} {
		if f.v < 0 {
			add("%s must not be negative", f.name)
		}
	}
	return errors.Join(errs...)
}

// parseNodeURL checks a node URL: https, a host, nothing else.
func parseNodeURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("URL %q: %w", raw, err)
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("URL %q: scheme must be https (the nodes are reached over mutual TLS)", raw)
	}
	if u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("URL %q must be https://host[:port] without credentials, path, query or fragment", raw)
	}
	return u, nil
}

func (cfg *Config) applyDefaults() {
	setDur := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	setInt := func(v *int64, def int64) {
		if *v == 0 {
			*v = def
		}
	}
	setInt(&cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	setInt(&cfg.MaxResponseHeaderBytes, DefaultMaxResponseHeaderBytes)
	setInt(&cfg.MaxResponseBytes, DefaultMaxResponseBytes)
	setDur(&cfg.DialTimeout, DefaultDialTimeout)
	setDur(&cfg.TLSHandshakeTimeout, DefaultTLSHandshakeTimeout)
	setDur(&cfg.ResponseHeaderTimeout, DefaultResponseHeaderTimeout)
	setDur(&cfg.IdleConnTimeout, DefaultIdleConnTimeout)
	setDur(&cfg.HealthTimeout, DefaultHealthTimeout)
	if cfg.Brand == "" {
		cfg.Brand = "Sign-in service"
	}
}
