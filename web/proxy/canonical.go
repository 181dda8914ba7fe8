package proxy

import (
	"net/http"
	"path"
	"strings"
)

// MaxPathLen bounds the request path, in bytes. Federation paths are short;
// the query string is bounded by the listener's MaxHeaderBytes.
const MaxPathLen = 1024

// canonicalPath reports whether r's path is in the only form the proxy
// routes: absolute, printable ASCII, no percent-encoding at all, no
// backslash or ';', no empty, "." or ".." segment. Every published path
// meets this; anything else is refused before routing, so that no
// decoding or normalisation difference between this router and fedgate
// (or anything in between) can turn an unpublished path into a published
// one.
func canonicalPath(r *http.Request) bool {
	p := r.URL.Path
	if p == "" || p[0] != '/' || len(p) > MaxPathLen {
		return false
	}
	// RawPath is set only when the client's encoding differs from the
	// default one; EscapedPath differs from Path whenever anything had to
	// be (or was) percent-encoded, including %2F and %2E.
	if r.URL.RawPath != "" || r.URL.EscapedPath() != p {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c <= 0x20 || c >= 0x7f || c == '\\' || c == ';' || c == '%' {
			return false
		}
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean == p
}
