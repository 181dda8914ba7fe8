package proxy

import (
	"net/http"
	"net/http/httputil"

	"github.com/fedgate/fedgate/proxytrust"
)

// backendPlaceholder is the outbound host until the failover transport
// picks a node.
const backendPlaceholder = "fedgate-node.invalid"

// rewrite builds the outbound request. ReverseProxy has already removed
// hop-by-hop headers, Forwarded and X-Forwarded-*; this removes every
// other forwarding header in any spelling, then sets ours from the
// connection, so nothing the client sent can reach fedgate as a claim
// about the client.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	out := pr.Out
	out.URL.Scheme = "https"
	out.URL.Host = backendPlaceholder
	out.URL.Path = pr.In.URL.Path // checked by canonicalPath
	out.URL.RawPath = ""
	// RawQuery stays as ReverseProxy left it: unparsable parameters
	// already removed (golang/go#54663), so fedgate and this proxy agree on
	// what the query says.
	out.URL.User = nil
	out.Host = p.cfg.FederationName

	// fedgate speaks plain request/response HTTP; no protocol upgrade
	// (WebSocket, h2c) is ever relayed.
	out.Header.Del("Upgrade")
	out.Header.Del("Connection")
	proxytrust.StripForwarding(out.Header)
	pr.SetXForwarded()
	out.Header.Set("X-Forwarded-Host", p.cfg.FederationName)
	if ip, ok := remoteIP(pr.In); ok {
		out.Header.Set(proxytrust.HeaderForwardedClientIP, ip)
	}
	if name := p.proxyName(); name != "" {
		out.Header.Set(proxytrust.HeaderProxy, name)
	}
	out.Header.Set(proxytrust.HeaderEndpointAbsolutePath, out.URL.Path)
}

// proxyName is the DNS name in the current client certificate.
func (p *Proxy) proxyName() string {
	leaf := p.cfg.ClientCert.Leaf()
	if leaf == nil || len(leaf.DNSNames) == 0 {
		return ""
	}
	return leaf.DNSNames[0]
}

// remoteIP is the client connection's peer address without port.
func remoteIP(r *http.Request) (string, bool) {
	a, ok := proxytrust.RemoteAddr(r)
	if !ok {
		return "", false
	}
	return a.String(), true
}
