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
//	GET  /adfs/ls/?wa=wsignout1.0[&wtrealm][&wreply=…] → single sign-out (logout.go): every
//	                                                   other SAML party a LogoutRequest, WS-Fed
//	                                                   parties wsignoutcleanup1.0 frames, then wreply
//	                                                   (if registered) or the signed-out page
//	GET  /adfs/ls/?wa=wsignoutcleanup1.0             → session ended, nobody else told (AD FS)
//	GET  /adfs/ls/?SAMLRequest=<LogoutRequest>…      → SAML single logout (Redirect; POST alike):
//	                                                   same chain, then a signed LogoutResponse to
//	                                                   the SP's SingleLogoutService
//	GET  /adfs/ls/?SAMLResponse=<LogoutResponse>…    → a notified SP's answer; continues the chain
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
// IsPassive without a usable session (or with ForceAuthn, or MFA still to
// do) gets a signed Responder/NoPassive status response auto-POSTed to
// the ACS. The request (SP entity ID, ACS, ID,
// RelayState) travels in the sealed flow state and the party is looked up
// again on every step; the password and MFA steps are the WS-Fed ones.
// Entra ID (urn:federation:MicrosoftOnline as a SAML2 party) gets
// samlp.EntraProfile; other SPs get NameID = ImmutableID (the UPN for an SP
// configured for emailAddress) and UPN/email attributes.
//
// The SSO and CSRF cookies are SameSite=Lax, so a cross-site POST-binding
// message does not carry them. When the browser marks such a POST
// cross-site (Sec-Fetch-Site) and no cookie came, the message is sent
// back to /adfs/ls/ once from an auto-POST page of ours with the
// fedgate_repost marker; that same-site POST carries the cookies, so a
// signed-in user gets single sign-on (and a LogoutResponse finds its
// sign-out) without weakening the cookies.
//
// # Single sign-out
//
// Each session records, per party issued to (at most 16, oldest dropped),
// its identifier and for SAML parties the NameID, format and SessionIndex
// (random per session and SP) of the assertion. A sign-out marks the
// session Ending (it signs no one in from then on), sends each other SAML
// party with a SingleLogoutService a signed LogoutRequest through the
// browser (HTTP-Redirect preferred) and waits for its LogoutResponse,
// whose InResponseTo must match the sealed sign-out cookie; then it clears
// the session and shows WS-Fed parties wsignoutcleanup1.0 in hidden frames
// before answering the initiator. A LogoutRequest that does not name this
// browser's session (NameID, format, SessionIndex) is answered Success and
// changes nothing. Each LogoutRequest ID is single-use (kind
// "saml-logout"); every sign-out is audited as "signed_out" with the
// initiator.
//
// The in-progress sign-in travels as sealed form state (package session)
// bound to a CSRF cookie, so any node of a farm can continue it; the single
// sign-on session is a sealed cookie.
package web
