// Package samlp is fedgate's SAML 2.0 identity provider core: it reads
// AuthnRequests and logout messages and builds signed (optionally
// encrypted) Responses and logout messages. It does
// no HTTP I/O and keeps no state; the web layer owns routing, sessions and
// single-use of request IDs.
//
// Flow on /adfs/ls/ (SP-initiated, saml-profiles §4.1):
//
//	GET  ?SAMLRequest=…[&RelayState][&SigAlg&Signature]  ─▶ IdP.ParseRedirect(rawQuery, lookup)
//	POST SAMLRequest=…[&RelayState] (enveloped ds:Signature) ─▶ IdP.ParsePOST(form, lookup)
//	        ─▶ *AuthnRequest (SP, ACS, ID, RelayState, ForceAuthn, IsPassive,
//	           NameIDPolicy settled into IssueNameIDFormat)
//	        ─▶ caller: store.UseOnce("saml-authn", ID, …); sign-in; MFA
//	        ─▶ IdP.BuildResponse(ResponseInput) ─▶ Response.PostForm() ─▶ auto-POST to ACS
//	   or  ─▶ *NameIDPolicyError (verified request, format not issuable)
//	        ─▶ caller: UseOnce; IdP.BuildStatusResponse(Request.InvalidNameIDPolicy())
//
// NameIDs (ServiceProvider.NameIDFormatFor): an SP receives its configured
// format (persistent by default) or, when it asks and its trust does not
// pin a format (StrictNameIDFormat), a transient NameID: NewTransientNameID,
// 128 random bits the caller keeps per session and SP so single logout can
// name it. Any other requested format is answered Requester /
// InvalidNameIDPolicy, never with an assertion.
//
// Single logout on the same URL (saml-profiles §4.4, front channel only):
//
//	GET/POST SAMLRequest=<LogoutRequest>  ─▶ IdP.ParseRedirectMessage / ParsePOSTMessage
//	        ─▶ *LogoutRequest (SP, ID, NameID, SessionIndexes, RelayState)
//	        ─▶ caller: UseOnce; match NameID/SessionIndex to its session; notify
//	           the other participants with IdP.BuildLogoutRequest (Redirect or POST)
//	GET/POST SAMLResponse=<LogoutResponse> ─▶ *LogoutResponse (InResponseTo, Status)
//	        ─▶ caller: InResponseTo must be the request it is waiting for
//	        ─▶ finally IdP.BuildLogoutResponse (Success, PartialLogout when a
//	           participant failed) to the initiator's SingleLogoutService
//
// Logout messages must be signed when the SP has a signing certificate;
// outbound ones are always signed: a query-string signature (RSA-SHA256,
// RSA-SHA1 only for an SP configured for it) for HTTP-Redirect, an
// enveloped one for HTTP-POST. An IsPassive AuthnRequest that cannot be
// answered without a page gets IdP.BuildStatusResponse(req.NoPassive()):
// a signed Response with Responder/NoPassive and no assertion.
//
// Every inbound document passes idp/internal/xmlin (size and inflate
// limits, DTD refusal, round-trip validation) before any parsing or
// signature check. Redirect-binding signatures are verified over the raw
// query octets (saml-bindings §3.4.4.1); POST-binding signatures with
// goxmldsig against the SP's configured certificates only, and fields are
// read from the verified element only. An unknown issuer, an ACS URL or
// index that is not registered, a Destination other than our SSO URL or a
// stale IssueInstant is an error: a response is never sent to an
// unregistered URL.
//
// Responses follow the Entra ID SAML 2.0 IdP profile (o365-reference §3):
// the assertion is always signed (RSA-SHA256 unless the SP is configured
// for RSA-SHA1), the Response too when ServiceProvider.SignResponse is set,
// with Destination, SubjectConfirmationData Recipient/InResponseTo/
// NotOnOrAfter and an AudienceRestriction. When the SP has an encryption
// certificate the signed assertion is encrypted (RSA-OAEP key transport,
// AES-256-GCM by default).
//
// crewjam.go is the only file that touches github.com/crewjam/saml; it
// uses crewjam's xmlenc for encryption (which draws randomness from the
// package-level xmlenc.RandReader, crypto/rand, never overridden here) and
// crewjam's metadata types for unmarshalling. No crewjam template, default
// or clock global is used.
package samlp
