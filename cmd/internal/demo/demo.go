package demo

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fedgate/fedgate/cmd/internal/app"
	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/idp/metadata"
	"github.com/fedgate/fedgate/idp/o365"
	"github.com/fedgate/fedgate/idp/o365/msonline"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
	"github.com/fedgate/fedgate/web"
)

// Options configure the demo.
type Options struct {
	// Listen is fedgate's HTTPS address. Default "127.0.0.1:8443".
	Listen string
	// MSOnlineListen is the simulated Microsoft Online's HTTPS address.
	// Default "127.0.0.1:8444".
	MSOnlineListen string
	// DataDir keeps keys, the generated config and the database. Default:
	// DefaultDataDir().
	DataDir string
	// Office365MFA is the Office 365 trust's MFA policy: "always"
	// (default), "extranet_only" (only through a trusted fedgate-proxy) or
	// "never".
	Office365MFA string
	// Protocol is how Office 365 federates with fedgate: "wsfed" (default,
	// WS-Federation as AD FS is usually set up) or "saml2" (the Entra SAML
	// 2.0 federation profile: fedgate registers urn:federation:MicrosoftOnline
	// as a SAML 2.0 party and the simulated site sends AuthnRequests).
	Protocol string
	Logger   *slog.Logger
	Now      func() time.Time
	Rand     io.Reader

	// LegacyClients is the Office 365 trust's WS-Trust legacy-client
	// policy (relying_parties.office365.legacy_clients): "deny_enrolled"
	// (default), "inside_only" or "app_password". WS-Federation only.
	LegacyClients string
}

// FederatedDomain is the demo's federated domain; ManagedDomain is one
// whose passwords stay in the cloud.
const (
	FederatedDomain = "contoso.com"
	ManagedDomain   = "fabrikam.com"
)

// DefaultDataDir is a per-user directory for the demo's state.
func DefaultDataDir() string {
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "fedgate", "demo")
	}
	return filepath.Join(os.TempDir(), "fedgate-demo")
}

// Demo is a running demo.
type Demo struct {
	App         *app.App
	Directory   *ldaptest.Directory
	FedgateURL  string // https://127.0.0.1:8443
	MSOnlineURL string // https://127.0.0.1:8444
	ConfigPath  string
	DataDir     string
	Protocol    string      // "wsfed" or "saml2"
	ClientTLS   *tls.Config // trusts the demo CA

	// LegacyClients is Options.LegacyClients ("" for the default).
	LegacyClients string

	cancel context.CancelFunc
	wg     sync.WaitGroup
	errc   chan error
	closed sync.Once
}

// Start brings up the directory, fedgate and the simulated Microsoft
// Online, and returns once all three are answering.
func Start(ctx context.Context, opts Options) (_ *Demo, err error) {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:8443"
	}
	if opts.MSOnlineListen == "" {
		opts.MSOnlineListen = "127.0.0.1:8444"
	}
	if opts.DataDir == "" {
		opts.DataDir = DefaultDataDir()
	}
	if opts.Office365MFA == "" {
		opts.Office365MFA = config.MFAAlways
	}
	switch opts.Protocol {
	case "":
		opts.Protocol = msonline.ProtocolWSFed
	case msonline.ProtocolWSFed, msonline.ProtocolSAML2:
	default:
		return nil, fmt.Errorf("demo: --protocol %q: use %s or %s", opts.Protocol, msonline.ProtocolWSFed, msonline.ProtocolSAML2)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: data dir: %w", err)
	}
	if err := ensureKeys(opts.DataDir, opts.Now(), opts.Rand); err != nil {
		return nil, fmt.Errorf("demo: keys: %w", err)
	}
	d := &Demo{DataDir: opts.DataDir, Protocol: opts.Protocol, LegacyClients: opts.LegacyClients, errc: make(chan error, 2)}
	runCtx, cancel := context.WithCancel(ctx)
	d.cancel = cancel
	defer func() {
		if err != nil {
			d.Close()
		}
	}()

	// Listen first so the URLs (and ports, when :0) are known for the config.
	fedLn, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("demo: --listen: %w", err)
	}
	msLn, err := net.Listen("tcp", opts.MSOnlineListen)
	if err != nil {
		_ = fedLn.Close()
		return nil, fmt.Errorf("demo: --msonline-listen: %w", err)
	}
	d.FedgateURL = "https://" + loopbackHostPort(fedLn.Addr())
	d.MSOnlineURL = "https://" + loopbackHostPort(msLn.Addr())

	d.Directory, err = ldaptest.Start(ldaptest.Config{Users: ldaptest.Contoso(), Logger: opts.Logger.With("component", "demo-directory")})
	if err != nil {
		_ = fedLn.Close()
		_ = msLn.Close()
		return nil, fmt.Errorf("demo: directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(opts.DataDir, fileDirectoryCA), d.Directory.CACertPEM(), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(opts.DataDir, fileBindPass), []byte(d.Directory.BindPassword()+"\n"), 0o600); err != nil {
		return nil, err
	}

	d.ConfigPath = filepath.Join(opts.DataDir, fileConfig)
	if opts.Protocol == msonline.ProtocolSAML2 {
		if err := os.WriteFile(filepath.Join(opts.DataDir, fileEntraSPMetadata), []byte(entraSPMetadata(d.MSOnlineURL+"/login.srf")), 0o600); err != nil {
			return nil, fmt.Errorf("demo: write SP metadata: %w", err)
		}
	}
	if err := os.WriteFile(d.ConfigPath, []byte(renderConfig(opts.DataDir, d, fedLn.Addr().String(), opts.Office365MFA, opts.Protocol)), 0o600); err != nil {
		return nil, fmt.Errorf("demo: write config: %w", err)
	}
	// The generated file goes through the same load path as `serve`.
	cfg, err := config.Load(d.ConfigPath)
	if err != nil {
		return nil, fmt.Errorf("demo: generated config: %w", err)
	}
	if err := cfg.ResolveSecrets(); err != nil {
		return nil, fmt.Errorf("demo: generated config: %w", err)
	}
	d.App, err = app.Build(ctx, cfg, app.Options{Logger: opts.Logger, Now: opts.Now, Rand: opts.Rand})
	if err != nil {
		_ = fedLn.Close()
		_ = msLn.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := d.App.Serve(runCtx, app.Listeners{HTTPS: fedLn}); err != nil {
			d.errc <- fmt.Errorf("fedgate: %w", err)
		}
	}()

	if d.ClientTLS, _, err = clientTLS(opts.DataDir); err != nil {
		_ = msLn.Close()
		return nil, err
	}
	site, err := d.msonline(runCtx, opts)
	if err != nil {
		_ = msLn.Close()
		return nil, err
	}
	msServer := web.NewHTTPServer("", site, web.ServerTimeouts{}, opts.Logger)
	// The same certificate as fedgate, without fedgate's request for a
	// proxy-trust client certificate.
	msTLS := d.App.TLS.Clone()
	msTLS.ClientAuth, msTLS.ClientCAs = tls.NoClientCert, nil
	msServer.TLSConfig = msTLS
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		go func() { <-runCtx.Done(); _ = msServer.Close() }()
		if err := msServer.Serve(tls.NewListener(msLn, msTLS)); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.errc <- fmt.Errorf("simulated Microsoft Online: %w", err)
		}
	}()
	return d, nil
}

