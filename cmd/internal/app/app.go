package app

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/fedgate/fedgate/apppass"
	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/metadata"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/rp/rpsync"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/postgres"
	"github.com/fedgate/fedgate/idp/store/sqlite"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/wstrust"
	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/mfa"
	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/web"
)

// Options are the process-level inputs that are not configuration.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	Rand   io.Reader
}

// App is a built federation service, ready to listen.
type App struct {
	Config   config.Config
	Keys     token.KeySet
	Metadata []byte
	// Parties are the relying-party trusts: fedgate.yaml's and the
	// store's, refreshed by Refresher while Serve runs.
	Parties   *rp.Live
	Refresher *rpsync.Refresher
	// RefreshInterval is how often Serve looks for trusts added or removed
	// in the store. Default rpsync.DefaultInterval.
	RefreshInterval time.Duration
	Store           store.Store
	Directory       *ldapauth.Client
	MFA             *mfa.Service
	// AppPasswords are the app passwords of legacy clients (policy
	// app_password on WS-Trust, created on /adfs/portal/security).
	AppPasswords *apppass.Service
	Lockout      *lockout.Policy // nil when extranet_lockout.mode is off
	// ProxyTrust is the proxy-trust authority; nil when proxy_trust is off.
	ProxyTrust *proxytrust.Authority
	// Tokens signs with token_signing's algorithm and lifetime: WS-Trust
	// (Office 365 only).
	Tokens *token.Issuer
	// PartyTokens signs passive WS-Fed tokens with each relying party's
	// own algorithm and lifetime.
	PartyTokens *rp.Issuers
	// SAML is the SAML 2.0 IdP behind /adfs/ls/ (relying_parties.saml).
	SAML    *samlp.IdP
	Web     *web.Server
	Handler http.Handler
	// TLS is the HTTPS listener's configuration. With proxy trust on it
	// asks for (but does not require) a proxy-trust client certificate.
	TLS *tls.Config

	log     *slog.Logger
	now     func() time.Time
	closers []func() error
}

