// Package wsfed implements the protocol pieces of WS-Federation passive
// sign-in ([MS-WSFED], [MS-MWBF], OASIS WS-Federation 1.2 §13) that fedgate
// needs to stand in for AD FS at /adfs/ls/. It has no HTTP handlers: web/
// owns routing, sessions, pages and the decision which relying party a
// realm names; this package only parses requests and builds responses.
//
// # Flow
//
//	browser ── GET /adfs/ls/?wa=wsignin1.0&wtrealm=…&wctx=… ──▶ web: ParseRequest
//	        ◀─ sign-in page (LDAP bind, TOTP) ─────────────────── web
//	web:  token.Issuer.SAML11(claims, rp.Audience) ─▶ BuildRSTR(assertion, audience)
//	        ◀─ auto-POST form to the RP's registered reply URL:
//	           wa=wsignin1.0, wresult=<RSTR>, wctx=<wctx byte for byte>
//
//	GET /adfs/ls/?wa=wsignout1.0[&wreply=…]        sign-out: end the session, then
//	                                               wsignoutcleanup1.0 to each RP
//	GET /adfs/ls/?wa=wsignoutcleanup1.0[&wreply=…] RP/IdP → IdP: delete session state
//
//	| parameter | meaning (MS-WSFED §2.2.2, MS-MWBF §2.2.3)             | limit here           |
//	|-----------|--------------------------------------------------------|----------------------|
//	| wa        | action; required                                       | three values         |
//	| wtrealm   | relying party identifier; required for wsignin1.0      | 1 KiB, absolute URI  |
//	| wreply    | where to send the result; caller must match it against | 1 KiB, https (http   |
//	|           | the relying party's registered reply URLs              | only for loopback)   |
//	| wctx      | relying party context, echoed byte for byte            | 4 KiB                |
//	| wfresh    | maximum authentication age in minutes, 0 = re-prompt   | 0…525600             |
//	| whr, wauth, wct | home realm, requested method, RP's current time  | 1 KiB each           |
//
// # Security
//
// ParseRequest is strict by default: one value per parameter (a duplicate
// could be read differently by a proxy and by us), valid UTF-8, no control
// characters, bounded sizes, and a wreply that is at least syntactically a
// safe target. It does not decide whether wreply belongs to the relying
// party: the caller must compare it with the registered reply URLs and
// render an error page, never redirect, when it does not (design.md).
//
// BuildRSTR inserts the signed assertion as serialised by
// token.WriteElement, directly after <t:RequestedSecurityToken> with no
// whitespace, because passport-wsfed-saml2 and other relying parties take
// the first child node as the token.
package wsfed
