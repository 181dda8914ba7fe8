package proxy

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
)

// KeyPair is a certificate and key loaded from PEM files and swapped
// atomically on Reload: the public TLS certificate (GetCertificate) and
// the proxy-trust client certificate (GetClientCertificate) both use it.
// A failed reload keeps the previous pair, so a half-written file never
// takes the service down. It is safe for concurrent use.
type KeyPair struct {
	certFile, keyFile string
	log               *slog.Logger

	mu  sync.Mutex // serialises reloads
	cur atomic.Pointer[loadedPair]
}

type loadedPair struct {
	cert            *tls.Certificate
	certMod, keyMod fileStamp
}

// fileStamp identifies a file version by modification time and size.
type fileStamp struct {
	mod  time.Time
	size int64
}

func stamp(path string) (fileStamp, error) {
	st, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{mod: st.ModTime(), size: st.Size()}, nil
}

// LoadKeyPair reads the PEM certificate chain and private key (each at
// most proxytrust.MaxPEMFile bytes). log may be nil.
func LoadKeyPair(certFile, keyFile string, log *slog.Logger) (*KeyPair, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	k := &KeyPair{certFile: certFile, keyFile: keyFile, log: log}
	if err := k.Reload(); err != nil {
		return nil, err
	}
	return k, nil
}

// Reload reads both files again and, if they form a valid pair, makes it
// current. On error the previous pair stays in use.
func (k *KeyPair) Reload() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.reloadLocked()
}

func (k *KeyPair) reloadLocked() error {
	cs, err := stamp(k.certFile)
	if err != nil {
		return fmt.Errorf("proxy: certificate: %w", err)
	}
	ks, err := stamp(k.keyFile)
	if err != nil {
		return fmt.Errorf("proxy: key: %w", err)
	}
	certPEM, err := proxytrust.ReadFileLimited(k.certFile, proxytrust.MaxPEMFile)
	if err != nil {
		return fmt.Errorf("proxy: certificate: %w", err)
	}
	keyPEM, err := proxytrust.ReadFileLimited(k.keyFile, proxytrust.MaxPEMFile)
	if err != nil {
		return fmt.Errorf("proxy: key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		// tls errors never include key material.
		return fmt.Errorf("proxy: %s / %s: %w", k.certFile, k.keyFile, err)
	}
	if cert.Leaf == nil { // X509KeyPair fills it unless GODEBUG x509keypairleaf=0
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return fmt.Errorf("proxy: %s: %w", k.certFile, err)
		}
	}
	prev := k.cur.Swap(&loadedPair{cert: &cert, certMod: cs, keyMod: ks})
	if prev != nil && prev.cert.Leaf != nil && !prev.cert.Leaf.Equal(cert.Leaf) {
		k.log.Info("certificate reloaded", slog.String("file", k.certFile),
			slog.String("serial", proxytrust.SerialString(cert.Leaf.SerialNumber)), slog.Time("not_after", cert.Leaf.NotAfter))
	}
	return nil
}

// ReloadIfChanged reloads when either file's modification time or size
// differs from the loaded version. It reports whether a new pair was
// loaded.
func (k *KeyPair) ReloadIfChanged() (bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	cur := k.cur.Load()
	cs, err1 := stamp(k.certFile)
	ks, err2 := stamp(k.keyFile)
	if err := errors.Join(err1, err2); err != nil {
		return false, fmt.Errorf("proxy: %w", err)
	}
	if cur != nil && cs == cur.certMod && ks == cur.keyMod {
		return false, nil
	}
	if err := k.reloadLocked(); err != nil {
		return false, err
	}
	return true, nil
}

// Watch calls ReloadIfChanged on every tick until ctx ends, logging
// failures (the previous pair stays in use). cmd passes a ticker's
// channel; tests pass their own.
func (k *KeyPair) Watch(ctx context.Context, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			if _, err := k.ReloadIfChanged(); err != nil {
				k.log.Warn("certificate reload failed; keeping the current one", slog.String("file", k.certFile), slog.Any("error", err))
			}
		}
	}
}

// Certificate returns the current pair.
func (k *KeyPair) Certificate() *tls.Certificate { return k.cur.Load().cert }

// Leaf returns the current leaf certificate.
func (k *KeyPair) Leaf() *x509.Certificate { return k.cur.Load().cert.Leaf }

// GetCertificate implements tls.Config.GetCertificate.
func (k *KeyPair) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return k.Certificate(), nil
}

// GetClientCertificate implements tls.Config.GetClientCertificate.
func (k *KeyPair) GetClientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	return k.Certificate(), nil
}

// Files returns the certificate and key file names.
func (k *KeyPair) Files() (certFile, keyFile string) { return k.certFile, k.keyFile }

// WriteKeyPair stores a proxy-trust key pair: the key (PKCS#8, mode 0600)
// first, then the chain (mode 0644), each written to a temporary file in
// the same directory and renamed over the target, so a reader sees either
// the old or the new file, never a partial one.
func WriteKeyPair(certFile, keyFile string, chainPEM []byte, key crypto.Signer) error {
	keyPEM, err := proxytrust.MarshalPrivateKeyPEM(key)
	if err != nil {
		return err
	}
	if err := writeAtomic(keyFile, keyPEM, 0o600); err != nil {
		return fmt.Errorf("proxy: write key: %w", err)
	}
	if err := writeAtomic(certFile, chainPEM, 0o644); err != nil {
		return fmt.Errorf("proxy: write certificate: %w", err)
	}
	return nil
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		_ = f.Close()
		_ = os.Remove(tmp)
		return err
	}
	if err := f.Chmod(mode); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}