// Build constructs the service from cfg (which must already have its
// secrets resolved). It opens the store and reads key files but does not
// listen or contact the directory.
func Build(ctx context.Context, cfg config.Config, opts Options) (_ *App, err error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &App{Config: cfg, log: opts.Logger, now: opts.Now}
	defer func() {
		if err != nil {
			_ = a.Close()
		}
	}()

	if a.Keys, err = loadKeys(cfg.TokenSigning); err != nil {
		return nil, err
	}
	if a.TLS, err = loadTLS(cfg.Listen); err != nil {
		return nil, err
	}
	if a.Directory, err = openDirectory(cfg.Directory, opts.Logger); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.Directory.Close)

	if a.Store, err = OpenStore(ctx, cfg.Store, store.WithNow(opts.Now), store.WithLogger(opts.Logger.With("component", "store"))); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.Store.Close)

	sealKey, err := cfg.MFA.SealKey.Key32()
	if err != nil {
		return nil, fmt.Errorf("mfa.seal_key: %w", err)
	}
	a.MFA, err = mfa.New(mfa.Config{
		Store: a.Store, Key: sealKey, Issuer: cfg.MFAIssuer(),
		MaxFailures: cfg.MFA.MaxFailures, LockoutDuration: cfg.MFA.LockoutDuration.Std(),
		Now: opts.Now, Rand: opts.Rand, Logger: opts.Logger.With("component", "mfa"),
	})
	if err != nil {
		return nil, err
	}

	a.AppPasswords, err = apppass.New(apppass.Config{
		Store: a.Store, Now: opts.Now, Rand: opts.Rand, Logger: opts.Logger.With("component", "apppass"),
	})
	if err != nil {
		return nil, err
	}

	if a.Lockout, err = newLockout(ctx, cfg.ExtranetLockout, a.Store, a.Directory, opts); err != nil {
		return nil, err
	}
	if a.ProxyTrust, err = newProxyTrust(ctx, cfg, a.Store, opts); err != nil {
		return nil, err
	}
	if a.ProxyTrust != nil {
		a.TLS = a.ProxyTrust.Verifier().ServerTLSConfig(a.TLS)
	}

	alg := token.SignatureAlgorithm(cfg.TokenSigning.Algorithm)
	a.Tokens, err = token.New(token.Config{
		Issuer: cfg.IssuerURI(), Keys: a.Keys, Lifetime: cfg.TokenSigning.TokenLifetime.Std(),
		Algorithm: alg, Now: opts.Now, Rand: opts.Rand,
	})
	if err != nil {
		return nil, err
	}
	public := cfg.PublicURL()
	a.Metadata, err = metadata.Build(metadata.Config{
		EntityID: cfg.IssuerURI(), PassiveURL: public + "/adfs/ls/", MEXURL: public + wstrust.PathMEX, DisplayName: cfg.DisplayName(),
		Keys: a.Keys, Algorithm: alg, Now: opts.Now, Rand: opts.Rand,
	})
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}

	parties, err := ConfiguredParties(cfg)
	if err != nil {
		return nil, err
	}
	configured, err := rp.NewRegistry(parties...)
	if err != nil {
		return nil, fmt.Errorf("relying_parties: %w", err)
	}
	// Trusts added with `fedgate rp add` are in the store, shared by the
	// farm; Serve polls for changes and swaps the registry in place.
	if a.Refresher, err = rpsync.New(a.Store, parties, PartyEnv(cfg), opts.Logger.With("component", "rpsync")); err != nil {
		return nil, err
	}
	if err := a.Refresher.Refresh(ctx); err != nil {
		return nil, fmt.Errorf("relying parties in the store: %w", err)
	}
	a.Parties = a.Refresher.Live()
	// Passive WS-Fed tokens carry each party's signature algorithm and
	// lifetime; token_signing's are the defaults.
	a.PartyTokens, err = rp.NewIssuers(token.Config{
		Issuer: cfg.IssuerURI(), Keys: a.Keys, Lifetime: cfg.TokenSigning.TokenLifetime.Std(),
		Algorithm: alg, Now: opts.Now, Rand: opts.Rand,
	}, a.Parties.Lookup)
	if err != nil {
		return nil, err
	}

	sessionKey, err := cfg.Session.Key.Key32()
	if err != nil {
		return nil, fmt.Errorf("session.key: %w", err)
	}
	meta := a.Metadata
	var lp web.LockoutPolicy // a nil *lockout.Policy must stay a nil interface
	if a.Lockout != nil {
		lp = a.Lockout
	}
	ws, err := newWSTrust(cfg, a, configured, public, opts)
	if err != nil {
		return nil, err
	}
	var pt web.ProxyTrust // a nil *proxytrust.Authority must stay a nil interface
	if a.ProxyTrust != nil {
		pt = a.ProxyTrust
	}
	// SAML 2.0 on /adfs/ls/, signed with the same keys as WS-Fed tokens.
	a.SAML, err = samlp.New(samlp.Config{
		EntityID: cfg.IssuerURI(), SSOURL: public + "/adfs/ls/", Keys: a.Keys,
		Now: opts.Now, Rand: opts.Rand, Log: opts.Logger.With("component", "samlp"),
	})
	if err != nil {
		return nil, err
	}
	a.Web, err = web.New(web.Config{
		Parties: a.Parties, Auth: a.Directory, MFA: a.MFA, Tokens: a.PartyTokens, Audit: a.Store, Lockout: lp,
		Mounts: []func(chi.Router){ws.Mount}, ProxyTrust: pt, SAML: a.SAML, Replay: a.Store, IdPInitiated: cfg.RelyingParties.IdPInitiated,
		SessionKey: sessionKey, SessionLifetime: cfg.Session.Lifetime.Std(), CookieName: cfg.Session.CookieName,
		Brand: cfg.DisplayName(), Metadata: func() []byte { return meta },
		PasswordChangeURL: cfg.Directory.PasswordChangeURL, AppPasswords: a.AppPasswords,
		MaxBodyBytes: cfg.Listen.MaxBodyBytes, Now: opts.Now, Rand: opts.Rand, Logger: opts.Logger,
	})
	if err != nil {
		return nil, err
	}
	a.Handler = a.Web.Handler()
	return a, nil
}

