package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/web/proxy"
)

// app is a built proxy, ready to listen. run, check-config and the tests
// share this one construction path.
type app struct {
	cfg      Config
	log      *slog.Logger
	publicKP *proxy.KeyPair // TLS certificate of the public name
	trustKP  *proxy.KeyPair // proxy-trust client certificate
	proxy    *proxy.Proxy
	renewer  *proxy.Renewer
}

// build reads every file the configuration names and constructs the
// proxy. It opens no socket and contacts no node.
func build(cfg Config, log *slog.Logger, now func() time.Time, rnd io.Reader) (*app, error) {
	var errs []error
	publicKP, err := proxy.LoadKeyPair(cfg.Listen.TLSCertFile, cfg.Listen.TLSKeyFile, log.With("component", "tls"))
	if err != nil {
		errs = append(errs, fmt.Errorf("listen.tls_cert_file / listen.tls_key_file: %w", err))
	}
	trustKP, err := proxy.LoadKeyPair(cfg.ProxyTrust.CertFile, cfg.ProxyTrust.KeyFile, log.With("component", "proxy_trust"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%w\n  this proxy is not enrolled yet: run `fedgate proxy-trust issue --name <this proxy's DNS name>` on fedgate, then `fedgate-proxy enroll --token-file FILE` here", err)
		}
		errs = append(errs, fmt.Errorf("proxy_trust.cert_file / proxy_trust.key_file: %w", err))
	}
	roots, err := loadCAFile(cfg.Backend.CAFile)
	if err != nil {
		errs = append(errs, fmt.Errorf("backend.ca_file: %w", err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	b := cfg.Backend
	pcfg := proxy.Config{
		FederationName: cfg.FederationName, RootCAs: roots, ClientCert: trustKP, Brand: cfg.Brand,
		MaxBodyBytes: cfg.Listen.MaxBodyBytes, MaxResponseHeaderBytes: b.MaxResponseHeaderBytes, MaxResponseBytes: b.MaxResponseBytes,
		DialTimeout: b.DialTimeout.Std(), TLSHandshakeTimeout: b.TLSHandshakeTimeout.Std(),
		ResponseHeaderTimeout: b.ResponseHeaderTimeout.Std(), IdleConnTimeout: b.IdleConnTimeout.Std(),
		HealthTimeout: b.HealthTimeout.Std(), Now: now, Rand: rnd, Logger: log,
	}
	for _, n := range b.Nodes {
		pcfg.Nodes = append(pcfg.Nodes, proxy.Node{URL: n.URL, ServerName: n.ServerName})
	}
	p, err := proxy.New(pcfg)
	if err != nil {
		return nil, err
	}
	server := cfg.serverNode("")
	renewer := &proxy.Renewer{
		KeyPair: trustKP,
		Client: &proxytrust.Client{
			ServerURL:  server.URL,
			HTTPClient: fedgateClient(roots, server.ServerName, trustKP.GetClientCertificate, cfg.Backend),
			Now:        now,
		},
		OnRenew: p.CloseIdleConnections, Now: now, Rand: rnd, Logger: log.With("component", "proxy_trust"),
	}
	return &app{cfg: cfg, log: log, publicKP: publicKP, trustKP: trustKP, proxy: p, renewer: renewer}, nil
}

// loadCAFile reads a PEM bundle into a pool.
func loadCAFile(path string) (*x509.CertPool, error) {
	data, err := proxytrust.ReadFileLimited(path, proxytrust.MaxPEMFile)
	if err != nil {
		return nil, err
	}
	certs, err := proxytrust.ParseCertificatesPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// fedgateClient is the HTTP client for enrollment and renewal: pinned
// roots, optional client certificate, every timeout set, no environment
// proxy.
func fedgateClient(roots *x509.CertPool, serverName string, cert func(*tls.CertificateRequestInfo) (*tls.Certificate, error), b Backend) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.TLSClientConfig = &tls.Config{RootCAs: roots, ServerName: serverName, MinVersion: tls.VersionTLS12, GetClientCertificate: cert}
	t.TLSHandshakeTimeout = b.TLSHandshakeTimeout.Std()
	t.ResponseHeaderTimeout = b.ResponseHeaderTimeout.Std()
	t.MaxResponseHeaderBytes = b.MaxResponseHeaderBytes
	return &http.Client{Transport: t, Timeout: b.DialTimeout.Std() + b.TLSHandshakeTimeout.Std() + b.ResponseHeaderTimeout.Std()}
}
