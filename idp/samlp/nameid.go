package samlp

import (
	"encoding/base64"
	"fmt"
	"io"

	"github.com/beevik/etree"
)

// TransientNameIDBytes is the randomness in a transient NameID (128 bits,
// saml-core §8.3.8: it must not be guessable).
const TransientNameIDBytes = 16

// maxFormatLen bounds NameIDPolicy Format, as metadata NameIDFormat.
const maxFormatLen = 256

// NewTransientNameID returns a fresh transient NameID: TransientNameIDBytes
// from rand, base64url without padding (22 characters). It carries no
// directory value: the caller keeps it per session and SP (so that single
// logout can name it) and never derives it from the user.
func NewTransientNameID(rand io.Reader) (string, error) {
	var b [TransientNameIDBytes]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", fmt.Errorf("samlp: transient NameID: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// NameIDFormatFor returns the NameID format to issue to sp when an
// AuthnRequest's NameIDPolicy asks for requested ("" when it names none).
// The policy (saml-core §3.4.1.1: the requested format wins when the IdP
// can issue it and the SP's trust allows it):
//
//   - none, or unspecified: the SP's NameIDFormat (default persistent);
//   - the SP's NameIDFormat: that format;
//   - transient: transient, unless StrictNameIDFormat pins another format
//     (and always refused to Entra ID, which accepts only persistent);
//   - anything else (emailAddress for a persistent SP, persistent for an
//     emailAddress SP, encrypted, an unknown URI): an error wrapping
//     ErrNameIDPolicy, answered with InvalidNameIDPolicy.
//
// Formats other than the configured one and transient are refused because
// the NameID value comes from the trust's NameID source, which is chosen
// for the configured format (the UPN behind emailAddress, the ImmutableID
// behind persistent) and would be wrong under another one.
func (sp *ServiceProvider) NameIDFormatFor(requested string) (string, error) {
	configured := sp.nameIDFormat()
	switch {
	case requested == "" || requested == NameIDFormatUnspecified || requested == configured:
		return configured, nil
	case requested == NameIDFormatTransient && !sp.strictNameIDFormat():
		return NameIDFormatTransient, nil
	case sp.strictNameIDFormat() || configured == NameIDFormatTransient:
		return "", fmt.Errorf("samlp: %q asked for NameID format %q; it receives %q only: %w", sp.EntityID, requested, configured, ErrNameIDPolicy)
	default:
		return "", fmt.Errorf("samlp: %q asked for NameID format %q; it receives %q or %q only: %w",
			sp.EntityID, requested, configured, NameIDFormatTransient, ErrNameIDPolicy)
	}
}

// strictNameIDFormat: Entra ID federation supports persistent NameIDs only
// (o365-reference §3), whatever the trust says.
func (sp *ServiceProvider) strictNameIDFormat() bool {
	return sp.StrictNameIDFormat || sp.EntityID == EntraEntityID
}

// NameIDPolicyError is the error the Parse functions return for an
// AuthnRequest that passed every other check (issuer, signature,
// Destination, age, ACS) but whose NameIDPolicy cannot be satisfied for its
// SP: a format it may not receive (see ServiceProvider.NameIDFormatFor) or
// an SPNameQualifier naming another party. errors.Is(err, ErrNameIDPolicy)
// holds, so a caller that only tests sentinels shows an error page. A
// caller may instead answer Request with
// BuildStatusResponse(Request.InvalidNameIDPolicy()), a signed status
// response with no assertion to the registered ACS (saml-core §3.4.1.1).
type NameIDPolicyError struct {
	// Request is the verified request. Its IssueNameIDFormat is "".
	Request *AuthnRequest
	// Err says why; it wraps ErrNameIDPolicy.
	Err error
}

// Error returns Err's message.
func (e *NameIDPolicyError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *NameIDPolicyError) Unwrap() error { return e.Err }

// InvalidNameIDPolicy returns the input for the answer to a request whose
// NameIDPolicy cannot be satisfied: Requester / InvalidNameIDPolicy to the
// request's registered ACS, InResponseTo and RelayState carried.
func (r *AuthnRequest) InvalidNameIDPolicy() StatusResponseInput {
	return StatusResponseInput{SP: r.SP, ACS: r.ACS, InResponseTo: r.ID, RelayState: r.RelayState,
		Status: StatusRequester, SubStatus: StatusInvalidNameIDPolicy,
		Message: "The requested NameID format cannot be issued to this service provider."}
}

// nameIDPolicy is the content of an AuthnRequest's samlp:NameIDPolicy.
type nameIDPolicy struct {
	format, spNameQualifier string
	allowCreate             bool
}

// readNameIDPolicy reads the optional NameIDPolicy (at most one, saml-core
// §3.4.1). A malformed one is ErrInvalidRequest (an error page: the
// request itself is broken); a well-formed one fedgate cannot satisfy is
// decided later by checkNameIDPolicy.
func readNameIDPolicy(root *etree.Element) (nameIDPolicy, error) {
	var p nameIDPolicy
	seen := false
	for _, c := range root.ChildElements() {
		if c.Tag != "NameIDPolicy" || c.NamespaceURI() != nsProtocol {
			continue
		}
		if seen {
			return p, fmt.Errorf("samlp: more than one NameIDPolicy: %w", ErrInvalidRequest)
		}
		seen = true
		p.format = c.SelectAttrValue("Format", "")
		p.spNameQualifier = c.SelectAttrValue("SPNameQualifier", "")
		if len(p.format) > maxFormatLen || len(p.spNameQualifier) > maxIssuer {
			return p, fmt.Errorf("samlp: NameIDPolicy Format or SPNameQualifier exceeds its limit (%d, %d bytes): %w", maxFormatLen, maxIssuer, ErrInvalidRequest)
		}
		var err error
		if p.allowCreate, err = boolAttr(c, "AllowCreate"); err != nil {
			return p, err
		}
	}
	return p, nil
}

// checkNameIDPolicy returns the format to issue for p, or an error
// wrapping ErrNameIDPolicy. AllowCreate is not consulted (see
// AuthnRequest.AllowCreate). An SPNameQualifier must name the SP itself
// (its entity ID or audience): fedgate issues no identifiers shared across
// an affiliation.
func checkNameIDPolicy(p nameIDPolicy, sp *ServiceProvider) (string, error) {
	if q := p.spNameQualifier; q != "" && q != sp.EntityID && q != sp.audience() {
		return "", fmt.Errorf("samlp: %q asked for a NameID qualified by %q; only its own entity ID is supported: %w", sp.EntityID, q, ErrNameIDPolicy)
	}
	return sp.NameIDFormatFor(p.format)
}
