package proxytrust

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
)

// Origin is where a request came from, as established by [Headers].
type Origin struct {
	// ClientIP is the address of the end client: the forwarded address on
	// a trusted proxy connection, else the connection's peer. Invalid when
	// the middleware could not determine it (no RemoteAddr).
	ClientIP netip.Addr
	// Extranet is true when the request came through a trusted proxy. It
	// drives the insidecorporatenetwork claim (= !Extranet), extranet MFA
	// policy and extranet lockout.
	Extranet bool
	// Proxy is the verified proxy name (from its certificate, not from the
	// X-MS-Proxy header); "" for direct requests.
	Proxy string
}

type originKey struct{}

// WithOrigin returns ctx carrying o. [Headers] calls it; tests of
// downstream handlers may too.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginFrom returns the Origin stored by [Headers]; ok=false when the
// middleware did not run.
func OriginFrom(ctx context.Context) (Origin, bool) {
	o, ok := ctx.Value(originKey{}).(Origin)
	return o, ok
}

// ClientIP returns the request's client address as text, or "" when
// [Headers] did not run or could not determine it. Use it for lockout,
// audit and logs instead of RemoteAddr or any header.
func ClientIP(ctx context.Context) string {
	o, ok := OriginFrom(ctx)
	if !ok || !o.ClientIP.IsValid() {
		return ""
	}
	return o.ClientIP.String()
}

// Extranet reports whether the request came through a trusted proxy.
// false when [Headers] did not run, which is the intranet answer: install
// the middleware before any handler that applies extranet policy.
func Extranet(ctx context.Context) bool {
	o, _ := OriginFrom(ctx)
	return o.Extranet
}

// ProxyName returns the verified name of the proxy the request came
// through, or "".
func ProxyName(ctx context.Context) string {
	o, _ := OriginFrom(ctx)
	return o.Proxy
}

// Headers is fedgate's client-address middleware. For each request it
// asks Verifier whether the connection presented a proxy-trust certificate:
//
//   - none: a direct (intranet) client. Every forwarding header
//     ([ForwardingHeaders]) is deleted; ClientIP is RemoteAddr.
//   - valid and unrevoked: the request came through that proxy. ClientIP is
//     the first valid address in X-MS-Forwarded-Client-IP, falling back
//     to the proxy's own address when the header is absent (its health
//     probes); Extranet is true.
//   - presented but rejected (revoked, or the store cannot tell): the
//     request is answered with 403 (503 when the store failed) and goes no
//     further. Treating it as direct would grant a revoked proxy the
//     intranet's trust.
type Headers struct {
	// Verifier checks the connection's certificate. nil trusts no proxy:
	// every request is direct and forwarding headers are always deleted
	// (fedgate without proxy_trust configured).
	Verifier *Verifier
	// Logger receives rejections (Warn) and header anomalies (Debug).
	// Default: discard.
	Logger *slog.Logger
	// OnReject writes the response for a rejected request; status is 403
	// or 503. Default: a plain-text response without detail. err is for
	// logging only and must not be shown.
	OnReject func(w http.ResponseWriter, r *http.Request, status int, err error)
}

// Wrap returns next behind the middleware (a chi-style middleware).
func (h *Headers) Wrap(next http.Handler) http.Handler {
	log := h.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, err := Peer{}, ErrNoCertificate
		if h.Verifier != nil {
			peer, err = h.Verifier.Check(r)
		}
		remote, _ := RemoteAddr(r)
		switch {
		case errors.Is(err, ErrNoCertificate):
			StripForwarding(r.Header)
			r = r.WithContext(WithOrigin(r.Context(), Origin{ClientIP: remote}))
		case err == nil:
			ip, ok := clientIPFromHeader(r.Header)
			if !ok {
				ip = remote
				if len(r.Header.Values(HeaderForwardedClientIP)) > 0 {
					log.LogAttrs(r.Context(), slog.LevelDebug, "proxy sent an unusable client address; using the proxy's",
						slog.String("proxy", peer.Name))
				}
			}
			r = r.WithContext(WithOrigin(r.Context(), Origin{ClientIP: ip, Extranet: true, Proxy: peer.Name}))
		default:
			status := http.StatusForbidden
			if !errors.Is(err, ErrRevoked) && !errors.Is(err, ErrUntrusted) {
				status = http.StatusServiceUnavailable
			}
			log.LogAttrs(r.Context(), slog.LevelWarn, "refused request with an untrusted proxy certificate",
				slog.String("remote_ip", remoteText(remote)), slog.Int("status", status), slog.Any("error", err))
			reject := h.OnReject
			if reject == nil {
				reject = plainReject
			}
			reject(w, r, status, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func remoteText(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// clientIPFromHeader returns the first valid address across every
// X-MS-Forwarded-Client-IP line.
func clientIPFromHeader(h http.Header) (netip.Addr, bool) {
	for _, v := range h.Values(HeaderForwardedClientIP) {
		if a, ok := ParseForwardedClientIP(v); ok {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func plainReject(w http.ResponseWriter, _ *http.Request, status int, _ error) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if status == http.StatusForbidden {
		_, _ = w.Write([]byte("This proxy is not trusted by the federation service.\n"))
		return
	}
	_, _ = w.Write([]byte("The federation service cannot verify this proxy right now.\n"))
}
