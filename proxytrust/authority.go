package proxytrust

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"time"
)

// Authority limits and defaults.
const (
	// DefaultTokenLifetime is how long an enrollment token stays usable.
	DefaultTokenLifetime = time.Hour
	// MaxTokenLifetime bounds a token's lifetime.
	MaxTokenLifetime = 7 * 24 * time.Hour
	// MinCertLifetime and MaxCertLifetime bound Config.CertLifetime.
	MinCertLifetime = time.Hour
	MaxCertLifetime = 365 * 24 * time.Hour
)

// Config configures an Authority.
type Config struct {
	// CA signs proxy certificates. Required.
	CA *CA
	// Store keeps tokens, issued certificates and revocations. Required;
	// shared by every node of a farm.
	Store Store
	// CertLifetime is the validity of issued certificates. Default
	// DefaultCertLifetime (30 days); MinCertLifetime to MaxCertLifetime.
	// Shorter limits the use of a stolen certificate that is not revoked.
	CertLifetime time.Duration
	// TokenLifetime is the default lifetime of enrollment tokens. Default
	// DefaultTokenLifetime (1h); at most MaxTokenLifetime.
	TokenLifetime time.Duration
	// RevocationCacheTTL is passed to the Verifier (VerifierConfig.CacheTTL).
	RevocationCacheTTL time.Duration
	// MaxBodyBytes bounds request bodies of the HTTP endpoints. Default
	// and maximum MaxCSRBytes.
	MaxBodyBytes int64
	// Now is the clock for tokens, validity and revocation times. Default
	// time.Now.
	Now func() time.Time
	// Rand is the source of tokens and serials. Default crypto/rand.Reader.
	Rand io.Reader
	// Logger receives issuance, renewal and revocation events (Info) and
	// refusals (Warn). Tokens are never logged, only the first 12 hex
	// digits of their hash. Default: discard.
	Logger *slog.Logger
}

// Authority issues enrollment tokens and proxy certificates and revokes
// them. It is safe for concurrent use.
type Authority struct {
	ca       *CA
	store    Store
	verifier *Verifier
	certTTL  time.Duration
	tokenTTL time.Duration
	maxBody  int64
	now      func() time.Time
	rand     io.Reader
	log      *slog.Logger
}

// New checks cfg and returns an Authority.
func New(cfg Config) (*Authority, error) {
	var errs []error
	if cfg.CA == nil {
		errs = append(errs, errors.New("CA is required"))
	}
	if cfg.Store == nil {
		errs = append(errs, errors.New("Store is required"))
	}
	if cfg.CertLifetime == 0 {
		cfg.CertLifetime = DefaultCertLifetime
	}
	if cfg.CertLifetime < MinCertLifetime || cfg.CertLifetime > MaxCertLifetime {
		errs = append(errs, fmt.Errorf("CertLifetime %s is outside %s to %s", cfg.CertLifetime, MinCertLifetime, MaxCertLifetime))
	}
	if cfg.TokenLifetime == 0 {
		cfg.TokenLifetime = DefaultTokenLifetime
	}
	if cfg.TokenLifetime < time.Minute || cfg.TokenLifetime > MaxTokenLifetime {
		errs = append(errs, fmt.Errorf("TokenLifetime %s is outside 1m to %s", cfg.TokenLifetime, MaxTokenLifetime))
	}
	if cfg.MaxBodyBytes <= 0 || cfg.MaxBodyBytes > MaxCSRBytes {
		cfg.MaxBodyBytes = MaxCSRBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("proxytrust: %w", errors.Join(errs...))
	}
	v, err := NewVerifier(VerifierConfig{
		CA: cfg.CA.Certificate(), Revocations: cfg.Store, CacheTTL: cfg.RevocationCacheTTL,
		Now: cfg.Now,
	})
	if err != nil {
		return nil, err
	}
	return &Authority{
		ca: cfg.CA, store: cfg.Store, verifier: v, certTTL: cfg.CertLifetime, tokenTTL: cfg.TokenLifetime,
		maxBody: cfg.MaxBodyBytes, now: cfg.Now, rand: cfg.Rand, log: cfg.Logger,
	}, nil
}

// Verifier returns the Verifier for this authority's CA and store (the
// one to give to [Headers]).
func (a *Authority) Verifier() *Verifier { return a.verifier }

// CA returns the authority's CA.
func (a *Authority) CA() *CA { return a.ca }

