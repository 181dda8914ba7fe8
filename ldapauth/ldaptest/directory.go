package ldaptest

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/hashicorp/go-hclog"
	"github.com/jimlambrt/gldap"

	"github.com/fedgate/fedgate/ldapauth"
)

// Defaults for zero-valued Config fields.
const (
	DefaultAddr         = "127.0.0.1:0"
	DefaultBaseDN       = "DC=contoso,DC=com"
	DefaultBindDN       = "CN=svc-fedgate,CN=Users,DC=contoso,DC=com"
	DefaultBindPassword = "Svc-Passw0rd!"

	// handshakeTimeout bounds how long a new connection may take to send
	// its TLS ClientHello (LDAPS) or finish StartTLS, so Close cannot be
	// held up by a client that connects and says nothing.
	handshakeTimeout = 10 * time.Second
	// startAttempts is how often Start retries when another process grabs
	// the port between choosing and binding it.
	startAttempts = 10
)

// Config configures a Directory. Zero values select the stated defaults.
type Config struct {
	// Addr is the listen address. Default "127.0.0.1:0" (a free port).
	Addr string
	// BaseDN is the naming context. Default "DC=contoso,DC=com".
	BaseDN string
	// BindDN and BindPassword are the service account. Defaults
	// "CN=svc-fedgate,CN=Users,DC=contoso,DC=com" / "Svc-Passw0rd!".
	BindDN, BindPassword string
	// Users are the accounts served. Default: none (Start), Contoso() (NewT).
	Users []User
	// Groups declares groups with their own memberships (nesting). Groups
	// that users name in MemberOf exist without being declared.
	// Default: none.
	Groups []Group
	// DomainAttributes replaces attributes of the domain object served at
	// BaseDN (objectClass domainDNS), verbatim, for example
	// {"lockoutThreshold": {"5"}} or a malformed value; an empty slice
	// removes the attribute. Default: none, so the domain carries the
	// Microsoft security baseline's lockout policy (DefaultLockoutThreshold,
	// DefaultObservationWindow, DefaultLockoutDuration).
	DomainAttributes map[string][]string
	// HideTokenGroups answers reads of tokenGroups without the attribute,
	// as AD does when the reader lacks the right to it. Default: false.
	HideTokenGroups bool
	// StartTLS serves plain ldap:// and requires the StartTLS extended
	// operation before bind or search, like a DC's port 389. Clients must
	// complete StartTLS within 10s of connecting or are disconnected.
	// Default: false, LDAPS.
	StartTLS bool
	// TLSConfig is the server TLS configuration. Default: nil, generate a
	// throwaway CA and a certificate for 127.0.0.1, ::1 and localhost.
	// With a custom config RootCAs and CACertPEM return nil.
	TLSConfig *tls.Config
	// Logger receives Debug records of binds (DN and result code, never the
	// password) and searches. Default: discard.
	Logger *slog.Logger
	// Now is the clock used for certificate validity. Default: time.Now.
	Now func() time.Time
	// Rand is the randomness for generated keys and serials.
	// Default: crypto/rand.Reader.
	Rand io.Reader
}

// Directory is a running in-process directory. Its methods are safe for
// concurrent use.
type Directory struct {
	cfg    Config
	log    *slog.Logger
	tree   *tree
	users  []User
	baseDN *ldap.DN
	bindDN *ldap.DN
	tls    *tls.Config // server config with connection tracking
	pool   *x509.CertPool
	caPEM  []byte
	url    string

	srv     *gldap.Server
	runDone chan struct{}

	binds, searches atomic.Int64
	lastFilter      atomic.Pointer[string]

	mu       sync.Mutex
	sessions map[int]*session // by gldap connection ID
	conns    map[net.Conn]struct{}
	closing  bool

	closeOnce sync.Once
	closeErr  error
}

// session is the per-connection state AD keeps: TLS and bound identity.
type session struct {
	tls      bool
	identity string // "" anonymous; otherwise the bound DN
}

