// Package demo runs `fedgate demo`: the whole Office 365 federated sign-in
// on one machine with nothing installed. It starts an in-process AD-like
// directory (ldaptest) with the Contoso accounts, generates self-signed TLS
// and token-signing keys into a data directory (kept across restarts, so
// the signing certificate stays the same), writes a real fedgate.yaml and
// builds the service through the same path as `fedgate serve`. Beside it,
// on its own origin, a simulated Microsoft Online reads fedgate's
// FederationMetadata.xml the way Entra ID stores it and performs home-realm
// discovery and token checks.
package demo
