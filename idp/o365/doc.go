// Package o365 holds the Office 365 (Microsoft Entra ID) side of fedgate:
// the Microsoft Online relying-party constants, the ImmutableID encoding of
// an AD objectGUID, the Microsoft Graph PowerShell that federates a domain to
// fedgate, and Checker, an Entra-like validator for the WS-Federation tokens
// fedgate posts to https://login.microsoftonline.com/login.srf.
//
// Checker exists so that the demo (package msonline) and the tests can prove
// that a token fedgate issues is one Entra would accept, without a tenant.
// It applies, in this order, the checks Entra is documented (MS-MWBF §2.2.4,
// SAML 1.1 core §2.3.2 and §2.4) or observed to apply:
//
//	size ≤ MaxWResultSize → no DTD / PI / second root → xml-roundtrip-validator
//	→ RSTR/RequestedSecurityToken/saml:Assertion, exactly one assertion and
//	  one ds:Signature (anti signature-wrapping)
//	→ Issuer selects exactly one Federation (IssuerUri)
//	→ enveloped signature verifies against ONLY that federation's
//	  signingCertificate/nextSigningCertificate (goxmldsig, AssertionID)
//	→ every claim below is read from the element goxmldsig returned
//	→ Audience = urn:federation:MicrosoftOnline, NotBefore/NotOnOrAfter ± skew
//	→ NameIdentifier = ImmutableID claim = a synced CloudUser
//	→ UPN claim = that user's UPN, in the federated domain or a subdomain
//	→ AssertionID not seen before (replay cache until NotOnOrAfter + skew)
//
// CheckSAMLResponse is the same checker for the Entra SAML 2.0 federation
// profile (o365-reference §3): size ≤ MaxSAMLResponseSize, the same XML
// preflight, samlp:Response holding exactly one saml:Assertion with its own
// enveloped signature and at most one more (the Response's), no encrypted
// assertion; the assertion Issuer picks the federation, the Response
// signature (when present) and the assertion signature verify against
// only its certificates (goxmldsig, ID); then, from the verified elements:
// Destination and bearer Recipient = the ACS the site sent, InResponseTo =
// the AuthnRequest it sent (unsolicited responses are refused), Status
// Success, Audience urn:federation:MicrosoftOnline, time window ± skew,
// NameID persistent = a CloudUser's ImmutableID, IDPEmail = its UPN, and
// the assertion ID not seen before. MFA comes only from the
// authnmethodsreferences attribute (value multipleauthn), as Entra's
// federatedIdpMfaBehavior reads it in both protocols; AuthnContextClassRef
// is reported (Result.AuthnContextClassRef) but never taken as MFA.
//
// Every failure is a *RejectError whose Reason is written for a person
// reading the demo's error page or a test log.
package o365
