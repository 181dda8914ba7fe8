package proxytrust

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Verifier defaults and limits.
const (
	// DefaultRevocationCacheTTL is how long a revocation answer is reused:
	// the longest a revocation takes to reach a running node.
	DefaultRevocationCacheTTL = 30 * time.Second
	// MaxRevocationCacheTTL bounds VerifierConfig.CacheTTL.
	MaxRevocationCacheTTL = 5 * time.Minute
	// revocationCacheSize bounds the cache; it is emptied when full. Real
	// farms have a handful of proxies with one or two live serials each.
	revocationCacheSize = 1024
)

// VerifierConfig configures a Verifier.
type VerifierConfig struct {
	// CA is the proxy-trust CA certificate. Required. Only certificates it
	// signed directly are accepted; intermediates sent by the peer are
	// ignored.
	CA *x509.Certificate
	// Revocations answers revocation lookups. Required.
	Revocations RevocationChecker
	// CacheTTL is how long an IsRevoked answer is reused per serial.
	// Default DefaultRevocationCacheTTL; a negative value disables the
	// cache; at most MaxRevocationCacheTTL. Errors are never cached.
	CacheTTL time.Duration
	// Now is the clock used for certificate validity and the cache.
	// Default time.Now.
	Now func() time.Time
}

// Peer is a verified proxy.
type Peer struct {
	// Name is the proxy's DNS name from its certificate.
	Name string
	// Serial is the certificate serial ([SerialString]).
	Serial string
	// Certificate is the verified leaf certificate.
	Certificate *x509.Certificate
}

// Verifier decides whether a request's connection presented a valid,
// unrevoked proxy-trust certificate. It is safe for concurrent use.
type Verifier struct {
	ca    *x509.Certificate
	roots *x509.CertPool
	revs  RevocationChecker
	ttl   time.Duration
	now   func() time.Time

	mu    sync.Mutex
	cache map[string]cachedRevocation
	// verified remembers leaves whose signature, key usage and name
	// checks passed (by SHA-256 of the DER), so a keep-alive connection's
	// requests do not repeat the signature verification; validity dates
	// and revocation are still checked on every request.
	verified map[[sha256.Size]byte]verifiedLeaf
}

// verifiedLeaf is what CheckCertificate established about a leaf once.
type verifiedLeaf struct {
	name                string
	notBefore, notAfter time.Time
}

// verifiedCacheSize bounds Verifier.verified; it is emptied when full.
const verifiedCacheSize = 1024

type cachedRevocation struct {
	revoked bool
	until   time.Time
}

// NewVerifier checks cfg and returns a Verifier.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	var errs []error
	if cfg.CA == nil {
		errs = append(errs, errors.New("CA is required"))
	} else if !cfg.CA.IsCA {
		errs = append(errs, errors.New("CA is not a CA certificate"))
	}
	if cfg.Revocations == nil {
		errs = append(errs, errors.New("Revocations is required"))
	}
	if cfg.CacheTTL > MaxRevocationCacheTTL {
		errs = append(errs, fmt.Errorf("CacheTTL %s is longer than %s", cfg.CacheTTL, MaxRevocationCacheTTL))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("proxytrust: verifier: %w", errors.Join(errs...))
	}
	v := &Verifier{
		ca: cfg.CA, roots: x509.NewCertPool(), revs: cfg.Revocations, ttl: cfg.CacheTTL,
		now: cfg.Now, cache: make(map[string]cachedRevocation), verified: make(map[[sha256.Size]byte]verifiedLeaf),
	}
	v.roots.AddCert(cfg.CA)
	if v.ttl == 0 {
		v.ttl = DefaultRevocationCacheTTL
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}

// ClientCAs returns a pool holding only the proxy-trust CA, for
// tls.Config.ClientCAs.
func (v *Verifier) ClientCAs() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(v.ca)
	return p
}

// ServerTLSConfig returns a clone of base that asks for a proxy-trust
// client certificate without requiring one (tls.VerifyClientCertIfGiven
// with ClientCAs = the proxy-trust CA only). Browsers, which hold no
// certificate from this CA, connect as before; a certificate from any
// other issuer fails the handshake. The TLS layer checks chain and
// validity at handshake time; [Verifier.Check] re-checks them with the
// injected clock and adds revocation on every request.
func (v *Verifier) ServerTLSConfig(base *tls.Config) *tls.Config {
	c := base.Clone()
	c.ClientAuth = tls.VerifyClientCertIfGiven
	c.ClientCAs = v.ClientCAs()
	return c
}

