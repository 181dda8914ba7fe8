package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/fedgate/fedgate/cmd/internal/logging"
	"github.com/fedgate/fedgate/web/proxy"
)

// shutdownGrace bounds the graceful shutdown of the listeners.
const shutdownGrace = 10 * time.Second

func newLogger(w io.Writer, cfg Config) (*slog.Logger, error) {
	return logging.New(w, cfg.Log.Level, cfg.Log.Format)
}

func (a *app) renewAt() time.Time {
	_, at := a.renewer.Due()
	return at
}

// httpServer returns a server with every timeout and limit set.
func (a *app) httpServer(h http.Handler) *http.Server {
	l := a.cfg.Listen
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout.Std(),
		ReadTimeout:       l.ReadTimeout.Std(),
		WriteTimeout:      l.WriteTimeout.Std(),
		IdleTimeout:       l.IdleTimeout.Std(),
		MaxHeaderBytes:    l.MaxHeaderBytes,
		// "OPTIONS *" would otherwise be answered by net/http itself.
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
}

func runServe(ctx context.Context, args []string, stderr io.Writer, e env) int {
	cfg, ok := loadConfig("run", args, stderr, nil)
	if !ok {
		return 2
	}
	log, err := newLogger(stderr, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "fedgate-proxy run:", err)
		return 2
	}
	a, err := build(cfg, log, e.now, e.rand)
	if err != nil {
		fmt.Fprintf(stderr, "fedgate-proxy run:\n%v\n", err)
		return 2
	}
	if err := a.serve(ctx, e); err != nil {
		log.Error("fedgate-proxy stopped", slog.Any("error", err))
		return 1
	}
	return 0
}

// serve listens and runs the background loops (certificate reload,
// health checks, renewal) until ctx ends.
func (a *app) serve(ctx context.Context, e env) error {
	httpsLn, err := e.listen("tcp", a.cfg.Listen.Address)
	if err != nil {
		return fmt.Errorf("listen.address: %w", err)
	}
	var probeLn net.Listener
	if a.cfg.Listen.ProbeAddress != "" {
		if probeLn, err = e.listen("tcp", a.cfg.Listen.ProbeAddress); err != nil {
			_ = httpsLn.Close()
			return fmt.Errorf("listen.probe_address: %w", err)
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var loops sync.WaitGroup
	a.startLoops(ctx, &loops, e)

	public := a.httpServer(a.proxy.Handler())
	public.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: a.publicKP.GetCertificate}
	servers := []*http.Server{public}
	serveFns := []func() error{func() error { return public.ServeTLS(httpsLn, "", "") }}
	var probeAddr net.Addr
	if probeLn != nil {
		probe := a.httpServer(proxy.ProbeHandler())
		servers = append(servers, probe)
		serveFns = append(serveFns, func() error { return probe.Serve(probeLn) })
		probeAddr = probeLn.Addr()
	}

	errc := make(chan error, len(servers))
	var wg sync.WaitGroup
	for _, fn := range serveFns {
		wg.Go(func() {
			if err := fn(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		})
	}
	leaf := a.trustKP.Leaf()
	a.log.Info("fedgate-proxy serving", slog.String("address", httpsLn.Addr().String()),
		slog.String("federation_name", a.cfg.FederationName), slog.Int("nodes", len(a.cfg.Backend.Nodes)),
		slog.Time("proxy_trust_not_after", leaf.NotAfter), slog.String("version", version))
	e.ready(httpsLn.Addr(), probeAddr)

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	shutdownCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer stop()
	for _, s := range servers {
		_ = s.Shutdown(shutdownCtx)
	}
	wg.Wait()
	cancel()
	loops.Wait()
	a.proxy.CloseIdleConnections()
	return serveErr
}

// startLoops runs certificate reloading (polling and SIGHUP), health
// checks and proxy-trust renewal until ctx ends.
func (a *app) startLoops(ctx context.Context, wg *sync.WaitGroup, e env) {
	reloadTicks, stopReload := e.ticker(a.cfg.Listen.ReloadInterval.Std())
	trustTicks, stopTrust := e.ticker(a.cfg.Listen.ReloadInterval.Std())
	healthTicks, stopHealth := e.ticker(a.cfg.Backend.HealthInterval.Std())
	renewTicks, stopRenew := e.ticker(a.cfg.ProxyTrust.RenewCheckInterval.Std())
	hups, stopHups := e.hangups()
	wg.Go(func() { a.publicKP.Watch(ctx, reloadTicks) })
	wg.Go(func() { a.trustKP.Watch(ctx, trustTicks) })
	wg.Go(func() { a.proxy.RunHealthChecks(ctx, healthTicks) })
	wg.Go(func() { a.renewer.Run(ctx, renewTicks) })
	wg.Go(func() {
		defer func() { stopReload(); stopTrust(); stopHealth(); stopRenew(); stopHups() }()
		for {
			select {
			case <-ctx.Done():
				return
			case <-hups:
				a.reloadAll()
			}
		}
	})
}

// reloadAll re-reads both key pairs (SIGHUP). A failure keeps the pair in
// use and is logged.
func (a *app) reloadAll() {
	for name, kp := range map[string]*proxy.KeyPair{"listen.tls_cert_file": a.publicKP, "proxy_trust.cert_file": a.trustKP} {
		if err := kp.Reload(); err != nil {
			a.log.Error("reload on SIGHUP failed; keeping the current certificate", slog.String("setting", name), slog.Any("error", err))
			continue
		}
		a.log.Info("certificate reloaded on SIGHUP", slog.String("setting", name))
	}
}
