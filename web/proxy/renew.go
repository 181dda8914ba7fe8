package proxy

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
)

// Renewer keeps the proxy-trust certificate current: once
// proxytrust.RenewAt has passed it generates a new key, sends a CSR to
// fedgate's RenewTrust endpoint over mutual TLS with the current
// certificate, writes the new pair over the KeyPair's files and reloads.
// The private key never leaves the proxy.
type Renewer struct {
	// KeyPair holds the current certificate and names the files. Required.
	KeyPair *KeyPair
	// Client talks to fedgate; its HTTPClient must present KeyPair's
	// certificate (GetClientCertificate). Required.
	Client *proxytrust.Client
	// OnRenew runs after a successful renewal, for example
	// Proxy.CloseIdleConnections. Optional.
	OnRenew func()
	// Now is the clock that decides when renewal is due. Default time.Now.
	Now func() time.Time
	// Rand is passed to key and CSR generation. Default crypto/rand.Reader.
	Rand io.Reader
	// Logger receives renewals (Info) and failures (Error: after the
	// certificate expires the proxy can no longer reach fedgate).
	// Default: discard.
	Logger *slog.Logger
}

// Due reports whether the current certificate should be renewed at now,
// and when that is.
func (r *Renewer) Due() (bool, time.Time) {
	at := proxytrust.RenewAt(r.KeyPair.Leaf())
	return !r.now().Before(at), at
}

func (r *Renewer) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Renewer) log() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// RenewIfDue renews when Due says so and reports whether it did.
func (r *Renewer) RenewIfDue(ctx context.Context) (bool, error) {
	if r.KeyPair == nil || r.Client == nil {
		return false, errors.New("proxy: renewer needs KeyPair and Client")
	}
	if due, _ := r.Due(); !due {
		return false, nil
	}
	rnd := r.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	key, err := proxytrust.NewKey(rnd)
	if err != nil {
		return false, err
	}
	csr, err := proxytrust.NewCSR(key, rnd)
	if err != nil {
		return false, err
	}
	old := r.KeyPair.Leaf()
	b, err := r.Client.Renew(ctx, csr)
	if err != nil {
		return false, fmt.Errorf("proxy: renew proxy-trust certificate: %w", err)
	}
	certFile, keyFile := r.KeyPair.Files()
	if err := WriteKeyPair(certFile, keyFile, b.ChainPEM, key); err != nil {
		return false, err
	}
	if err := r.KeyPair.Reload(); err != nil {
		return false, err
	}
	r.log().InfoContext(ctx, "proxy-trust certificate renewed",
		slog.String("old_serial", proxytrust.SerialString(old.SerialNumber)),
		slog.String("serial", proxytrust.SerialString(b.Certificate.SerialNumber)), slog.Time("not_after", b.Certificate.NotAfter))
	if r.OnRenew != nil {
		r.OnRenew()
	}
	return true, nil
}

// Run checks on every tick until ctx ends (and once at start). Failures
// are logged and retried on the next tick; renewal starts at two thirds
// of the lifetime, leaving ten days of retries with the default 30-day
// certificates.
func (r *Renewer) Run(ctx context.Context, ticks <-chan time.Time) {
	for {
		if _, err := r.RenewIfDue(ctx); err != nil && ctx.Err() == nil {
			leaf := r.KeyPair.Leaf()
			r.log().ErrorContext(ctx, "proxy-trust certificate renewal failed; will retry",
				slog.Time("not_after", leaf.NotAfter), slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
	}
}