func loadKeys(c config.TokenSigning) (token.KeySet, error) {
	certPEM, err := os.ReadFile(c.CertFile)
	if err != nil {
		return token.KeySet{}, fmt.Errorf("token_signing.cert_file: %w", err)
	}
	keyPEM, err := os.ReadFile(c.KeyFile)
	if err != nil {
		return token.KeySet{}, fmt.Errorf("token_signing.key_file: %w", err)
	}
	kp, err := token.LoadKeyPairPEM(certPEM, keyPEM)
	if err != nil {
		return token.KeySet{}, fmt.Errorf("token_signing: %s / %s: %w", c.CertFile, c.KeyFile, err)
	}
	ks := token.KeySet{Current: kp}
	if c.NextCertFile != "" {
		next, err := readCert(c.NextCertFile)
		if err != nil {
			return token.KeySet{}, fmt.Errorf("token_signing.next_cert_file: %w", err)
		}
		ks.Next = next
	}
	return ks, nil
}

func readCert(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	certs, err := parseCertsPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return certs[0], nil
}

func loadTLS(l config.Listen) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(l.TLSCertFile, l.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("listen.tls_cert_file / listen.tls_key_file: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

func openDirectory(d config.Directory, log *slog.Logger) (*ldapauth.Client, error) {
	var roots *x509.CertPool
	if d.CAFile != "" {
		data, err := os.ReadFile(d.CAFile)
		if err != nil {
			return nil, fmt.Errorf("directory.ca_file: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("directory.ca_file: %s holds no PEM certificate", d.CAFile)
		}
	}
	filter := d.UserFilter
	if d.AlternateLoginID != "" && filter == config.DefaultUserFilter {
		filter = "" // ldapauth builds the default filter with the alternate attribute
	}
	c, err := ldapauth.New(ldapauth.Config{
		URLs: d.URLs, StartTLS: d.StartTLS, RootCAs: roots, ServerName: d.ServerName,
		BindDN: d.BindDN, BindPassword: d.BindPassword.Reveal(), BaseDN: d.BaseDN, UserFilter: filter,
		DialTimeout: d.DialTimeout.Std(), Timeout: d.Timeout.Std(), PoolSize: d.PoolSize,
		AcquireTimeout: d.AcquireTimeout.Std(), RetryInterval: d.RetryInterval.Std(),
		AlternateLoginID: d.AlternateLoginID, ImmutableIDSource: d.ImmutableIDSource,
		GroupLookup: d.GroupLookup, // same spellings as ldapauth.GroupLookup*
		MaxGroups:   d.MaxGroups, ExtraAttributes: d.ClaimAttributes,
		InsecurePlaintextLDAP: d.InsecurePlaintextLDAP,
		Logger:                log.With("component", "ldapauth"),
	})
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return c, nil
}

// newWSTrust builds the active (WS-Trust usernamemixed) endpoints and MEX.
func newWSTrust(cfg config.Config, a *App, configured *rp.Registry, public string, opts Options) (*wstrust.Handler, error) {
	var wlo wstrust.Lockout // a nil *lockout.Policy must stay a nil interface
	if a.Lockout != nil {
		wlo = a.Lockout
	}
	legacy, err := wstrust.ParseLegacyPolicy(cfg.RelyingParties.Office365.LegacyClients)
	if err != nil {
		return nil, fmt.Errorf("relying_parties.office365.legacy_clients: %w", err)
	}
	// WS-Trust serves Office 365 only, which is always in fedgate.yaml.
	parties, err := wstrustParties(configured)
	if err != nil {
		return nil, fmt.Errorf("relying_parties: %w", err)
	}
	policies := map[string]wstrust.LegacyPolicy{}
	for _, p := range parties.Parties() {
		for _, id := range p.Identifiers {
			policies[id] = legacy
		}
	}
	policy, err := wstrust.PolicyByIdentifier(policies, wstrust.DefaultLegacyPolicy)
	if err != nil {
		return nil, fmt.Errorf("relying_parties: %w", err)
	}
	ws, err := wstrust.New(wstrust.Config{
		Auth: a.Directory, Users: a.Directory, Tokens: a.Tokens, Parties: parties, Replay: a.Store,
		MFA: a.MFA, Audit: a.Store, Lockout: wlo, AppPasswords: a.AppPasswords,
		Policy: policy,
		// The web handler's proxy-trust middleware runs before these
		// endpoints and is the only source of network location and
		// client IP (without proxy trust every request is extranet).
		Inside:     func(r *http.Request) bool { return !RequestExtranet(r.Context()) },
		ClientIP:   func(r *http.Request) string { return proxytrust.ClientIP(r.Context()) },
		ActivityID: web.ActivityID, PublicURL: public, MaxBodyBytes: cfg.Listen.MaxBodyBytes,
		Now: opts.Now, Rand: opts.Rand, Logger: opts.Logger.With("component", "wstrust"),
	})
	if err != nil {
		return nil, fmt.Errorf("wstrust: %w", err)
	}
	return ws, nil
}

// newProxyTrust builds the proxy-trust authority on the shared store, or
// returns nil when proxy_trust is off. It reads the CA files, so a missing
// or mismatched CA fails check-config as it would fail serve.
func newProxyTrust(ctx context.Context, cfg config.Config, st store.Store, opts Options) (*proxytrust.Authority, error) {
	pc := cfg.ProxyTrust
	if !pc.Enabled() {
		opts.Logger.WarnContext(ctx, "proxy_trust is off: fedgate cannot tell intranet from extranet and treats every request as extranet "+
			"(insidecorporatenetwork=false; mfa: extranet_only acts as always; legacy_clients: inside_only refuses enrolled users; "+
			"extranet_lockout, when on, counts intranet sign-ins too)")
		return nil, nil
	}
	ca, err := proxytrust.LoadCA(pc.CACertFile, pc.CAKeyFile)
	if err != nil {
		return nil, fmt.Errorf("proxy_trust.ca_cert_file / ca_key_file: %w (create the CA once with `fedgate proxy-trust init-ca`)", err)
	}
	cacheTTL := pc.RevocationCacheTTL.Std()
	if cacheTTL == 0 {
		cacheTTL = -1 // 0 in the file means no cache; 0 in proxytrust.Config means the default
	}
	a, err := proxytrust.New(proxytrust.Config{
		CA: ca, Store: st, CertLifetime: pc.CertLifetime.Std(), TokenLifetime: pc.TokenLifetime.Std(),
		RevocationCacheTTL: cacheTTL, Now: opts.Now, Rand: opts.Rand, Logger: opts.Logger.With("component", "proxytrust"),
	})
	if err != nil {
		return nil, fmt.Errorf("proxy_trust: %w", err)
	}
	return a, nil
}

// newLockout builds the extranet lockout policy, or nil when it is off.
func newLockout(ctx context.Context, c config.ExtranetLockout, st store.Store, dir *ldapauth.Client, opts Options) (*lockout.Policy, error) {
	if c.Mode == config.LockoutOff {
		opts.Logger.WarnContext(ctx, "extranet lockout is off: every password guess reaches Active Directory")
		return nil, nil
	}
	p, err := lockout.New(lockout.Config{
		Mode: lockout.Mode(c.Mode), Threshold: c.Threshold, FamiliarThreshold: c.FamiliarThreshold,
		ObservationWindow: c.ObservationWindow.Std(), Store: st, Resolver: DirectoryResolver(dir),
		// The passive and WS-Trust sign-ins pass the request's context, on
		// which the proxy-trust middleware has recorded the origin.
		Intranet: lockout.Intranet(c.Intranet), FromExtranet: RequestExtranet,
		Now: opts.Now, Logger: opts.Logger.With("component", "lockout"),
	})
	if err != nil {
		return nil, fmt.Errorf("extranet_lockout: %w", err)
	}
	return p, nil
}

// Lookuper finds a directory user without binding as them;
// *ldapauth.Client satisfies it.
type Lookuper interface {
	// Resolve finds the account with one search (no group lookup).
	Resolve(ctx context.Context, username string) (*ldapauth.User, error)
}

// DirectoryResolver adapts a directory to lockout.Resolver: the typed name
// is resolved with a service-account search and the account is keyed by
// its objectGUID (base64), the same for every spelling of the name and
// across renames, whatever ImmutableID source is configured. Names that
// match no account, or several, are not found (nothing is counted for
// them); any other failure (DC unreachable, timeout, an unusable entry) is
// an error, which the policy never counts as a bad password.
func DirectoryResolver(l Lookuper) lockout.Resolver {
	return lockout.ResolverFunc(func(ctx context.Context, username string) (string, bool, error) {
		u, err := l.Resolve(ctx, username)
		if err != nil {
			var le *ldapauth.Error
			if errors.As(err, &le) && (le.Reason == ldapauth.ReasonNoSuchUser || le.Reason == ldapauth.ReasonAmbiguousUser) {
				return "", false, nil
			}
			return "", false, err
		}
		if u == nil || len(u.ObjectGUID) == 0 {
			return "", false, errors.New("directory entry has no objectGUID")
		}
		return base64.StdEncoding.EncodeToString(u.ObjectGUID), true, nil
	})
}

// OpenStore opens the configured state database (creating the SQLite
// file's directory 0700 if needed) and migrates it. Build and the admin
// subcommands share it.
func OpenStore(ctx context.Context, s config.Store, opts ...store.Option) (store.Store, error) {
	switch s.Driver {
	case config.DriverPostgres:
		st, err := postgres.Open(ctx, s.DSN.Reveal(), opts...)
		if err != nil {
			return nil, fmt.Errorf("store (postgres): %w", err)
		}
		return st, nil
	default:
		if err := os.MkdirAll(filepath.Dir(s.Path), 0o700); err != nil {
			return nil, fmt.Errorf("store.path: %w", err)
		}
		st, err := sqlite.Open(ctx, s.Path, opts...)
		if err != nil {
			return nil, fmt.Errorf("store (sqlite %s): %w", s.Path, err)
		}
		return st, nil
	}
}

// Close releases the store and directory connections.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		if err := a.closers[i](); err != nil {
			errs = append(errs, err)
		}
	}
	a.closers = nil
	return errors.Join(errs...)
}

