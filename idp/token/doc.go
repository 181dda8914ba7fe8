// Package token turns an authenticated user's claims into signed security
// tokens. It is the only place in fedgate that holds the token-signing key.
//
// The issuance path is:
//
//	Claims ──SAML11──▶ saml:Assertion (etree) ──XMLSigner──▶ enveloped ds:Signature ──▶ *Assertion
//
// The returned [Assertion] carries the signed saml:Assertion element; the
// WS-Federation package (idp/wsfed) wraps it in a WS-Trust RSTR and the
// WS-Trust endpoints put it in a SOAP body. Neither may re-indent or
// otherwise re-serialise the element in a way that changes its canonical
// form; [WriteElement] is the one serialiser that is known to round-trip.
//
// # Token shape
//
// SAML11 produces exactly the SAML 1.1 assertion Microsoft Entra ID accepts
// from AD FS (MS-MWBF §2.2.4.1–2): MajorVersion="1" MinorVersion="1",
// AssertionID, Issuer and IssueInstant; Conditions with NotBefore,
// NotOnOrAfter and one AudienceRestrictionCondition; an AttributeStatement
// (Subject then Attributes); an AuthenticationStatement; and the enveloped
// ds:Signature as the last child, Reference URI="#<AssertionID>", exclusive
// c14n, RSA-SHA256 with a SHA-256 digest (RSA-SHA1 only when configured), and
// the signing certificate in KeyInfo/X509Data.
//
// # Time and randomness
//
// Every instant comes from Config.Now, is UTC and is truncated to
// millisecond precision ([TimeFormat]). NotBefore equals IssueInstant, as in
// AD FS traces: the assertion is not back-dated, and relying parties apply
// their own clock-skew allowance (Entra ID and passport-wsfed-saml2 allow
// minutes). Keep the server clock NTP-synchronised. Assertion IDs are "_"
// followed by 32 hex digits (16 bytes from Config.Rand).
//
// # Keys
//
// A [KeySet] holds the current signing key and, during a rollover, the next
// certificate, which metadata publishes but which never signs. Signing goes
// through crypto.Signer, so the private key may live in an HSM; only
// [KeyPair.MarshalPEM] needs an exportable *rsa.PrivateKey.
package token
