package app_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/fedgate/fedgate/cmd/internal/app"
	"github.com/fedgate/fedgate/proxytrust"
)

func TestRequestExtranet(t *testing.T) {
	ip := netip.MustParseAddr("203.0.113.9")
	tests := []struct {
		name string
		ctx  context.Context
		want bool
	}{
		{"through a trusted proxy", proxytrust.WithOrigin(context.Background(), proxytrust.Origin{ClientIP: ip, Extranet: true, Proxy: "wap1"}), true},
		{"direct", proxytrust.WithOrigin(context.Background(), proxytrust.Origin{ClientIP: ip}), false},
		// Without the middleware nothing vouches for the request: the
		// answer must not exempt it from extranet lockout.
		{"no origin recorded", context.Background(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := app.RequestExtranet(tt.ctx); got != tt.want {
				t.Fatalf("RequestExtranet = %v, want %v", got, tt.want)
			}
		})
	}
}
