package rp

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
)

// Protocol is the token protocol a relying party speaks.
type Protocol string

// Protocols supported by fedgate.
const (
	WSFed Protocol = "wsfed"
	SAML2 Protocol = "saml2"
)

// Errors returned by Registry and Party lookups. Callers render them as
// error pages; they are never turned into redirects.
var (
	ErrUnknownParty = errors.New("rp: no relying-party trust has this identifier")
	ErrReplyURL     = errors.New("rp: reply URL is not registered for this relying party")
)

// Party is one relying-party trust.
type Party struct {
	// Name is the display name shown in logs and the audit trail.
	Name string
	// Protocol is the token protocol; Default: WSFed.
	Protocol Protocol
	// Identifiers are the realms (wtrealm) or SAML entity IDs the party is
	// known by. At least one is required; they are matched exactly.
	Identifiers []string
	// ReplyURLs are the only URLs a token for this party is ever sent to.
	// The first one is used when the request names none. At least one is
	// required; each must be https (http only for loopback hosts).
	ReplyURLs []string
	// MFA says when the TOTP step is required before a token is issued:
	// MFAAlways, MFAExtranetOnly or MFANever. Default (zero value):
	// MFAAlways.
	MFA MFAPolicy
	// RequireFreshAuth makes every request re-prompt for the password
	// instead of using the single sign-on session. Default: false.
	RequireFreshAuth bool
	// TokenLifetime overrides the issuer's token lifetime; zero keeps it.
	// At most token.MaxLifetime. For SAML 2.0 parties the assertion
	// lifetime is SAML.AssertionLifetime (Definition sets both).
	TokenLifetime time.Duration
	// SignatureAlgorithm signs this WS-Fed party's tokens. Default "": the
	// issuer's algorithm (RSA-SHA256 unless configured otherwise); set
	// token.RSASHA1 only for a party that cannot verify SHA-256. SAML 2.0
	// parties use SAML.SignatureAlgorithm; it must be empty for them.
	SignatureAlgorithm token.SignatureAlgorithm
	// NameIDFormat is the NameIdentifier Format of this WS-Fed party's
	// tokens. Default "": unspecified. SAML 2.0 parties use
	// SAML.NameIDFormat; it must be empty for them.
	NameIDFormat string
	// NameIDSource selects the subject identifier's value. Default "":
	// the ImmutableID, or the UPN for a SAML 2.0 party whose NameID
	// format is emailAddress. Microsoft's parties always get the
	// ImmutableID.
	NameIDSource NameIDSource
	// Claims are the claim rules, applied in order. Default empty: the
	// default rules (claims.DefaultRules) for other parties; for
	// Microsoft's (IsMicrosoftOnline) they add claims after the built-in
	// claim set and may not issue its claim types.
	Claims []claims.Rule
	// Access says who may receive a token (issuance authorization).
	// Default: everyone who authenticates. It is checked before any
	// token is issued, on every path (password, single sign-on,
	// IdP-initiated).
	Access claims.Access
	// SAML holds the SAML 2.0 service-provider settings (ACS endpoints,
	// request signing keys, encryption, NameID format) of a Protocol SAML2
	// party. Identifiers must then be exactly [SAML.EntityID] and
	// ReplyURLs exactly the ACS locations, so ResolveReply and IsReplyURL keep guarding where responses go;
	// NewRegistry fills either when left empty (see SAMLParty). Forbidden
	// for WSFed. A SAML2 party without it is inert: the SAML endpoint
	// treats its entity ID as unknown. Default nil.
	SAML *samlp.ServiceProvider
}

// SAMLParty returns a SAML 2.0 trust for sp with the MFA policy mfa:
// identifier sp.EntityID, reply URLs the ACS locations in order.
func SAMLParty(name string, sp *samlp.ServiceProvider, mfa MFAPolicy) Party {
	return Party{Name: name, Protocol: SAML2, SAML: sp, MFA: mfa}
}

