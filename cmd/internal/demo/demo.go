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

	// DirectoryEnv is an env file written by deploy/samba-ad-lab.sh (see
	// package adlab). When set, the demo uses that Active Directory instead
	// of its in-process directory: the generated config's directory:
	// section points at the lab DC (LDAPS first, then StartTLS, the lab CA,
	// the service account), and the simulated Microsoft Online federates
	// the lab's UPN suffix and knows the users synced from it at start,
	// with ImmutableIDs from their objectGUIDs. The service account's
	// password goes only to a 0600 file in DataDir. Default "": the
	// in-process Contoso directory.
	DirectoryEnv string

	// SAMLMetadata lists SAML 2.0 service-provider metadata files
	// (`--saml-metadata`, repeatable), each registered as a
	// relying_parties.saml trust named by its entity ID, under the
	// Office365MFA policy. Default none. Every HTTP-POST assertion
	// consumer service in a file receives tokens for any directory user
	// who signs in there: list only service providers you run.
	SAMLMetadata []string
}

// demoRefreshInterval is how often the demo picks up relying-party trusts
// added or removed with `fedgate rp` (a farm node: rpsync.DefaultInterval).
const demoRefreshInterval = 2 * time.Second

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
	FedgateURL  string // https://127.0.0.1:8443
	MSOnlineURL string // https://127.0.0.1:8444
	ConfigPath  string
	DataDir     string
	Protocol    string      // "wsfed" or "saml2"
	ClientTLS   *tls.Config // trusts the demo CA

	// Directory is the in-process directory; nil with Options.DirectoryEnv.
	Directory *ldaptest.Directory
	// Domain is the federated domain: FederatedDomain, or the lab's UPN
	// suffix with Options.DirectoryEnv.
	Domain string
	// DirectoryDescription names the directory fedgate binds to, e.g.
	// "Active Directory at ldaps://127.0.0.1:636".
	DirectoryDescription string

	// LegacyClients is Options.LegacyClients ("" for the default).
	LegacyClients string
	// SAMLEntityIDs are the entity IDs of the Options.SAMLMetadata
	// service providers, in flag order.
	SAMLEntityIDs []string

	dir *directory

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
	samlSPs, err := readSAMLMetadata(opts.SAMLMetadata, opts.Office365MFA)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: data dir: %w", err)
	}
	if err := ensureKeys(opts.DataDir, opts.Now(), opts.Rand); err != nil {
		return nil, fmt.Errorf("demo: keys: %w", err)
	}
	d := &Demo{DataDir: opts.DataDir, Protocol: opts.Protocol, LegacyClients: opts.LegacyClients, errc: make(chan error, 2)}
	for _, sp := range samlSPs {
		d.SAMLEntityIDs = append(d.SAMLEntityIDs, sp.EntityID)
	}
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
	defer func() {
		if err != nil { // Serve owns them once started; a second Close is harmless
			_ = fedLn.Close()
			_ = msLn.Close()
		}
	}()
	d.FedgateURL = "https://" + loopbackHostPort(fedLn.Addr())
	d.MSOnlineURL = "https://" + loopbackHostPort(msLn.Addr())

	d.dir, err = openDirectory(ctx, opts.DirectoryEnv, opts.Logger)
	if err != nil {
		return nil, err
	}
	d.Directory, d.Domain, d.DirectoryDescription = d.dir.inProcess, d.dir.Domain, d.dir.Description
	if err := writeSecretFile(filepath.Join(opts.DataDir, fileDirectoryCA), d.dir.CAPEM); err != nil {
		return nil, fmt.Errorf("demo: write directory CA: %w", err)
	}
	if err := writeSecretFile(filepath.Join(opts.DataDir, fileBindPass), []byte(d.dir.BindPassword+"\n")); err != nil {
		return nil, fmt.Errorf("demo: write directory bind password: %w", err)
	}

	d.ConfigPath = filepath.Join(opts.DataDir, fileConfig)
	if opts.Protocol == msonline.ProtocolSAML2 {
		if err := os.WriteFile(filepath.Join(opts.DataDir, fileEntraSPMetadata), []byte(entraSPMetadata(d.MSOnlineURL+"/login.srf")), 0o600); err != nil {
			return nil, fmt.Errorf("demo: write SP metadata: %w", err)
		}
	}
	rendered, err := renderConfig(opts.DataDir, d, fedLn.Addr().String(), opts.Office365MFA, opts.Protocol, samlSPs)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(d.ConfigPath, []byte(rendered), 0o600); err != nil {
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
	// A lab wants `fedgate rp add` to take effect at once, not within the
	// farm default.
	d.App.RefreshInterval = demoRefreshInterval
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
	checker := &o365.Checker{
		Federations: []o365.Federation{{Domain: d.Domain, IssuerURI: entityID, PassiveSignInURI: passive, SigningCertificates: certs}},
		Users:       d.dir.Users,
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
		_ = d.dir.Close()
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
	fmt.Fprintf(&b, "  Directory:                               %s\n\n", d.DirectoryDescription)
	d.bannerAccounts(&b)
	if len(d.SAMLEntityIDs) > 0 {
		fmt.Fprintf(&b, "\n  SAML 2.0 service providers (IdP metadata: %s/FederationMetadata/2007-06/FederationMetadata.xml):\n", d.FedgateURL)
		for _, id := range d.SAMLEntityIDs {
			fmt.Fprintf(&b, "    %s\n", id)
		}
	}
	fmt.Fprintf(&b, "\n  Publish it through fedgate-proxy: fedgate proxy-trust issue --config %s --name wap1.contoso.com\n", d.ConfigPath)
	fmt.Fprintf(&b, "  Generated config: %s\n", d.ConfigPath)
	fmt.Fprintf(&b, "  Data directory:   %s (keys kept across restarts)\n", d.DataDir)
	fmt.Fprintf(&b, "  TLS is self-signed: trust %s or accept the browser warning.\n", filepath.Join(d.DataDir, fileCA))
	return b.String()
}

// maxBannerAccounts caps the account lines of the banner.
const maxBannerAccounts = 20

// bannerAccounts lists the federated accounts. Passwords are shown only
// for the in-process directory's published demo accounts; a real
// directory's users are listed by UPN.
func (d *Demo) bannerAccounts(b *strings.Builder) {
	accounts := d.dir.Accounts
	if d.Directory != nil {
		fmt.Fprintf(b, "  Accounts (federated domain %s; %s is a managed domain):\n", d.Domain, ManagedDomain)
	} else {
		fmt.Fprintf(b, "  Synced users (federated domain %s; %s is a managed domain; passwords as set in the directory):\n", d.Domain, ManagedDomain)
	}
	for i, a := range accounts {
		if i == maxBannerAccounts {
			fmt.Fprintf(b, "    … and %d more\n", len(accounts)-i)
			break
		}
		line := "    " + a.UPN
		if a.Password != "" {
			line = fmt.Sprintf("    %-20s %s", a.UPN, a.Password)
		}
		if a.Note != "" {
			line += "  (" + a.Note + ")"
		}
		b.WriteString(line + "\n")
	}
}

// writeSecretFile writes data to path readable by the owner only, also
// when path already exists with a wider mode.
func writeSecretFile(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}
