package samlp

import "errors"

// Sentinel errors. Errors from the Parse functions wrap one of these (or an
// xmlin sentinel for malformed input) so the web layer can choose a page
// and an audit reason with errors.Is. None of them may be answered with a
// SAML message to an SP URL unless the SP and that URL were already
// established (see AuthnRequest).
var (
	ErrUnknownIssuer     = errors.New("samlp: unknown service provider")
	ErrACSNotRegistered  = errors.New("samlp: assertion consumer service not registered for this service provider")
	ErrSignatureRequired = errors.New("samlp: service provider must sign this message")
	ErrBadSignature      = errors.New("samlp: message signature does not verify")
	ErrInvalidRequest    = errors.New("samlp: invalid SAML protocol message")
	ErrDestination       = errors.New("samlp: Destination is not this identity provider")
	ErrStale             = errors.New("samlp: IssueInstant outside the allowed clock skew")
	ErrNameIDPolicy      = errors.New("samlp: requested NameID format is not supported for this service provider")
	ErrConfig            = errors.New("samlp: invalid configuration")
	// ErrNoSingleLogout: the SP registered no HTTP-Redirect or HTTP-POST
	// SingleLogoutService, so no logout message can be sent to it.
	ErrNoSingleLogout = errors.New("samlp: service provider has no SingleLogoutService")
)
