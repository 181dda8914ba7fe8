// Package proxy is the request path of fedgate-proxy, the Web Application
// Proxy role: it runs in the DMZ, terminates TLS for the public federation
// name and relays only the published federation endpoints to the fedgate
// nodes over mutual TLS, proving itself with its proxy-trust certificate
// (package proxytrust).
//
// # Routes
//
// Everything not listed is answered by the proxy itself with 404 (405 for
// a listed path with another method) and never reaches fedgate:
//
//	GET HEAD POST  /adfs/ls/                                   passive WS-Fed / SAML 2.0
//	GET HEAD       /adfs/ls                                    (fedgate redirects to /adfs/ls/)
//	POST           /adfs/services/trust/2005/usernamemixed     WS-Trust active, Feb 2005
//	POST           /adfs/services/trust/13/usernamemixed       WS-Trust 1.3
//	GET HEAD POST  /adfs/services/trust/mex                    WS-MetadataExchange
//	GET HEAD       /FederationMetadata/2007-06/FederationMetadata.xml (any case)
//	GET HEAD       /adfs/portal/…                              static assets
//	GET HEAD       /favicon.ico
//	GET HEAD       /adfs/probe                                 answered locally (200), as AD FS WAP does
//
// Not published, on purpose: windowstransport (Kerberos/NTLM must not be
// exposed to the internet, o365-reference §1), certificatemixed, OAuth,
// /adfs/proxy/* (proxy trust is enrolled directly against fedgate) and
// anything administrative.
//
// Paths are matched after a canonical-form check: a path with
// percent-encoding, "." or ".." segments, "//", backslashes, ';', or
// control or non-ASCII bytes is refused with 404 before routing, so an
// encoded-slash or dot-segment trick cannot reach a path that is not on
// the list. fedgate receives exactly the path that was checked.
//
// # Forwarding
//
// One httputil.ReverseProxy with Rewrite (never Director, golang/go#50580).
// Rewrite deletes every inbound forwarding header (proxytrust
// ForwardingHeaders, in any case or with '_' for '-') and sets:
//
//	X-MS-Forwarded-Client-IP      the TCP peer of the client connection
//	X-MS-Proxy                    this proxy's name from its certificate
//	X-MS-Endpoint-Absolute-Path   the request path
//	X-Forwarded-For / -Proto / -Host   peer address, "https", the federation name
//	Host                          the federation name
//
// fedgate believes these only because the connection carries the proxy
// certificate. Requests go to healthy nodes in round-robin order; a
// request that fails before its headers were sent (dial or TLS error) is
// retried on the next node, nodes marked down last. When no node answers
// the proxy renders a static 503 page with an activity ID and no backend
// detail.
//
// # Upstream connections
//
// Each node has a pool of keep-alive connections (HTTP/1.1, or HTTP/2
// when the node offers it) with room for 64 idle connections, so the
// mutual-TLS handshake is paid per connection, not per request; response
// bodies are always read to the end (or the connection is dropped) and
// copied through pooled buffers. The pool belongs to the proxy-trust
// certificate it was opened with: the first request after the
// certificate changes (renewal, re-enrollment, reload) starts a new pool
// and the old one takes no further requests, so no request travels on a
// connection that presented a superseded, perhaps revoked, certificate.
// TLS session resumption is off for the same reason (a resumed session
// keeps the client certificate of its first handshake).
//
// The remaining cost of the hop is a second TLS exchange and HTTP parse
// per request; fedgate adds its per-request proxy-trust check of the
// certificate on these connections.
package proxy