// gcInterval is how often Serve deletes expired store records (replay
// records, failure windows, proxy enrollment tokens). Every farm node runs
// it; the deletes are idempotent.
const gcInterval = 10 * time.Minute

// collectGarbage runs Store.GC every gcInterval until ctx ends. A failure
// is logged and retried at the next tick: expired records are refused by
// their expiry anyway, they only take space.
func (a *App) collectGarbage(ctx context.Context) {
	t := time.NewTicker(gcInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Store.GC(ctx, a.now()); err != nil && ctx.Err() == nil {
				a.log.ErrorContext(ctx, "store garbage collection failed", slog.Any("error", err))
			}
		}
	}
}

// Listeners are the sockets Serve uses; tests pass their own.
type Listeners struct {
	HTTPS net.Listener // required
	Probe net.Listener // optional plain-HTTP /adfs/probe
}

// Listen opens the configured addresses.
func (a *App) Listen() (Listeners, error) {
	var l Listeners
	var err error
	if l.HTTPS, err = net.Listen("tcp", a.Config.Listen.Address); err != nil {
		return l, fmt.Errorf("listen.address: %w", err)
	}
	if a.Config.Listen.ProbeAddress != "" {
		if l.Probe, err = net.Listen("tcp", a.Config.Listen.ProbeAddress); err != nil {
			_ = l.HTTPS.Close()
			return l, fmt.Errorf("listen.probe_address: %w", err)
		}
	}
	return l, nil
}

