package samlp

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/fedgate/fedgate/idp/token"
)

// Limits on inbound messages.
const (
	// MaxRequestBytes bounds a decoded inbound message (either binding).
	MaxRequestBytes = 64 << 10
	// MaxDeflatedBytes bounds the compressed Redirect-binding payload.
	MaxDeflatedBytes = 16 << 10
	// MaxRelayState bounds RelayState. saml-bindings §3.4.3 says senders
	// MUST NOT exceed 80 bytes; real SPs (Salesforce, some Shibboleth
	// setups) send return URLs longer than that, so 1 KiB is accepted. It is
	// echoed back only inside the auto-POST form, HTML-escaped.
	MaxRelayState = 1024
	// DefaultClockSkew is the default allowance on IssueInstant.
	DefaultClockSkew = 3 * time.Minute
	// DefaultMaxRequestAge is how old an inbound message may be.
	DefaultMaxRequestAge = 5 * time.Minute
	// subjectConfirmationLifetime bounds SubjectConfirmationData
	// NotOnOrAfter: the response must be posted within 5 minutes (AD FS).
	subjectConfirmationLifetime = 5 * time.Minute
)

// Config configures an IdP.
type Config struct {
	// EntityID is our issuer URI (the AD FS identifier,
	// http://sts.example.com/adfs/services/trust). Required.
	EntityID string
	// SSOURL is the absolute URL of /adfs/ls/, where the IdP receives
	// AuthnRequests and logout messages alike (the metadata lists it as
	// both SingleSignOnService and SingleLogoutService); an inbound
	// message's Destination must equal it when present, and a signed
	// logout message must carry it. Required.
	SSOURL string
	// Keys signs assertions and responses (Current only). Required.
	Keys token.KeySet
	// ClockSkew is allowed between our clock and the SP's. Default DefaultClockSkew.
	ClockSkew time.Duration
	// MaxRequestAge bounds how old a request may be. Default DefaultMaxRequestAge.
	MaxRequestAge time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Rand supplies IDs. Default crypto/rand.Reader.
	Rand io.Reader
	// Log receives debug events (never keys or assertions). Default discard.
	Log *slog.Logger
}

// IdP parses AuthnRequests and logout messages and builds Responses and
// logout messages. It is safe for concurrent use.
type IdP struct {
	cfg     Config
	signers map[token.SignatureAlgorithm]*token.XMLSigner
}

// New validates cfg, applies defaults and prepares signers.
func New(cfg Config) (*IdP, error) {
	if cfg.EntityID == "" || cfg.SSOURL == "" {
		return nil, fmt.Errorf("samlp: EntityID and SSOURL are required: %w", ErrConfig)
	}
	if cfg.ClockSkew == 0 {
		cfg.ClockSkew = DefaultClockSkew
	}
	if cfg.MaxRequestAge == 0 {
		cfg.MaxRequestAge = DefaultMaxRequestAge
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	idp := &IdP{cfg: cfg, signers: map[token.SignatureAlgorithm]*token.XMLSigner{}}
	for _, alg := range []token.SignatureAlgorithm{token.RSASHA256, token.RSASHA1} {
		s, err := token.NewXMLSigner(cfg.Keys.Current, alg, "ID")
		if err != nil {
			return nil, fmt.Errorf("samlp: %w", err)
		}
		idp.signers[alg] = s
	}
	return idp, nil
}

func (idp *IdP) signer(alg token.SignatureAlgorithm) *token.XMLSigner {
	if alg == "" {
		alg = token.RSASHA256
	}
	return idp.signers[alg]
}
