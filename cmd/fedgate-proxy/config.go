package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/cmd/internal/logging"
	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/web/proxy"
)

// Config is the configuration file of fedgate-proxy. It lives here rather
// than in cmd/internal/config (which holds fedgate's) and reuses that
// package's Duration and FieldError so both files read and report alike.
type Config struct {
	// FederationName is the public federation service name, such as
	// "sts.contoso.com". Required. It is sent to fedgate as Host.
	FederationName string `yaml:"federation_name"`
	// Brand is the service name on the proxy's own error pages. Default
	// "Sign-in service".
	Brand string `yaml:"brand"`
	// Listen configures the public HTTPS listener and the probe.
	Listen Listen `yaml:"listen"`
	// Backend configures the connections to the fedgate nodes.
	Backend Backend `yaml:"backend"`
	// ProxyTrust names the proxy-trust certificate files.
	ProxyTrust ProxyTrust `yaml:"proxy_trust"`
	// Log configures the process log.
	Log Log `yaml:"log"`
}

// Listen configures the public listeners. Every timeout and limit bounds
// what one internet client can hold; zero is refused, not "unlimited".
type Listen struct {
	// Address is the HTTPS host:port. Default ":443".
	Address string `yaml:"address"`
	// ProbeAddress is a plain-HTTP host:port serving only /adfs/probe for
	// load balancers, as AD FS WAP does on port 80. Default ":80"; ""
	// disables it.
	ProbeAddress string `yaml:"probe_address"`
	// TLSCertFile and TLSKeyFile are the PEM certificate chain and key of
	// the public federation name. Required. They are re-read on SIGHUP
	// and when their modification time changes (see ReloadInterval).
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
	// ReloadInterval is how often certificate files are checked for
	// changes. Default 1m; 1s to 24h.
	ReloadInterval config.Duration `yaml:"reload_interval"`
	// ReadHeaderTimeout (default 10s; 1s to 5m; at most ReadTimeout),
	// ReadTimeout (30s), WriteTimeout (60s; must exceed
	// backend.response_header_timeout) and IdleTimeout (120s) bound each
	// client connection; 1s to 1h.
	ReadHeaderTimeout config.Duration `yaml:"read_header_timeout"`
	ReadTimeout       config.Duration `yaml:"read_timeout"`
	WriteTimeout      config.Duration `yaml:"write_timeout"`
	IdleTimeout       config.Duration `yaml:"idle_timeout"`
	// MaxHeaderBytes bounds request line and headers. Default 16384; 1024
	// to 1048576.
	MaxHeaderBytes int `yaml:"max_header_bytes"`
	// MaxBodyBytes bounds request bodies; larger ones get 413 and are not
	// forwarded. Default 1048576; 1024 to 67108864.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
}

// BackendNode is one fedgate node.
type BackendNode struct {
	// URL is https://host[:port] as the proxy reaches the node. Required.
	URL string `yaml:"url"`
	// ServerName is the name expected in the node's TLS certificate.
	// Default: the host of URL.
	ServerName string `yaml:"server_name"`
}

// Backend configures the mutual-TLS connections to the fedgate nodes.
type Backend struct {
	// Nodes are the fedgate nodes, 1 to 16. Requests go to healthy nodes
	// in turn, with failover.
	Nodes []BackendNode `yaml:"nodes"`
	// CAFile is the PEM bundle of CAs that sign the nodes' TLS
	// certificates. Required: the proxy sends passwords to the nodes and
	// authenticates them against this pinned bundle, never the system
	// roots.
	CAFile string `yaml:"ca_file"`
	// DialTimeout (default 5s), TLSHandshakeTimeout (10s),
	// ResponseHeaderTimeout (30s) and IdleConnTimeout (90s); 1s to 5m.
	DialTimeout           config.Duration `yaml:"dial_timeout"`
	TLSHandshakeTimeout   config.Duration `yaml:"tls_handshake_timeout"`
	ResponseHeaderTimeout config.Duration `yaml:"response_header_timeout"`
	IdleConnTimeout       config.Duration `yaml:"idle_conn_timeout"`
	// MaxResponseHeaderBytes bounds a node's response headers. Default
	// 65536; 1024 to 1048576.
	MaxResponseHeaderBytes int64 `yaml:"max_response_header_bytes"`
	// MaxResponseBytes bounds a node's response body. Default 16777216;
	// 65536 to 268435456.
	MaxResponseBytes int64 `yaml:"max_response_bytes"`
	// HealthInterval is the time between health probes of every node.
	// Default 10s; 1s to 1h.
	HealthInterval config.Duration `yaml:"health_interval"`
	// HealthTimeout bounds one probe. Default 5s; 1s to 1m.
	HealthTimeout config.Duration `yaml:"health_timeout"`
}