// Serve serves HTTPS (and the probe), runs the store's garbage collection
// every gcInterval and picks up relying-party trusts added or removed in
// the store (rpsync.DefaultInterval) until ctx ends, then shuts down
// gracefully.
func (a *App) Serve(ctx context.Context, l Listeners) error {
	lc := a.Config.Listen
	t := web.ServerTimeouts{
		ReadHeader: lc.ReadHeaderTimeout.Std(), Read: lc.ReadTimeout.Std(), Write: lc.WriteTimeout.Std(),
		Idle: lc.IdleTimeout.Std(), MaxHeaderBytes: lc.MaxHeaderBytes,
	}
	servers := []*http.Server{web.NewHTTPServer("", a.Handler, t, a.log)}
	servers[0].TLSConfig = a.TLS
	listeners := []net.Listener{tls.NewListener(l.HTTPS, a.TLS)}
	if l.Probe != nil {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /adfs/probe", web.Probe)
		servers = append(servers, web.NewHTTPServer("", mux, t, a.log))
		listeners = append(listeners, l.Probe)
	}
	errc := make(chan error, len(servers))
	var wg sync.WaitGroup
	gcCtx, stopGC := context.WithCancel(ctx)
	defer stopGC()
	wg.Add(2)
	go func() {
		defer wg.Done()
		a.collectGarbage(gcCtx)
	}()
	go func() {
		defer wg.Done()
		_ = a.Refresher.Run(gcCtx, a.RefreshInterval)
	}()
	for i := range servers {
		wg.Add(1)
		go func(s *http.Server, ln net.Listener) {
			defer wg.Done()
			if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}(servers[i], listeners[i])
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	stopGC()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(shutdownCtx)
	}
	wg.Wait()
	return serveErr
}
