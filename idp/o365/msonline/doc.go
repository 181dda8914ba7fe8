// Package msonline is a simulated login.microsoftonline.com for the fedgate
// demo and for tests: it lets a person or a headless browser walk the whole
// Office 365 federated sign-in locally, with o365.Checker standing in for
// Entra ID's token validation. It is clearly labelled as a simulation on
// every page and is not meant to face the Internet.
//
// Routes (all responses: CSP "default-src 'self'; frame-ancestors 'none'",
// Cache-Control: no-store, no inline script):
//
//	GET  /                 sign-in page: #signin-form, #email (name "login"), #next
//	GET  /?login=<email>   home-realm discovery, as POST / does
//	POST /                 home-realm discovery on the domain of "login":
//	                         federated → 302 <PassiveSignInURI>?wa=wsignin1.0
//	                                     &wtrealm=urn:federation:MicrosoftOnline
//	                                     &wctx=<single-use>&username=<email>
//	                         with Config.Protocol ProtocolSAML2 instead:
//	                                   → 302 <PassiveSignInURI>?SAMLRequest=<deflated
//	                                     AuthnRequest: Issuer urn:federation:MicrosoftOnline,
//	                                     NameIDPolicy persistent, ACS /login.srf>
//	                                     &RelayState=<single-use>
//	                         managed   → #managed page (password stays in the cloud)
//	                         unknown   → #unknown on the sign-in page
//	POST /login.srf        wa=wsignin1.0, wresult, wctx (≤ 512 KiB form):
//	                         wctx must be one this site issued and unused,
//	                         then o365.Checker.CheckWResult
//	                       or SAMLResponse, RelayState: the RelayState must be
//	                         one issued for a SAML sign-in and unused, then
//	                         o365.Checker.CheckSAMLResponse against its request
//	                         → #signed-in page, or 400 #rejected with #reason
//	GET  /healthz          200 "ok"
//	GET  /static/msonline.css
//
// The flow it simulates:
//
//	browser → GET / → POST / login=alice@contoso.com
//	        → 302 fedgate /adfs/ls/?wa=wsignin1.0&wtrealm=…&wctx=…&username=…
//	        → fedgate sign-in (LDAP, TOTP) → auto-POST wresult+wctx
//	        → POST /login.srf → "You're signed in"
//
// fedgate must list ReplyURL() as a reply URL of its Office 365 relying
// party: the site sends no wreply, exactly as Entra does not.
package msonline