// Start validates cfg, starts serving and returns once the listener is
// ready. Call Close to stop it.
func Start(cfg Config) (*Directory, error) {
	cfg = withDefaults(cfg)
	d := &Directory{
		cfg:      cfg,
		log:      cfg.Logger,
		sessions: map[int]*session{},
		conns:    map[net.Conn]struct{}{},
	}
	var err error
	if d.baseDN, err = ldap.ParseDN(cfg.BaseDN); err != nil {
		return nil, fmt.Errorf("ldaptest: BaseDN %q: %w", cfg.BaseDN, err)
	}
	if d.bindDN, err = ldap.ParseDN(cfg.BindDN); err != nil {
		return nil, fmt.Errorf("ldaptest: BindDN %q: %w", cfg.BindDN, err)
	}
	if cfg.BindPassword == "" {
		return nil, errors.New("ldaptest: BindPassword must not be empty")
	}
	if d.tree, d.users, err = buildEntries(cfg.BaseDN, cfg.Users, cfg.Groups); err != nil {
		return nil, err
	}
	domain, err := domainEntry(cfg.BaseDN, cfg.DomainAttributes)
	if err != nil {
		return nil, err
	}
	d.tree.addDomain(domain)
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("ldaptest: Addr %q: %w", cfg.Addr, err)
	}
	if host == "" || net.ParseIP(host).IsUnspecified() {
		host = "127.0.0.1"
	}
	base := cfg.TLSConfig
	if base == nil {
		g, err := generateTLS(cfg.Now(), cfg.Rand, host)
		if err != nil {
			return nil, err
		}
		base, d.pool, d.caPEM = g.server, g.pool, g.caPEM
	}
	d.tls = d.trackingTLS(base)

	var errs []error
	for attempt := 0; attempt < startAttempts; attempt++ {
		addr, err := chooseAddr(host, port)
		if err != nil {
			return nil, err
		}
		err = d.serve(addr)
		if err == nil {
			scheme := "ldaps"
			if cfg.StartTLS {
				scheme = "ldap"
			}
			d.url = scheme + "://" + addr
			d.log.Debug("ldaptest: directory started", "url", d.url, "users", len(d.users))
			return d, nil
		}
		errs = append(errs, err)
		if port != "0" {
			break // a fixed port will not become free by retrying
		}
	}
	return nil, fmt.Errorf("ldaptest: start: %w", errors.Join(errs...))
}

func withDefaults(cfg Config) Config {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.BaseDN == "" {
		cfg.BaseDN = DefaultBaseDN
	}
	if cfg.BindDN == "" {
		cfg.BindDN = DefaultBindDN
	}
	if cfg.BindPassword == "" {
		cfg.BindPassword = DefaultBindPassword
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	return cfg
}

// chooseAddr resolves port "0" to a currently free port. gldap binds the
// address itself, so serve verifies afterwards that the port is really ours.
func chooseAddr(host, port string) (string, error) {
	addr := net.JoinHostPort(host, port)
	if port != "0" {
		return addr, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("ldaptest: listen on %s: %w", addr, err)
	}
	addr = l.Addr().String()
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("ldaptest: release %s: %w", addr, err)
	}
	return addr, nil
}

// serve starts gldap on addr and confirms with a probe connection that the
// listener answering there is this directory (and not a process that took
// the port first). On failure everything started is stopped again.
func (d *Directory) serve(addr string) error {
	srv, err := gldap.NewServer(
		gldap.WithLogger(hclog.NewNullLogger()),
		gldap.WithReadTimeout(handshakeTimeout),
		gldap.WithOnClose(d.forget),
	)
	if err != nil {
		return fmt.Errorf("ldaptest: new server: %w", err)
	}
	mux, err := d.routes()
	if err != nil {
		return err
	}
	if err := srv.Router(mux); err != nil {
		return fmt.Errorf("ldaptest: router: %w", err)
	}
	var opts []gldap.Option
	if !d.cfg.StartTLS {
		opts = append(opts, gldap.WithTLSConfig(d.tls))
	}
	runErr := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		runErr <- srv.Run(addr, opts...)
	}()

	if err := waitReady(srv, runErr); err != nil {
		_ = srv.Stop()
		<-done
		return err
	}
	if err := d.probe(addr); err != nil {
		_ = srv.Stop()
		<-done
		return err
	}
	d.srv, d.runDone = srv, done
	return nil
}

