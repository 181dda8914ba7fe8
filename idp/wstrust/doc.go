// Package wstrust is fedgate's active security token service: the AD FS
// usernamemixed endpoints (WS-Trust February 2005 and 1.3 over SOAP 1.2)
// and the WS-MetadataExchange document that lets MSAL, Office clients and
// Microsoft's Remote Connectivity Analyzer find them (o365-reference §7).
//
// # Routes
//
//	POST /adfs/services/trust/2005/usernamemixed  → t:RequestSecurityTokenResponse (2005/02)
//	POST /adfs/services/trust/13/usernamemixed    → trust:RequestSecurityTokenResponseCollection (1.3)
//	GET  /adfs/services/trust/mex[?wsdl]          → WSDL listing exactly those two endpoints
//	any other method on a usernamemixed path      → SOAP fault, HTTP 405
//
// windowstransport and certificatemixed are not implemented and are not
// listed in the MEX.
//
// # Flow of one request
//
//	Content-Length ≤ MaxBodyBytes, Content-Type application/soap+xml (UTF-8)
//	→ body read through http.MaxBytesReader
//	→ ParseEnvelope: DTD/PI refused, depth ≤ MaxDepth, ≤ MaxElements, round-trip
//	  validator; SOAP 1.2; Action = {NS}/RST/Issue; one MessageID; one Security
//	  header with one Timestamp and one UsernameToken; one RST with RequestType
//	  Issue, one AppliesTo, SAML 1.1 TokenType and a bearer KeyType if present
//	→ AppliesTo names a registered WS-Fed relying party (rp.Registry.Lookup)
//	→ Timestamp window: Created ≤ now+skew, now < Expires+skew, lifetime ≤ MaxMessageAge
//	→ MessageID single-use: UseOnce("wstrust_msgid", id, Expires+skew)
//	→ extranet lockout Check → app password (policy app_password) or LDAP bind
//	→ MFA enrollment + legacy-client policy (decide)
//	→ o365.Claims (MFA=false, insidecorporatenetwork from Config.Inside,
//	  AuthenticationMethod urn:oasis:names:tc:SAML:1.0:am:password)
//	→ token.Issuer.SAML11 → RSTR with the assertion written by token.WriteElement
//
// Audit events (Protocol "wstrust") are written for every request that got
// as far as the timestamp check, with the same result and reason vocabulary
// as the passive path ("success", "failure", "error", "lockout_log_only";
// ldapauth reasons, lockout reasons, "legacy_policy:…", "replayed",
// "message_expired"; a success by app password has reason "app_password").
//
// # Faults
//
// Every refusal is a SOAP 1.2 fault with Content-Type application/soap+xml,
// HTTP status 500 (405 for a wrong method), exactly one subcode where the
// code allows one (MSAL reads exactly one s:Subcode/s:Value and splits it
// on ':'), and never HTML or a stack trace:
//
//	s:Sender   wst:FailedAuthentication  bad credentials, lockout, policy denial — one text for all:
//	                                     "MSIS7068: Access denied."
//	s:Sender   wst:InvalidRequest        malformed XML, DTD, size, Action, RST, unknown AppliesTo
//	s:Sender   wsse:InvalidSecurity      Security header missing/repeated/incomplete, replayed MessageID
//	s:Sender   wsse:MessageExpired       Timestamp expired, in the future or too long-lived
//	s:Sender   wsse:UnsupportedSecurityToken  PasswordDigest
//	s:Receiver wst:RequestFailed         directory, store or signing unavailable
//	s:VersionMismatch                    SOAP 1.1 envelope or text/xml
//	s:MustUnderstand                     an unknown header demands to be understood
//
// wst is the endpoint's WS-Trust namespace (2005/02 or 200512) and wsse
// the WS-Security 1.0 secext namespace. Fault texts never echo request
// values; causes are logged with the activity ID.
//
// # Legacy-client policy
//
// The active endpoints cannot run a TOTP step. Per relying party an
// administrator picks a LegacyPolicy (default DenyEnrolled); tokens issued
// here never claim MFA, so Entra can still require its own:
//
//	policy         user not enrolled       user enrolled in MFA
//	deny_enrolled  password                refused
//	inside_only    password                password, inside the corporate network only
//	app_password   password or app pw      app password only (from anywhere)
//
// App passwords are accepted only on these endpoints and only for parties
// whose policy is app_password.
//
// # Security notes
//
//   - Passwords are held in Secret, which prints and logs as "[redacted]".
//     User names are logged at Debug only.
//   - Extranet lockout (Config.Lockout, the *lockout.Policy the passive path
//     uses) is checked before any bind; each allowed attempt ends in exactly
//     one of Failure (wrong password), Success or Release (anything else), so
//     directory outages never count.
//   - Config.Inside defaults to false for every request: insidecorporatenetwork
//     can make Entra skip MFA, so it is only claimed when the proxy-trust layer
//     says so.
package wstrust
