package web

import (
	"net"
	"net/http"

	"github.com/fedgate/fedgate/proxytrust"
)

// origin wraps h in the proxy-trust client-address middleware, which
// establishes for every request where it came from (proxytrust.Origin):
// the client IP, and whether it came through a trusted fedgate-proxy
// (extranet). It runs before anything else, so no handler, log line or
// policy can read a forwarded header that was not vouched for: on a
// request without a valid proxy certificate those headers are deleted. A
// request with a revoked or untrusted proxy certificate is refused here
// with 403 (503 when revocation cannot be checked).
//
// Without proxy trust there is no way to tell intranet from extranet, so
// every request is marked extranet: the safe side for MFA policy and for
// the insidecorporatenetwork claim, which Entra may use to skip MFA.
func (s *Server) origin(h http.Handler) http.Handler {
	var v *proxytrust.Verifier
	if s.trust != nil {
		v = s.trust.Verifier()
	} else {
		h = allExtranet(h)
	}
	return (&proxytrust.Headers{Verifier: v, Logger: s.log}).Wrap(h)
}

// allExtranet marks every request extranet (proxy trust off).
func allExtranet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, _ := proxytrust.OriginFrom(r.Context())
		o.Extranet = true
		next.ServeHTTP(w, r.WithContext(proxytrust.WithOrigin(r.Context(), o)))
	})
}

// extranet reports whether r is an extranet request for policy: it came
// through a trusted proxy, or proxy trust is off.
func extranet(r *http.Request) bool {
	o, ok := proxytrust.OriginFrom(r.Context())
	// Without the middleware (handlers called directly) assume extranet.
	return !ok || o.Extranet
}

// clientIP is the client address as the proxy-trust middleware established
// it: forwarded by a trusted proxy, else the connection's peer. No header
// is ever read here.
func clientIP(r *http.Request) string {
	if ip := proxytrust.ClientIP(r.Context()); ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