// Validate reports every problem with the party's definition.
func (p *Party) Validate() error {
	var errs []error
	if strings.TrimSpace(p.Name) == "" {
		errs = append(errs, errors.New("name is empty"))
	}
	switch p.Protocol {
	case WSFed, SAML2:
	default:
		errs = append(errs, fmt.Errorf("protocol %q is not supported; use %q or %q", p.Protocol, WSFed, SAML2))
	}
	if _, err := ParseMFAPolicy(string(p.MFA)); err != nil {
		errs = append(errs, fmt.Errorf("mfa: %w", err))
	}
	if len(p.Identifiers) == 0 {
		errs = append(errs, errors.New("identifiers: at least one identifier is required"))
	}
	for i, id := range p.Identifiers {
		if strings.TrimSpace(id) == "" || id != strings.TrimSpace(id) {
			errs = append(errs, fmt.Errorf("identifiers[%d]: %q must be non-empty and without surrounding spaces", i, id))
		}
	}
	if len(p.ReplyURLs) == 0 {
		errs = append(errs, errors.New("reply_urls: at least one reply URL is required"))
	}
	for i, u := range p.ReplyURLs {
		if err := CheckReplyURL(u); err != nil {
			errs = append(errs, fmt.Errorf("reply_urls[%d]: %w", i, err))
		}
	}
	if p.TokenLifetime < 0 || p.TokenLifetime > token.MaxLifetime {
		errs = append(errs, fmt.Errorf("token_lifetime: %s is out of range; use 0 (the default) up to %s", p.TokenLifetime, token.MaxLifetime))
	}
	errs = append(errs, p.validateSAML()...)
	errs = append(errs, p.validateIssuance()...)
	if len(errs) > 0 {
		return fmt.Errorf("rp: relying party %q: %w", p.Name, errors.Join(errs...))
	}
	return nil
}

// validateSAML checks the SAML settings against the protocol, the
// identifiers and the reply URLs.
func (p *Party) validateSAML() []error {
	if p.Protocol != SAML2 {
		if p.SAML != nil {
			return []error{fmt.Errorf("saml: settings are only for protocol %q", SAML2)}
		}
		return nil
	}
	if p.SAML == nil {
		// Declared but not configured: samlp lookups skip it, so nothing
		// is ever issued to it.
		return nil
	}
	if err := p.SAML.Validate(); err != nil {
		return []error{fmt.Errorf("saml: %w", err)}
	}
	var errs []error
	if len(p.Identifiers) != 1 || p.Identifiers[0] != p.SAML.EntityID {
		errs = append(errs, fmt.Errorf("identifiers: a SAML 2.0 party is known only by its entity ID %q", p.SAML.EntityID))
	}
	acs := acsLocations(p.SAML)
	if len(acs) != len(p.ReplyURLs) {
		errs = append(errs, errors.New("reply_urls: must be exactly the assertion consumer service locations"))
	} else {
		for i := range acs {
			if acs[i] != p.ReplyURLs[i] {
				errs = append(errs, fmt.Errorf("reply_urls[%d]: %q is not assertion consumer service %q", i, p.ReplyURLs[i], acs[i]))
			}
		}
	}
	return errs
}

func acsLocations(sp *samlp.ServiceProvider) []string {
	out := make([]string, 0, len(sp.ACS))
	for _, e := range sp.ACS {
		out = append(out, e.Location)
	}
	return out
}

// CheckReplyURL checks that u can be a reply URL: absolute, https (http is
// allowed only for loopback hosts, for labs), no user info and no fragment.
func CheckReplyURL(u string) error {
	parsed, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", u, err)
	}
	if !parsed.IsAbs() || parsed.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", u)
	}
	switch parsed.Scheme {
	case "https":
	case "http":
		if !isLoopback(parsed.Hostname()) {
			return fmt.Errorf("%q uses http; only https is allowed outside loopback", u)
		}
	default:
		return fmt.Errorf("%q has scheme %q; use https", u, parsed.Scheme)
	}
	if parsed.User != nil {
		return fmt.Errorf("%q must not carry user information", u)
	}
	if parsed.Fragment != "" {
		return fmt.Errorf("%q must not have a fragment", u)
	}
	return nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1" || strings.HasPrefix(host, "127.")
}