// ProxyTrust names the proxy-trust key pair written by `enroll` and
// renewed automatically.
type ProxyTrust struct {
	// CertFile is the proxy's client certificate (PEM). Default
	// "/var/lib/fedgate-proxy/proxy-trust.crt".
	CertFile string `yaml:"cert_file"`
	// KeyFile is its private key (PEM, mode 0600). Default
	// "/var/lib/fedgate-proxy/proxy-trust.key". Whoever holds it can
	// assert client addresses to fedgate until it is revoked.
	KeyFile string `yaml:"key_file"`
	// Server is the fedgate URL used to enroll and renew. Default: the
	// first backend node.
	Server string `yaml:"server"`
	// RenewCheckInterval is how often the certificate's age is checked.
	// Default 1h; 1m to 24h. Renewal starts at two thirds of the lifetime.
	RenewCheckInterval config.Duration `yaml:"renew_check_interval"`
}

// Log configures the process log.
type Log struct {
	// Level is debug, info (default), warn or error.
	Level string `yaml:"level"`
	// Format is json (default) or text.
	Format string `yaml:"format"`
}

// Default returns the configuration with every default applied.
func Default() Config {
	return Config{
		Listen: Listen{
			Address: ":443", ProbeAddress: ":80",
			ReloadInterval:    config.Duration(time.Minute),
			ReadHeaderTimeout: config.Duration(10 * time.Second), ReadTimeout: config.Duration(30 * time.Second),
			WriteTimeout: config.Duration(60 * time.Second), IdleTimeout: config.Duration(120 * time.Second),
			MaxHeaderBytes: 16384, MaxBodyBytes: proxy.DefaultMaxBodyBytes,
		},
		Backend: Backend{
			DialTimeout:            config.Duration(proxy.DefaultDialTimeout),
			TLSHandshakeTimeout:    config.Duration(proxy.DefaultTLSHandshakeTimeout),
			ResponseHeaderTimeout:  config.Duration(proxy.DefaultResponseHeaderTimeout),
			IdleConnTimeout:        config.Duration(proxy.DefaultIdleConnTimeout),
			MaxResponseHeaderBytes: proxy.DefaultMaxResponseHeaderBytes,
			MaxResponseBytes:       proxy.DefaultMaxResponseBytes,
			HealthInterval:         config.Duration(10 * time.Second),
			HealthTimeout:          config.Duration(proxy.DefaultHealthTimeout),
		},
		ProxyTrust: ProxyTrust{
			CertFile:           "/var/lib/fedgate-proxy/proxy-trust.crt",
			KeyFile:            "/var/lib/fedgate-proxy/proxy-trust.key",
			RenewCheckInterval: config.Duration(time.Hour),
		},
		Log: Log{Level: logging.LevelInfo, Format: logging.FormatJSON},
	}
}

// maxConfigFile bounds the configuration file, in bytes.
const maxConfigFile = 1 << 20

// LoadConfig reads and parses the file at path.
func LoadConfig(path string) (Config, error) {
	data, err := proxytrust.ReadFileLimited(path, maxConfigFile)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return ParseConfig(data)
}

// ParseConfig decodes a configuration document strictly (an unknown key,
// a wrong type or a second document is an error) over Default, then runs
// Validate.
func ParseConfig(data []byte) (Config, error) {
	if len(data) > maxConfigFile {
		return Config{}, fmt.Errorf("config: %d bytes; the limit is %d", len(data), maxConfigFile)
	}
	cfg := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return Config{}, errors.New("config: the file is empty; set at least federation_name, listen.tls_cert_file, listen.tls_key_file, backend.nodes and backend.ca_file")
		}
		return Config{}, fmt.Errorf("config: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Config{}, errors.New("config: the file holds more than one YAML document; put everything in one")
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("config:\n%w", err)
	}
	return cfg, nil
}