// waitReady waits until gldap has attempted to listen.
func waitReady(srv *gldap.Server, runErr <-chan error) error {
	deadline := time.NewTimer(handshakeTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !srv.Ready() {
		select {
		case err := <-runErr:
			return fmt.Errorf("ldaptest: serve: %w", err)
		case <-deadline.C:
			return errors.New("ldaptest: listener did not become ready")
		case <-tick.C:
		}
	}
	return nil
}

// probe connects to addr and starts TLS; the directory's TLS hook must
// have seen exactly that connection. Certificate verification may fail
// (custom TLSConfig): the ClientHello reaching our hook is the proof.
func (d *Directory) probe(addr string) error {
	host, _, _ := net.SplitHostPort(addr)
	raw, err := net.DialTimeout("tcp", addr, handshakeTimeout)
	if err != nil {
		return fmt.Errorf("ldaptest: probe %s: %w", addr, err)
	}
	defer raw.Close()
	local := raw.LocalAddr().String()
	_ = raw.SetDeadline(time.Now().Add(handshakeTimeout))
	clientTLS := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: d.pool, ServerName: host}
	if d.cfg.StartTLS {
		conn := ldap.NewConn(raw, false)
		conn.Start()
		conn.SetTimeout(handshakeTimeout)
		_ = conn.StartTLS(clientTLS)
		defer conn.Close()
	} else {
		_ = tls.Client(raw, clientTLS).Handshake()
	}
	if !d.sawClient(local) {
		return fmt.Errorf("ldaptest: %s is served by another process", addr)
	}
	return nil
}

// Close stops the directory, cutting open client connections, and waits
// for every goroutine it started. It is safe to call more than once.
func (d *Directory) Close() error {
	d.closeOnce.Do(func() {
		d.mu.Lock()
		d.closing = true
		conns := make([]net.Conn, 0, len(d.conns))
		for c := range d.conns {
			conns = append(conns, c)
		}
		clear(d.conns)
		d.mu.Unlock()

		stopped := make(chan error, 1)
		go func() { stopped <- d.srv.Stop() }()
		for _, c := range conns {
			_ = c.Close()
		}
		if err := <-stopped; err != nil {
			d.closeErr = fmt.Errorf("ldaptest: stop: %w", err)
		}
		<-d.runDone
		d.log.Debug("ldaptest: directory stopped", "url", d.url)
	})
	return d.closeErr
}

// URL is "ldaps://127.0.0.1:port" (or "ldap://..." with Config.StartTLS).
func (d *Directory) URL() string { return d.url }

// Addr is the "host:port" the directory listens on (a Relay target).
func (d *Directory) Addr() string {
	_, rest, _ := strings.Cut(d.url, "://")
	return rest
}

// RootCAs trusts the generated CA; nil with a custom Config.TLSConfig.
func (d *Directory) RootCAs() *x509.CertPool { return d.pool }

// CACertPEM is the generated CA certificate in PEM; nil with a custom
// Config.TLSConfig.
func (d *Directory) CACertPEM() []byte { return slices.Clone(d.caPEM) }

// BaseDN is the naming context served.
func (d *Directory) BaseDN() string { return d.cfg.BaseDN }

// BindDN is the service account's DN.
func (d *Directory) BindDN() string { return d.cfg.BindDN }

// BindPassword is the service account's password.
func (d *Directory) BindPassword() string { return d.cfg.BindPassword }

// ClientConfig returns an ldapauth.Config for this directory: its URL,
// CA, service account and base DN, other fields at their defaults.
func (d *Directory) ClientConfig() ldapauth.Config {
	return ldapauth.Config{
		URLs:         []string{d.url},
		StartTLS:     d.cfg.StartTLS,
		RootCAs:      d.pool,
		BindDN:       d.cfg.BindDN,
		BindPassword: d.cfg.BindPassword,
		BaseDN:       d.cfg.BaseDN,
	}
}

// Binds counts bind requests received, including anonymous and failed ones.
func (d *Directory) Binds() int64 { return d.binds.Load() }

// Searches counts search requests received, including refused ones.
func (d *Directory) Searches() int64 { return d.searches.Load() }

// LastFilter is the filter of the most recent search, as received.
func (d *Directory) LastFilter() string {
	if p := d.lastFilter.Load(); p != nil {
		return *p
	}
	return ""
}

// Users returns a deep copy of the accounts served, with defaulted GUIDs.
func (d *Directory) Users() []User {
	out := make([]User, len(d.users))
	for i, u := range d.users {
		out[i] = u.clone()
	}
	return out
}
