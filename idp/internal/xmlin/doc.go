// Package xmlin is the single entry point for untrusted XML in fedgate's
// SAML 2.0 code (AuthnRequests, SP metadata). Nothing may parse or
// signature-check inbound XML without going through it first.
//
// The pipeline, each step bounded:
//
//	HTTP-Redirect  SAMLRequest ─▶ base64 (≤ maxDeflated) ─▶ DEFLATE (≤ maxInflated) ─┐
//	HTTP-POST      SAMLRequest ─▶ base64 (≤ max) ──────────────────────────────────────┼─▶ Validate ─▶ etree
//	metadata file  Read (≤ limit) ─────────────────────────────────────────────────────┘
//
// Validate refuses DOCTYPE and ENTITY declarations (no DTD processing of any
// kind, so no entity expansion), processing instructions other than the
// leading XML declaration, non-UTF-8 encodings, nesting deeper than
// MaxDepth and more than one root element, and then runs
// github.com/mattermost/xml-roundtrip-validator, which rejects documents
// whose encoding/xml round trip is unstable (the namespace and attribute
// confusions behind several SAML signature bypasses).
//
// Every error wraps one of the sentinel errors (ErrTooLarge, ErrInflate,
// ErrEncoding, ErrDTD, ErrMalformed) so callers can map them to a SAML
// status or an HTTP status with errors.Is.
package xmlin
