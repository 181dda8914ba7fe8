package rp

import (
	"fmt"
	"sync"
	"time"

	"github.com/fedgate/fedgate/idp/token"
)

// Issuers signs SAML 1.1 tokens (WS-Federation and WS-Trust) with each
// relying party's own signature algorithm and token lifetime. The
// audience a caller passes is the realm it looked the party up by, so
// Issuers looks it up again and picks a token.Issuer for that party's
// settings; parties without settings use the base configuration. An
// audience that names no party is refused: no token is signed for an
// unknown relying party. Safe for concurrent use.
type Issuers struct {
	base   token.Config
	lookup func(identifier string) (*Party, error)
	mu     sync.Mutex
	byKey  map[issuerKey]*token.Issuer
}

type issuerKey struct {
	alg      token.SignatureAlgorithm
	lifetime time.Duration
}

// NewIssuers validates base (token.New's defaults apply: RSA-SHA256, one
// hour) and returns an Issuers over lookup, normally Registry.Lookup.
func NewIssuers(base token.Config, lookup func(identifier string) (*Party, error)) (*Issuers, error) {
	if lookup == nil {
		return nil, fmt.Errorf("rp: issuers: lookup is required")
	}
	if base.Algorithm == "" {
		base.Algorithm = token.RSASHA256
	}
	if base.Lifetime == 0 {
		base.Lifetime = token.DefaultLifetime
	}
	def, err := token.New(base)
	if err != nil {
		return nil, err
	}
	s := &Issuers{base: base, lookup: lookup, byKey: map[issuerKey]*token.Issuer{}}
	s.byKey[issuerKey{base.Algorithm, base.Lifetime}] = def
	return s, nil
}

// SAML11 issues c for the party registered under audience, with that
// party's algorithm and lifetime (token.Issuer.SAML11).
func (s *Issuers) SAML11(c token.Claims, audience string) (*token.Assertion, error) {
	p, err := s.lookup(audience)
	if err != nil {
		return nil, fmt.Errorf("rp: issue token: %w", err)
	}
	if p.Protocol != WSFed {
		return nil, fmt.Errorf("rp: issue token: %q is not a WS-Federation party", p.Name)
	}
	iss, err := s.issuer(p)
	if err != nil {
		return nil, err
	}
	return iss.SAML11(c, audience)
}

// issuer returns (creating once) the token.Issuer for p's settings. The
// map holds one entry per distinct (algorithm, lifetime) pair of the
// configured parties.
func (s *Issuers) issuer(p *Party) (*token.Issuer, error) {
	k := issuerKey{alg: p.SignatureAlgorithm, lifetime: p.TokenLifetime}
	if k.alg == "" {
		k.alg = s.base.Algorithm
	}
	if k.lifetime == 0 {
		k.lifetime = s.base.Lifetime
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if iss, ok := s.byKey[k]; ok {
		return iss, nil
	}
	cfg := s.base
	cfg.Algorithm, cfg.Lifetime = k.alg, k.lifetime
	iss, err := token.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("rp: token issuer for %q: %w", p.Name, err)
	}
	s.byKey[k] = iss
	return iss, nil
}