// ResolveReply returns the URL a token for p is POSTed to. An empty
// requested URL selects the party's first registered reply URL; otherwise
// the requested URL must equal a registered one (scheme and host compared
// case-insensitively, path and query exactly).
func (p *Party) ResolveReply(requested string) (string, error) {
	if requested == "" {
		if len(p.ReplyURLs) == 0 {
			return "", fmt.Errorf("%w: %q has no reply URL", ErrReplyURL, p.Name)
		}
		return p.ReplyURLs[0], nil
	}
	want, err := url.Parse(requested)
	if err != nil {
		return "", fmt.Errorf("%w: %q is not a URL", ErrReplyURL, requested)
	}
	for _, registered := range p.ReplyURLs {
		have, err := url.Parse(registered)
		if err != nil {
			continue
		}
		if strings.EqualFold(have.Scheme, want.Scheme) && strings.EqualFold(have.Host, want.Host) &&
			have.EscapedPath() == want.EscapedPath() && have.RawQuery == want.RawQuery &&
			want.User == nil && want.Fragment == "" {
			return registered, nil
		}
	}
	return "", fmt.Errorf("%w: %q for %q", ErrReplyURL, requested, p.Name)
}

// Registry is an immutable set of relying-party trusts, indexed by
// identifier. It is safe for concurrent use.
type Registry struct {
	parties []*Party
	byID    map[string]*Party
}

// NewRegistry validates the parties and indexes them. Two parties may not
// share an identifier.
func NewRegistry(parties ...Party) (*Registry, error) {
	r := &Registry{byID: make(map[string]*Party)}
	var errs []error
	for i := range parties {
		p := parties[i]
		if p.Protocol == "" {
			p.Protocol = WSFed
		}
		if p.MFA == "" {
			p.MFA = MFAAlways
		}
		if p.Protocol == SAML2 && p.SAML != nil {
			// A private copy: the registry is immutable even if the
			// caller changes its ServiceProvider later.
			sp := *p.SAML
			sp.ACS = append([]samlp.Endpoint(nil), sp.ACS...)
			sp.SLO = append([]samlp.Endpoint(nil), sp.SLO...)
			sp.SigningCerts = append([]*x509.Certificate(nil), sp.SigningCerts...)
			p.SAML = &sp
			if len(p.Identifiers) == 0 {
				p.Identifiers = []string{sp.EntityID}
			}
			if len(p.ReplyURLs) == 0 {
				p.ReplyURLs = acsLocations(&sp)
			}
		}
		if err := p.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		p.Identifiers = append([]string(nil), p.Identifiers...)
		p.ReplyURLs = append([]string(nil), p.ReplyURLs...)
		p.Claims = append([]claims.Rule(nil), p.Claims...)
		p.Access = claims.Access{
			PermitGroups: append([]string(nil), p.Access.PermitGroups...),
			DenyGroups:   append([]string(nil), p.Access.DenyGroups...),
		}
		for _, id := range p.Identifiers {
			if other, ok := r.byID[id]; ok {
				errs = append(errs, fmt.Errorf("rp: identifier %q is used by both %q and %q", id, other.Name, p.Name))
				continue
			}
			r.byID[id] = &p
		}
		r.parties = append(r.parties, &p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return r, nil
}

// Lookup returns the party registered under identifier, or ErrUnknownParty.
func (r *Registry) Lookup(identifier string) (*Party, error) {
	if p, ok := r.byID[identifier]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownParty, identifier)
}

// Parties returns every registered party in registration order.
func (r *Registry) Parties() []*Party {
	return append([]*Party(nil), r.parties...)
}

// IsReplyURL reports whether u is a registered reply URL of any party. It
// is used by sign-out, which may return to any party's registered URL.
func (r *Registry) IsReplyURL(u string) bool {
	for _, p := range r.parties {
		if _, err := p.ResolveReply(u); err == nil && u != "" {
			return true
		}
	}
	return false
}
