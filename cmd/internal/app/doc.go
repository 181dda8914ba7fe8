// Package app is the one construction path shared by `fedgate serve`,
// `fedgate demo` and `fedgate check-config`: it turns a validated
// configuration into a running federation service (directory client,
// store, MFA, token issuer, metadata, relying parties, proxy trust, HTTP
// handler).
// check-config runs Build and stops before Listen, so a configuration that
// passes it cannot fail serve for a configuration reason.
package app