// checks collects FieldErrors.
type checks struct{ errs []error }

func (c *checks) add(path, problem, hint string) {
	c.errs = append(c.errs, &config.FieldError{Path: path, Problem: problem, Hint: hint})
}

func (c *checks) required(path, v, hint string) bool {
	if v == "" {
		c.add(path, "is required", hint)
		return false
	}
	return true
}

func (c *checks) duration(path string, d config.Duration, lo, hi time.Duration) {
	if d.Std() < lo || d.Std() > hi {
		c.add(path, d.String()+" is out of range", fmt.Sprintf("use a duration from %s to %s", config.Duration(lo), config.Duration(hi)))
	}
}

func (c *checks) intRange(path string, v, lo, hi int64) {
	if v < lo || v > hi {
		c.add(path, fmt.Sprintf("%d is out of range", v), fmt.Sprintf("use %d to %d bytes", lo, hi))
	}
}

func (c *checks) hostPort(path, addr string) {
	host, port, err := net.SplitHostPort(addr)
	n, perr := strconv.ParseUint(port, 10, 16)
	if err != nil || perr != nil || n > 65535 {
		c.add(path, strconv.Quote(addr)+" is not host:port", `use host:port, such as ":443" or "192.0.2.10:443"`)
		return
	}
	if host != "" && net.ParseIP(host) == nil {
		if _, err := proxytrust.NormalizeProxyName(host); err != nil {
			c.add(path, "host "+strconv.Quote(host)+" is not a host name or IP address", `use host:port, such as ":443"`)
		}
	}
}

// httpsURL checks an https://host[:port] URL without path, query or
// credentials. Problems never quote the URL (it could hold credentials).
func (c *checks) httpsURL(path, raw string) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		c.add(path, "is not a URL", "use https://host[:port]")
	case u.Scheme != "https":
		c.add(path, "scheme "+strconv.Quote(u.Scheme)+" is not supported", "use https://host[:port]; fedgate is reached over mutual TLS")
	case u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		c.add(path, "must be https://host[:port] only", "remove credentials, path, query and fragment")
	}
}

