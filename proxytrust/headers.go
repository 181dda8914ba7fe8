package proxytrust

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Headers fedgate-proxy sets on every forwarded request, in canonical MIME
// form. The names are AD FS's request-context claim headers (o365-reference
// §6); AD FS documents the exact MS-ADFSPIP spellings only loosely, and
// HTTP header names are case-insensitive anyway.
const (
	// HeaderForwardedClientIP carries the address of the client that
	// connected to the proxy, exactly one IP address without port.
	HeaderForwardedClientIP = "X-Ms-Forwarded-Client-Ip"
	// HeaderProxy carries the DNS name of the proxy (the name in its
	// proxy-trust certificate).
	HeaderProxy = "X-Ms-Proxy"
	// HeaderEndpointAbsolutePath carries the request path the client asked
	// for ("/adfs/ls/" = passive, anything else = active).
	HeaderEndpointAbsolutePath = "X-Ms-Endpoint-Absolute-Path"
)

// Limits of ParseForwardedClientIP.
const (
	// MaxForwardedHeaderLen bounds the header value that is examined, in
	// bytes; longer values are refused whole.
	MaxForwardedHeaderLen = 1024
	// MaxForwardedEntries bounds the comma-separated entries examined.
	MaxForwardedEntries = 16
)

// ForwardingHeaders returns the header names that claim something about
// the client or the proxy in front of fedgate: ours, the other AD FS / EXO
// request-context headers and the common de-facto ones. fedgate-proxy
// deletes inbound copies of all of them before setting its own, and the
// [Headers] middleware deletes them from every request that did not come
// from a trusted proxy. A new slice is returned on each call.
func ForwardingHeaders() []string {
	return []string{
		HeaderForwardedClientIP, HeaderProxy, HeaderEndpointAbsolutePath,
		"X-Ms-Client-Ip", "X-Ms-Proxy-Client-Ip",
		"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip",
	}
}

// normalizeHeaderName lower-cases name and maps '_' to '-', the way some
// gateways (CGI, nginx with underscores_in_headers) fold header names, so
// "X_MS_Proxy" cannot smuggle a value past the strip.
func normalizeHeaderName(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, "_", "-"))
}

// IsForwardingHeader reports whether name is one of [ForwardingHeaders],
// ignoring case and treating '_' as '-'.
func IsForwardingHeader(name string) bool {
	n := normalizeHeaderName(name)
	for _, h := range ForwardingHeaders() {
		if n == strings.ToLower(h) {
			return true
		}
	}
	return false
}

// StripForwarding deletes every forwarding header from h, including
// spellings that differ only in case or use '_' for '-'.
func StripForwarding(h http.Header) {
	for k := range h {
		if IsForwardingHeader(k) {
			delete(h, k)
		}
	}
}

// ParseForwardedClientIP returns the first valid IP address in v, a
// comma-separated X-MS-Forwarded-Client-IP value. An entry may carry a
// port ("192.0.2.1:4711", "[2001:db8::1]:443"); IPv4-mapped IPv6 addresses
// are unmapped; entries with an IPv6 zone, empty entries and anything else
// that is not an address are skipped. At most MaxForwardedEntries entries
// are examined and a value longer than MaxForwardedHeaderLen yields
// ok=false. The result is only meaningful on a request from a trusted
// proxy; see [Headers].
func ParseForwardedClientIP(v string) (addr netip.Addr, ok bool) {
	if len(v) > MaxForwardedHeaderLen {
		return netip.Addr{}, false
	}
	for i, entry := range strings.SplitN(v, ",", MaxForwardedEntries+1) {
		if i == MaxForwardedEntries {
			break
		}
		if a, ok := parseAddrEntry(strings.TrimSpace(entry)); ok {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func parseAddrEntry(s string) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	if a.Zone() != "" || !a.IsValid() {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// RemoteAddr returns the IP address of r's immediate peer (r.RemoteAddr
// without port), unmapped; ok=false when RemoteAddr is not an address
// (for example in handlers called directly by tests).
func RemoteAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone("").Unmap(), true
}
