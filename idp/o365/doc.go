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
// Every failure is a *RejectError whose Reason is written for a person
// reading the demo's error page or a test log.
package o365