// Validate checks every setting and returns all problems, joined; it reads
// no files.
func (cfg Config) Validate() error {
	var c checks
	if c.required("federation_name", cfg.FederationName, "set the public federation name, such as sts.contoso.com") {
		if _, err := proxytrust.NormalizeProxyName(cfg.FederationName); err != nil {
			c.add("federation_name", strconv.Quote(cfg.FederationName)+" is not a DNS name", "use a host name without scheme, port or path")
		}
	}
	l := cfg.Listen
	if c.required("listen.address", l.Address, `use host:port, such as ":443"`) {
		c.hostPort("listen.address", l.Address)
	}
	if l.ProbeAddress != "" {
		c.hostPort("listen.probe_address", l.ProbeAddress)
		if l.ProbeAddress == l.Address && !strings.HasSuffix(l.Address, ":0") { // ":0" picks a free port each
			c.add("listen.probe_address", "is the same as listen.address", `use another port, such as ":80", or "" to disable it`)
		}
	}
	c.required("listen.tls_cert_file", l.TLSCertFile, "set the PEM certificate chain of the public federation name")
	c.required("listen.tls_key_file", l.TLSKeyFile, "set the PEM private key of listen.tls_cert_file")
	c.duration("listen.reload_interval", l.ReloadInterval, time.Second, 24*time.Hour)
	c.duration("listen.read_header_timeout", l.ReadHeaderTimeout, time.Second, 5*time.Minute)
	c.duration("listen.read_timeout", l.ReadTimeout, time.Second, time.Hour)
	c.duration("listen.write_timeout", l.WriteTimeout, time.Second, time.Hour)
	c.duration("listen.idle_timeout", l.IdleTimeout, time.Second, time.Hour)
	if l.ReadHeaderTimeout > l.ReadTimeout && l.ReadTimeout > 0 {
		c.add("listen.read_header_timeout", "is longer than listen.read_timeout", "use a value no longer than read_timeout")
	}
	c.intRange("listen.max_header_bytes", int64(l.MaxHeaderBytes), 1024, 1<<20)
	c.intRange("listen.max_body_bytes", l.MaxBodyBytes, 1024, 64<<20)

	b := cfg.Backend
	switch n := len(b.Nodes); {
	case n == 0:
		c.add("backend.nodes", "is empty", "list at least one fedgate node as - url: https://fs1.corp.contoso.com")
	case n > proxy.MaxNodes:
		c.add("backend.nodes", fmt.Sprintf("has %d entries", n), fmt.Sprintf("use at most %d", proxy.MaxNodes))
	}
	for i, n := range b.Nodes {
		p := fmt.Sprintf("backend.nodes[%d]", i)
		if c.required(p+".url", n.URL, "use https://host[:port]") {
			c.httpsURL(p+".url", n.URL)
		}
		if n.ServerName != "" {
			if _, err := proxytrust.NormalizeProxyName(n.ServerName); err != nil && net.ParseIP(n.ServerName) == nil {
				c.add(p+".server_name", strconv.Quote(n.ServerName)+" is not a host name", "use the DNS name in the node's certificate, or leave it empty")
			}
		}
	}
	c.required("backend.ca_file", b.CAFile, "set the PEM bundle of the CA that signs the fedgate nodes' TLS certificates")
	c.duration("backend.dial_timeout", b.DialTimeout, time.Second, 5*time.Minute)
	c.duration("backend.tls_handshake_timeout", b.TLSHandshakeTimeout, time.Second, 5*time.Minute)
	c.duration("backend.response_header_timeout", b.ResponseHeaderTimeout, time.Second, 5*time.Minute)
	c.duration("backend.idle_conn_timeout", b.IdleConnTimeout, time.Second, 5*time.Minute)
	if b.ResponseHeaderTimeout >= l.WriteTimeout && l.WriteTimeout > 0 {
		c.add("backend.response_header_timeout", "is not shorter than listen.write_timeout",
			"keep it shorter, so a slow node yields the unavailable page instead of a dropped connection")
	}
	c.intRange("backend.max_response_header_bytes", b.MaxResponseHeaderBytes, 1024, 1<<20)
	c.intRange("backend.max_response_bytes", b.MaxResponseBytes, 64<<10, 256<<20)
	c.duration("backend.health_interval", b.HealthInterval, time.Second, time.Hour)
	c.duration("backend.health_timeout", b.HealthTimeout, time.Second, time.Minute)

	pt := cfg.ProxyTrust
	c.required("proxy_trust.cert_file", pt.CertFile, "set where `fedgate-proxy enroll` stores the proxy certificate")
	c.required("proxy_trust.key_file", pt.KeyFile, "set where `fedgate-proxy enroll` stores the proxy key")
	if pt.Server != "" {
		c.httpsURL("proxy_trust.server", pt.Server)
	}
	c.duration("proxy_trust.renew_check_interval", pt.RenewCheckInterval, time.Minute, 24*time.Hour)

	if _, err := logging.ParseLevel(cfg.Log.Level); err != nil {
		c.add("log.level", strconv.Quote(cfg.Log.Level)+" is not supported", "use debug, info, warn or error")
	}
	if cfg.Log.Format != logging.FormatJSON && cfg.Log.Format != logging.FormatText {
		c.add("log.format", strconv.Quote(cfg.Log.Format)+" is not supported", "use json or text")
	}
	return errors.Join(c.errs...)
}

// serverNode returns the node used for enrollment and renewal: the one
// whose URL is proxy_trust.server (or override), else the first.
func (cfg *Config) serverNode(override string) BackendNode {
	want := override
	if want == "" {
		want = cfg.ProxyTrust.Server
	}
	if want == "" {
		return cfg.Backend.Nodes[0]
	}
	for _, n := range cfg.Backend.Nodes {
		if n.URL == want {
			return n
		}
	}
	return BackendNode{URL: want}
}