// IssueToken creates a one-time enrollment token for the proxy named
// proxyName, valid for ttl (0 = Config.TokenLifetime; at most
// MaxTokenLifetime). Only the token's hash is stored. The token must be
// shown to the operator once and never logged.
func (a *Authority) IssueToken(ctx context.Context, proxyName string, ttl time.Duration) (Token, Enrollment, error) {
	name, err := NormalizeProxyName(proxyName)
	if err != nil {
		return Token{}, Enrollment{}, err
	}
	if ttl == 0 {
		ttl = a.tokenTTL
	}
	if ttl < time.Minute || ttl > MaxTokenLifetime {
		return Token{}, Enrollment{}, fmt.Errorf("proxytrust: token lifetime %s is outside 1m to %s", ttl, MaxTokenLifetime)
	}
	tok, err := NewToken(a.rand)
	if err != nil {
		return Token{}, Enrollment{}, err
	}
	now := a.now().UTC()
	e := Enrollment{TokenHash: tok.Hash(), ProxyName: name, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := a.store.CreateEnrollment(ctx, e); err != nil {
		return Token{}, Enrollment{}, fmt.Errorf("proxytrust: store enrollment: %w", err)
	}
	a.log.LogAttrs(ctx, slog.LevelInfo, "proxy enrollment token issued",
		slog.String("proxy", name), slog.String("token_id", tokenID(e.TokenHash)), slog.Time("expires", e.ExpiresAt))
	return tok, e, nil
}

// Enroll consumes tok and issues a certificate for the public key of csr
// (already checked by ParseCSR) and the name bound to the token. Every
// token problem (unknown, expired, used) is ErrInvalidToken; the reason
// is logged. The token is consumed only after the request is otherwise
// valid, with one atomic Store.UseOnce, so two concurrent enrollments
// with one token cannot both succeed. If signing or recording fails after
// that, the token is spent and a new one must be issued.
func (a *Authority) Enroll(ctx context.Context, tok Token, csr *x509.CertificateRequest) (*x509.Certificate, error) {
	if tok.IsZero() {
		return nil, ErrInvalidToken
	}
	if csr == nil {
		return nil, fmt.Errorf("%w: missing", ErrInvalidCSR)
	}
	hash := tok.Hash()
	refuse := func(reason string) error {
		a.log.LogAttrs(ctx, slog.LevelWarn, "proxy enrollment refused",
			slog.String("token_id", tokenID(hash)), slog.String("reason", reason))
		return ErrInvalidToken
	}
	e, ok, err := a.store.GetEnrollment(ctx, hash)
	if err != nil {
		return nil, fmt.Errorf("proxytrust: look up enrollment: %w", err)
	}
	if !ok {
		return nil, refuse("unknown token")
	}
	now := a.now()
	if !now.Before(e.ExpiresAt) {
		return nil, refuse("token expired")
	}
	first, err := a.store.UseOnce(ctx, UseOnceKind, hash, e.ExpiresAt)
	if err != nil {
		return nil, fmt.Errorf("proxytrust: consume enrollment token: %w", err)
	}
	if !first {
		return nil, refuse("token already used")
	}
	cert, err := a.issue(ctx, csr, e.ProxyName, false)
	if err != nil {
		return nil, err
	}
	a.log.LogAttrs(ctx, slog.LevelInfo, "proxy enrolled",
		slog.String("proxy", e.ProxyName), slog.String("serial", SerialString(cert.SerialNumber)),
		slog.String("token_id", tokenID(hash)), slog.Time("not_after", cert.NotAfter))
	return cert, nil
}

// RenewAt is when a proxy should renew cert: once two thirds of its
// lifetime have passed. The authority accepts renewal from half-way
// ([Authority.Renew]), leaving a margin for clock skew and retries.
func RenewAt(cert *x509.Certificate) time.Time {
	life := cert.NotAfter.Sub(cert.NotBefore)
	return cert.NotBefore.Add(life * 2 / 3)
}

// renewableFrom is the first instant at which the authority renews cert.
func renewableFrom(cert *x509.Certificate) time.Time {
	return cert.NotBefore.Add(cert.NotAfter.Sub(cert.NotBefore) / 2)
}

// Renew issues a new certificate with peer's name for the key of csr.
// peer must come from this authority's Verifier (valid, unrevoked). A
// request before half of peer's lifetime has passed is ErrTooEarly. The
// old certificate stays valid until it expires.
func (a *Authority) Renew(ctx context.Context, peer Peer, csr *x509.CertificateRequest) (*x509.Certificate, error) {
	if peer.Certificate == nil || peer.Name == "" {
		return nil, ErrNoCertificate
	}
	if csr == nil {
		return nil, fmt.Errorf("%w: missing", ErrInvalidCSR)
	}
	if from := renewableFrom(peer.Certificate); a.now().Before(from) {
		return nil, fmt.Errorf("%w: serial %s can be renewed from %s", ErrTooEarly, peer.Serial, from.UTC().Format(time.RFC3339))
	}
	cert, err := a.issue(ctx, csr, peer.Name, true)
	if err != nil {
		return nil, err
	}
	a.log.LogAttrs(ctx, slog.LevelInfo, "proxy certificate renewed",
		slog.String("proxy", peer.Name), slog.String("old_serial", peer.Serial),
		slog.String("serial", SerialString(cert.SerialNumber)), slog.Time("not_after", cert.NotAfter))
	return cert, nil
}

func (a *Authority) issue(ctx context.Context, csr *x509.CertificateRequest, name string, renewal bool) (*x509.Certificate, error) {
	if err := checkPublicKey(csr.PublicKey); err != nil {
		return nil, err
	}
	now := a.now()
	cert, err := a.ca.sign(csr.PublicKey, name, now, a.certTTL, a.rand)
	if err != nil {
		return nil, err
	}
	rec := Issued{
		Serial: SerialString(cert.SerialNumber), ProxyName: name,
		NotBefore: cert.NotBefore.UTC(), NotAfter: cert.NotAfter.UTC(), IssuedAt: now.UTC(), Renewal: renewal,
	}
	// Record before handing out: a certificate that is not on the list
	// could not be found and revoked by name.
	if err := a.store.RecordIssued(ctx, rec); err != nil {
		return nil, fmt.Errorf("proxytrust: record issued certificate: %w", err)
	}
	return cert, nil
}

// List returns every issued certificate, ordered by IssuedAt then Serial.
func (a *Authority) List(ctx context.Context) ([]Issued, error) {
	list, err := a.store.ListIssued(ctx)
	if err != nil {
		return nil, fmt.Errorf("proxytrust: list issued certificates: %w", err)
	}
	sort.SliceStable(list, func(i, j int) bool {
		if !list[i].IssuedAt.Equal(list[j].IssuedAt) {
			return list[i].IssuedAt.Before(list[j].IssuedAt)
		}
		return list[i].Serial < list[j].Serial
	})
	return list, nil
}

// Revoke revokes the certificate with serial (any form ParseSerial
// accepts). A serial this authority never issued is ErrUnknownSerial.
// Other fedgate nodes stop trusting it within their revocation cache TTL;
// this node at once.
func (a *Authority) Revoke(ctx context.Context, serial string) (Issued, error) {
	s, err := ParseSerial(serial)
	if err != nil {
		return Issued{}, err
	}
	list, err := a.List(ctx)
	if err != nil {
		return Issued{}, err
	}
	for _, c := range list {
		if c.Serial == s {
			return a.revoke(ctx, c)
		}
	}
	return Issued{}, fmt.Errorf("%w: %s", ErrUnknownSerial, s)
}

// RevokeProxy revokes every certificate ever issued to proxyName,
// renewals included, and returns them. No certificate for that name is
// ErrUnknownSerial. Use it when a proxy is retired or compromised: a thief
// may have renewed a stolen certificate into new serials.
func (a *Authority) RevokeProxy(ctx context.Context, proxyName string) ([]Issued, error) {
	name, err := NormalizeProxyName(proxyName)
	if err != nil {
		return nil, err
	}
	list, err := a.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []Issued
	for _, c := range list {
		if c.ProxyName != name {
			continue
		}
		r, err := a.revoke(ctx, c)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: none for proxy %s", ErrUnknownSerial, name)
	}
	return out, nil
}

func (a *Authority) revoke(ctx context.Context, c Issued) (Issued, error) {
	if !c.RevokedAt.IsZero() {
		return c, nil
	}
	at := a.now().UTC()
	if err := a.store.Revoke(ctx, c.Serial, at); err != nil {
		return Issued{}, fmt.Errorf("proxytrust: revoke %s: %w", c.Serial, err)
	}
	a.verifier.forget(c.Serial)
	c.RevokedAt = at
	a.log.LogAttrs(ctx, slog.LevelInfo, "proxy certificate revoked",
		slog.String("proxy", c.ProxyName), slog.String("serial", c.Serial))
	return c, nil
}
