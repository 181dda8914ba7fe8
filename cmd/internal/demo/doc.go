// Package demo runs `fedgate demo`: the whole Office 365 federated sign-in
// on one machine with nothing installed. It starts an in-process AD-like
// directory (ldaptest) with the Contoso accounts, generates self-signed TLS
// and token-signing keys into a data directory (kept across restarts, so
// the signing certificate stays the same), writes a real fedgate.yaml and
// builds the service through the same path as `fedgate serve`. Beside it,
// on its own origin, a simulated Microsoft Online reads fedgate's
// FederationMetadata.xml the way Entra ID stores it and performs home-realm
// discovery and token checks.
//
// Two options connect the demo to real parts:
//
//	--directory-env FILE   a real Active Directory (the Samba lab of
//	                       deploy/samba-ad-lab.sh, described by its env
//	                       file; see ldapauth/adlab) replaces the in-process
//	                       directory: directory: points at its DC over LDAPS
//	                       and StartTLS, and the simulated Microsoft Online
//	                       federates its UPN suffix and knows its users as
//	                       synced at start (ImmutableID from objectGUID, as
//	                       Entra Connect would sync them; adsync.go).
//	--saml-metadata FILE   a SAML 2.0 service provider (mod_auth_mellon,
//	                       pysaml2, …) is registered from its metadata as a
//	                       relying_parties.saml trust named by its entity ID.
//
// Secrets the demo writes (keys, the directory's bind password) are 0600
// files in the data directory; the banner shows only the passwords of the
// in-process directory's published demo accounts.
package demo
