// Package web is fedgate's HTTP front end: the chi router, middleware
// (security headers, request limits, activity IDs, access log), the
// embedded sign-in pages, and the passive sign-in flow that ties the
// directory, MFA and token packages together.
//
// Routes (AD FS paths are kept so an existing federated domain can move
// with no change but the signing certificate):
//
//	GET  /adfs/ls/?wa=wsignin1.0&wtrealm=…&wctx=…   → SSO session? → token auto-POST
//	                                                   else sign-in page
//	POST /adfs/ls/  step=password                    → extranet lockout check → LDAP bind
//	                                                   → MFA page or enrollment page
//	POST /adfs/ls/  step=mfa | step=enroll           → TOTP check → session cookie → token auto-POST
//	GET  /adfs/ls/?SAMLRequest=…[&RelayState][&SigAlg&Signature]  → SAML 2.0 Redirect binding
//	POST /adfs/ls/  SAMLRequest=…[&RelayState]       → SAML 2.0 POST binding (no CSRF token:
//	                                                   a cross-site protocol POST, as with AD FS)
//	                                                   → same steps → signed SAML Response auto-POST
//	GET  /adfs/ls/?wa=wsignout1.0[&wreply=…]         → session ended, signed-out page
//	GET  /adfs/ls/?wa=wsignoutcleanup1.0             → session ended
//	GET  /FederationMetadata/2007-06/FederationMetadata.xml (any case) → signed metadata
//	POST /adfs/services/trust/2005/usernamemixed     → WS-Trust (idp/wstrust, via Config.Mounts)
//	POST /adfs/services/trust/13/usernamemixed
//	GET  /adfs/services/trust/mex                    → WS-MetadataExchange
//	GET  /adfs/probe                                 → 200 for load balancers
//	GET  /adfs/portal/{css,js}/…                     → static assets
//	GET  /adfs/portal/security                       → self-service security page (portal.go): needs
//	                                                   an SSO session whose TOTP step is < 1 h old,
//	                                                   else a password + TOTP sign-in that returns
//	                                                   here and issues no token (flow Protocol "portal")
//	POST /adfs/portal/security                       → its forms (sealed state + CSRF): create/revoke
//	                                                   app passwords, replace the authenticator
//	POST /adfs/proxy/EstablishTrust                  → proxy enrollment (token + CSR; Config.ProxyTrust)
//	POST /adfs/proxy/RenewTrust                      → proxy certificate renewal (mutual TLS)
//
// # Network location
//
// Before anything else runs, the proxytrust.Headers middleware decides
// where each request came from. A connection that presented a valid,
// unrevoked proxy-trust certificate is a fedgate-proxy: the request is
// extranet and its client IP is X-MS-Forwarded-Client-IP. Any other
// request is direct (intranet), its client IP is the connection's peer and
// every forwarding header is deleted; a revoked or foreign proxy
// certificate gets 403. Without Config.ProxyTrust every request is
// treated as extranet, since nothing can vouch for "inside".
//
// That location drives the relying party's MFA policy (rp.MFAAlways,
// MFAExtranetOnly, MFANever; wauth=…/multipleauthn always demands MFA),
// the insidecorporatenetwork claim (= not extranet), and the client IP
// that extranet lockout, audit and logs use. It is evaluated per request:
// a single sign-on session made inside without MFA asks for the second
// factor when reused from the extranet under extranet_only.
//
// # SAML 2.0
//
// A request with SAMLRequest (and no wa) is parsed by idp/samlp against the
// rp.SAML2 parties (Config.SAML). Every parse error (unknown issuer, ACS
// not registered, bad signature, stale, wrong Destination) is the error
// page, never a response to an ACS. The request ID is single-use per SP
// (Config.Replay, kind "saml-authn"). ForceAuthn ignores the SSO session;
// IsPassive without a usable session is the error page (a NoPassive status
// response is not built yet). The request (SP entity ID, ACS, ID,
// RelayState) travels in the sealed flow state and the party is looked up
// again on every step; the password and MFA steps are the WS-Fed ones.
// Entra ID (urn:federation:MicrosoftOnline as a SAML2 party) gets
// samlp.EntraProfile; other SPs get NameID = ImmutableID (the UPN for an SP
// configured for emailAddress) and UPN/email attributes.
//
// The SSO and CSRF cookies are SameSite=Lax, so a cross-site POST-binding
// request does not carry the SSO session: POST-binding sign-ins always
// show the password page; Redirect-binding ones get single sign-on.
//
// The in-progress sign-in travels as sealed form state (package session)
// bound to a CSRF cookie, so any node of a farm can continue it; the single
// sign-on session is a sealed cookie.
package web
