package samlp

import "errors"

// Sentinel errors. Errors from ParseRedirect and ParsePOST wrap one of
// these (or an xmlin sentinel for malformed input) so the web layer can
// choose a page and an audit reason with errors.Is. None of them may be
// answered with a SAML Response to the request's ACS URL unless the SP and
// ACS were already established (see AuthnRequest).
var (
	ErrUnknownIssuer     = errors.New("samlp: unknown service provider")
	ErrACSNotRegistered  = errors.New("samlp: assertion consumer service not registered for this service provider")
	ErrSignatureRequired = errors.New("samlp: service provider requires signed requests")
	ErrBadSignature      = errors.New("samlp: request signature does not verify")
	ErrInvalidRequest    = errors.New("samlp: invalid AuthnRequest")
	ErrDestination       = errors.New("samlp: Destination is not this identity provider")
	ErrStale             = errors.New("samlp: IssueInstant outside the allowed clock skew")
	ErrNameIDPolicy      = errors.New("samlp: requested NameID format is not supported for this service provider")
	ErrConfig            = errors.New("samlp: invalid configuration")
)
