package token

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
)

// DefaultLifetime is the token lifetime when Config.Lifetime is zero; AD FS
// traces show NotOnOrAfter = IssueInstant + 1h.
const DefaultLifetime = time.Hour

// MaxLifetime bounds Config.Lifetime: a bearer token that outlives a working
// day is a liability if it leaks.
const MaxLifetime = 24 * time.Hour

// Config configures an Issuer.
type Config struct {
	// Issuer is the STS identifier written into every token, e.g.
	// "http://sts.contoso.com/adfs/services/trust" (http scheme, as AD FS).
	// Required; it must match the IssuerUri registered with Entra ID.
	Issuer string
	// Keys holds the signing key (Current) and the rollover certificate.
	// Current is required and is validated by New.
	Keys KeySet
	// Lifetime is NotOnOrAfter − NotBefore. Default DefaultLifetime (1h);
	// at most MaxLifetime.
	Lifetime time.Duration
	// Algorithm is the signature algorithm. Default RSASHA256; RSASHA1 only
	// for relying parties configured for it.
	Algorithm SignatureAlgorithm
	// Now is the clock. Default time.Now. Instants are written in UTC with
	// millisecond precision.
	Now func() time.Time
	// Rand is the source of assertion IDs ("_" + hex of 16 bytes). Default
	// crypto/rand.Reader. It must be unpredictable in production and safe
	// for concurrent use when the Issuer is shared between goroutines.
	Rand io.Reader
}

// Issuer mints signed tokens. It is safe for concurrent use.
type Issuer struct {
	issuer   string
	keys     KeySet
	lifetime time.Duration
	now      func() time.Time
	rand     io.Reader
	saml11   *XMLSigner
}

// New validates cfg, fills in defaults and prepares the signing context once.
func New(cfg Config) (*Issuer, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("token: config: Issuer is empty; set it to the STS identifier, e.g. http://sts.contoso.com/adfs/services/trust")
	}
	if err := uriSafe("config: Issuer", cfg.Issuer); err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	if cfg.Lifetime == 0 {
		cfg.Lifetime = DefaultLifetime
	}
	if cfg.Lifetime < time.Second || cfg.Lifetime > MaxLifetime {
		return nil, fmt.Errorf("token: config: Lifetime %s is out of range; use 1s to %s", cfg.Lifetime, MaxLifetime)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	signer, err := NewXMLSigner(cfg.Keys.Current, cfg.Algorithm, "AssertionID")
	if err != nil {
		return nil, err // already "token: …"
	}
	return &Issuer{
		issuer:   cfg.Issuer,
		keys:     cfg.Keys,
		lifetime: cfg.Lifetime,
		now:      cfg.Now,
		rand:     cfg.Rand,
		saml11:   signer,
	}, nil
}

// Keys returns the key set the issuer was built with.
func (i *Issuer) Keys() KeySet { return i.keys }

// NewID returns "_" followed by 32 lowercase hex digits read from r. The
// leading underscore makes it a valid xs:ID (an NCName).
func NewID(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("token: read random ID: %w", err)
	}
	var out [33]byte
	out[0] = '_'
	hex.Encode(out[1:], b[:])
	return string(out[:]), nil
}