// msonline reads fedgate's metadata over HTTPS, as Entra ID does when a
// domain is federated, and builds the simulated site around it.
func (d *Demo) msonline(ctx context.Context, opts Options) (http.Handler, error) {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: d.ClientTLS}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.FedgateURL+"/FederationMetadata/2007-06/FederationMetadata.xml", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("demo: read fedgate metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("demo: read fedgate metadata: HTTP %d", resp.StatusCode)
	}
	doc, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("demo: read fedgate metadata: %w", err)
	}
	entityID, passive, certs, err := metadata.ParseSigningCertificates(doc)
	if err != nil {
		return nil, fmt.Errorf("demo: parse fedgate metadata: %w", err)
	}
	var users []o365.CloudUser
	for _, u := range d.Directory.Users() {
		users = append(users, o365.CloudUser{UPN: u.UPN, ImmutableID: o365.ImmutableID(u.ObjectGUID), DisplayName: u.DisplayName})
	}
	checker := &o365.Checker{
		Federations: []o365.Federation{{Domain: FederatedDomain, IssuerURI: entityID, PassiveSignInURI: passive, SigningCertificates: certs}},
		Users:       users,
		Now:         opts.Now,
	}
	site, err := msonline.New(msonline.Config{
		Checker: checker, ManagedDomains: []string{ManagedDomain}, BaseURL: d.MSOnlineURL, Protocol: opts.Protocol,
		Now: opts.Now, Rand: opts.Rand, Logger: opts.Logger.With("component", "msonline"),
	})
	if err != nil {
		return nil, fmt.Errorf("demo: simulated Microsoft Online: %w", err)
	}
	return site, nil
}

// loopbackHostPort turns an unspecified listen address into a loopback URL
// host, since browsers cannot open 0.0.0.0.
func loopbackHostPort(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(tcp.Port))
}

// Wait blocks until ctx ends or a server fails.
func (d *Demo) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-d.errc:
		return err
	}
}

// Close stops everything and releases the data directory's database.
func (d *Demo) Close() {
	d.closed.Do(func() {
		if d.cancel != nil {
			d.cancel()
		}
		d.wg.Wait()
		if d.App != nil {
			_ = d.App.Close()
		}
		if d.Directory != nil {
			_ = d.Directory.Close()
		}
	})
}

// Banner is what `fedgate demo` prints on start.
func (d *Demo) Banner() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fedgate demo is running.\n\n")
	fmt.Fprintf(&b, "  Start here (simulated Microsoft Online): %s/\n", d.MSOnlineURL)
	fmt.Fprintf(&b, "  fedgate (federation service):            %s/adfs/ls/\n", d.FedgateURL)
	fmt.Fprintf(&b, "  Office 365 federation protocol:          %s\n", d.Protocol)
	fmt.Fprintf(&b, "  Federation metadata:                     %s/FederationMetadata/2007-06/FederationMetadata.xml\n\n", d.FedgateURL)
	fmt.Fprintf(&b, "  Accounts (federated domain %s; %s is a managed domain):\n", FederatedDomain, ManagedDomain)
	for _, u := range ldaptest.Contoso() {
		note := ""
		switch {
		case u.Disabled:
			note = "  (disabled: refused)"
		case u.PasswordExpired:
			note = "  (password expired: told to change it)"
		}
		fmt.Fprintf(&b, "    %-20s %s%s\n", u.UPN, u.Password, note)
	}
	fmt.Fprintf(&b, "\n  Publish it through fedgate-proxy: fedgate proxy-trust issue --config %s --name wap1.contoso.com\n", d.ConfigPath)
	fmt.Fprintf(&b, "  Generated config: %s\n", d.ConfigPath)
	fmt.Fprintf(&b, "  Data directory:   %s (keys kept across restarts)\n", d.DataDir)
	fmt.Fprintf(&b, "  TLS is self-signed: trust %s or accept the browser warning.\n", filepath.Join(d.DataDir, fileCA))
	return b.String()
}
