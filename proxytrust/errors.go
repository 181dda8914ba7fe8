package proxytrust

import "errors"

// Sentinel errors. Compare with errors.Is; they are usually wrapped with
// detail that is logged, never sent to the caller.
var (
	// ErrNoCertificate means the request's connection presented no client
	// certificate (or was not TLS): it did not come from a proxy.
	ErrNoCertificate = errors.New("proxytrust: no client certificate")
	// ErrUntrusted means a client certificate was presented but is not a
	// valid proxy-trust certificate: wrong issuer, expired, not yet valid,
	// missing clientAuth, or not naming exactly one proxy.
	ErrUntrusted = errors.New("proxytrust: client certificate not trusted")
	// ErrRevoked means the presented proxy-trust certificate was revoked.
	ErrRevoked = errors.New("proxytrust: client certificate revoked")
	// ErrInvalidToken means an enrollment token is malformed, unknown,
	// expired or already used. Callers get this one error for all four so
	// that probing learns nothing; the reason is logged.
	ErrInvalidToken = errors.New("proxytrust: enrollment token is invalid, expired or already used")
	// ErrInvalidCSR means a certificate signing request was refused.
	ErrInvalidCSR = errors.New("proxytrust: invalid certificate request")
	// ErrTooEarly means a renewal was asked for before half of the current
	// certificate's lifetime had passed.
	ErrTooEarly = errors.New("proxytrust: renewal not yet allowed")
	// ErrUnknownSerial means no certificate with that serial was issued.
	ErrUnknownSerial = errors.New("proxytrust: no certificate with that serial was issued")
	// ErrInvalidName means a proxy name is not a valid DNS name.
	ErrInvalidName = errors.New("proxytrust: invalid proxy name")
)
