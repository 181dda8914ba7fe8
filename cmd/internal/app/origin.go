package app

import (
	"context"

	"github.com/fedgate/fedgate/proxytrust"
)

// RequestExtranet reports whether the request whose context is ctx is an
// extranet request for policy: it came through a trusted fedgate-proxy,
// or proxy trust is off (the web handler then marks every request
// extranet). A context without an origin, which only a handler mounted
// outside the web handler's proxy-trust middleware would see, is
// extranet too: that is the safe answer for extranet lockout and for the
// insidecorporatenetwork claim alike. Extranet lockout (intranet: skip)
// and the WS-Trust endpoints both ask this one function, so a request is
// never intranet for one and extranet for the other.
func RequestExtranet(ctx context.Context) bool {
	o, ok := proxytrust.OriginFrom(ctx)
	return !ok || o.Extranet
}