// VerifyPeer reports whether r arrived on a connection that presented a
// valid, unrevoked proxy-trust certificate, and the proxy's name. Use
// [Verifier.Check] to tell "no certificate" from "rejected certificate".
func (v *Verifier) VerifyPeer(r *http.Request) (proxyName string, ok bool) {
	p, err := v.Check(r)
	if err != nil {
		return "", false
	}
	return p.Name, true
}

// Check verifies the client certificate of r's connection. It returns
// ErrNoCertificate when there is none (a direct client), an error wrapping
// ErrUntrusted or ErrRevoked when one was presented but is not a valid
// proxy certificate, and any other error when the revocation store could
// not answer (fail closed: treat as rejected).
func (v *Verifier) Check(r *http.Request) (Peer, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return Peer{}, ErrNoCertificate
	}
	return v.CheckCertificate(r.Context(), r.TLS.PeerCertificates[0])
}

// CheckCertificate verifies leaf as a proxy-trust client certificate: it
// must be signed directly by the CA, valid at the verifier's now, carry
// the clientAuth extended key usage, not be a CA, name exactly one valid
// DNS name, and not be revoked.
func (v *Verifier) CheckCertificate(ctx context.Context, leaf *x509.Certificate) (Peer, error) {
	if leaf == nil {
		return Peer{}, ErrNoCertificate
	}
	serial := SerialString(leaf.SerialNumber)
	name, err := v.verifyLeaf(leaf, serial)
	if err != nil {
		return Peer{}, err
	}
	revoked, err := v.isRevoked(ctx, serial)
	if err != nil {
		return Peer{}, fmt.Errorf("proxytrust: revocation lookup for serial %s: %w", serial, err)
	}
	if revoked {
		return Peer{}, fmt.Errorf("%w: serial %s (proxy %s)", ErrRevoked, serial, name)
	}
	return Peer{Name: name, Serial: serial, Certificate: leaf}, nil
}

// verifyLeaf checks everything about leaf but revocation and returns the
// proxy name it carries. The chain and the name are established once per
// certificate (the CA never changes for a Verifier); the validity period
// is checked against now every time.
func (v *Verifier) verifyLeaf(leaf *x509.Certificate, serial string) (string, error) {
	key := sha256.Sum256(leaf.Raw)
	now := v.now()
	v.mu.Lock()
	known, ok := v.verified[key]
	v.mu.Unlock()
	if ok {
		if now.Before(known.notBefore) || now.After(known.notAfter) {
			return "", fmt.Errorf("%w: serial %s: certificate is not valid at %s (valid %s to %s)", ErrUntrusted, serial,
				now.UTC().Format(time.RFC3339), known.notBefore.UTC().Format(time.RFC3339), known.notAfter.UTC().Format(time.RFC3339))
		}
		return known.name, nil
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:       v.roots,
		CurrentTime: v.now(),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return "", fmt.Errorf("%w: serial %s: %w", ErrUntrusted, serial, err)
	}
	if leaf.IsCA {
		return "", fmt.Errorf("%w: serial %s is a CA certificate", ErrUntrusted, serial)
	}
	if len(leaf.DNSNames) != 1 {
		return "", fmt.Errorf("%w: serial %s names %d DNS names; want exactly one", ErrUntrusted, serial, len(leaf.DNSNames))
	}
	name, err := NormalizeProxyName(leaf.DNSNames[0])
	if err != nil {
		return "", fmt.Errorf("%w: serial %s: %w", ErrUntrusted, serial, err)
	}
	v.mu.Lock()
	if len(v.verified) >= verifiedCacheSize {
		clear(v.verified)
	}
	v.verified[key] = verifiedLeaf{name: name, notBefore: leaf.NotBefore, notAfter: leaf.NotAfter}
	v.mu.Unlock()
	return name, nil
}

func (v *Verifier) isRevoked(ctx context.Context, serial string) (bool, error) {
	now := v.now()
	if v.ttl > 0 {
		v.mu.Lock()
		c, ok := v.cache[serial]
		v.mu.Unlock()
		if ok && now.Before(c.until) {
			return c.revoked, nil
		}
	}
	revoked, err := v.revs.IsRevoked(ctx, serial)
	if err != nil {
		return false, err
	}
	if v.ttl > 0 {
		v.mu.Lock()
		if len(v.cache) >= revocationCacheSize {
			clear(v.cache)
		}
		v.cache[serial] = cachedRevocation{revoked: revoked, until: now.Add(v.ttl)}
		v.mu.Unlock()
	}
	return revoked, nil
}

// forget drops serial from the cache, so a revocation made through this
// process takes effect at once.
func (v *Verifier) forget(serial string) {
	v.mu.Lock()
	delete(v.cache, serial)
	v.mu.Unlock()
}
