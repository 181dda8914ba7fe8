// Package proxytrust is fedgate's side of the Web Application Proxy trust:
// a private certificate authority that gives each fedgate-proxy a
// short-lived TLS client certificate, and the rules that decide when a
// request's forwarded client address may be believed.
//
// AD FS calls this "proxy trust" and its protocol MS-ADFSPIP. fedgate keeps
// the endpoint names (/adfs/proxy/EstablishTrust, /adfs/proxy/RenewTrust)
// so that administrators recognise them, but the wire format is fedgate's
// own: a Windows WAP cannot enroll, and fedgate-proxy cannot enroll with
// AD FS.
//
// # Flows
//
//	admin, on fedgate:   fedgate proxy-trust init-ca      → CA certificate + key files (once per farm)
//	                     fedgate proxy-trust issue --name wap1.contoso.com
//	                                                      → one-time token, printed once; only its
//	                                                        SHA-256 is stored, with name and expiry
//	proxy, in the DMZ:   fedgate-proxy enroll --server https://fs-node --token-file F
//	                     generates its key, sends POST /adfs/proxy/EstablishTrust
//	                     (Authorization: Bearer <token>, body: PKCS#10 CSR only)
//	                                                      → token consumed with Store.UseOnce
//	                                                      → client certificate for the token's name
//	proxy, periodically: POST /adfs/proxy/RenewTrust over mutual TLS with the current
//	                     certificate, body: CSR for a fresh key → new certificate, same name
//	every request:       Headers middleware: Verifier.Check(r.TLS) → trusted proxy?
//	                       yes → client IP from X-MS-Forwarded-Client-IP, extranet
//	                       no certificate → client IP from RemoteAddr, intranet (direct)
//	                       certificate presented but revoked → 403, nothing else runs
//	admin:               fedgate proxy-trust list | revoke --serial S | revoke --name N
//
// # Trust rules
//
// The client-address and proxy headers (see [ForwardingHeaders]) are
// believed only on a connection whose client certificate chains directly
// to the proxy-trust CA, carries the clientAuth extended key usage, is
// within its validity period by the injected clock and whose serial is
// not revoked. On every other request they are deleted before any handler
// runs, so no later code can read a forged value by mistake. fedgate's
// listener must request client certificates without requiring them
// ([Verifier.ServerTLSConfig]): browsers connect without one.
//
// Certificates are issued for [DefaultCertLifetime] (30 days). A proxy
// renews once two thirds of the lifetime have passed ([RenewAt]); the
// authority refuses renewal before half the lifetime has passed, so a
// stolen certificate cannot be multiplied at will. Renewal does not revoke
// the previous certificate (a proxy that never received its new
// certificate would otherwise be locked out); revoking a proxy by name
// revokes every certificate ever issued to that name.
package proxytrust
