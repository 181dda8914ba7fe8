// Package metadata builds and reads the signed federation metadata document
// served at /FederationMetadata/2007-06/FederationMetadata.xml
// (o365-reference §8; WS-Federation 1.2 §3; SAML 2.0 metadata).
//
// Build produces one EntityDescriptor (entityID = token issuer) with:
//
//	ds:Signature                         enveloped, first child, Reference URI="#<ID>"
//	RoleDescriptor fed:SecurityTokenServiceType
//	  KeyDescriptor use="signing"        current certificate, then the next one
//	  fed:TokenTypesOffered              SAML 1.1 and SAML 2.0 assertions
//	  fed:ClaimTypesOffered              UPN, ImmutableID, authnmethodsreferences,
//	                                     insidecorporatenetwork
//	  fed:SecurityTokenServiceEndpoint   the MEX URL (only when configured)
//	  fed:PassiveRequestorEndpoint       /adfs/ls/
//	IDPSSODescriptor (SAML 2.0)
//	  KeyDescriptor use="signing"        the same certificates
//	  SingleLogoutService                HTTP-Redirect and HTTP-POST at /adfs/ls/
//	  NameIDFormat                       persistent, unspecified
//	  SingleSignOnService                HTTP-Redirect and HTTP-POST at /adfs/ls/
//
// Microsoft Entra ID reads this document only to learn the next signing
// certificate before a rollover; it polls daily. Publish the next
// certificate (token.KeySet.Next) well before promoting it.
//
// Build is cheap but not free (one RSA signature). Callers should cache the
// bytes and rebuild after every key change and well before validUntil.
//
// ParseSigningCertificates is the reader for consumers such as the
// simulated Microsoft Online in tests. It deliberately does not verify the
// document's signature: a signature checked against certificates taken from
// the same document proves nothing. Trust in the result must come from how
// the document was fetched (TLS to the federation service's name) or from
// comparing the certificates with ones already trusted, which is what Entra
// ID does when it rolls over.
package metadata
