package msonline

import (
	"fmt"
	"testing"
	"time"
)

func TestPendingStore(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		run   func(p *pendingStore) (string, bool)
		login string
		ok    bool
	}{
		{
			name: "issued wctx is accepted once",
			run: func(p *pendingStore) (string, bool) {
				p.add("c1", "alice@contoso.com", t0)
				return p.take("c1", t0.Add(time.Minute))
			},
			login: "alice@contoso.com", ok: true,
		},
		{
			name: "second use is refused",
			run: func(p *pendingStore) (string, bool) {
				p.add("c1", "alice@contoso.com", t0)
				p.take("c1", t0)
				return p.take("c1", t0)
			},
		},
		{
			name: "unknown wctx is refused",
			run:  func(p *pendingStore) (string, bool) { return p.take("never-issued", t0) },
		},
		{
			name: "expired wctx is refused",
			run: func(p *pendingStore) (string, bool) {
				p.add("c1", "alice@contoso.com", t0)
				return p.take("c1", t0.Add(pendingTTL))
			},
		},
		{
			name: "at the limit the oldest is dropped",
			run: func(p *pendingStore) (string, bool) {
				for i := range 4 {
					p.add(fmt.Sprint("c", i), "u", t0)
				}
				return p.take("c0", t0)
			},
		},
		{
			name: "at the limit the newest survives",
			run: func(p *pendingStore) (string, bool) {
				for i := range 4 {
					p.add(fmt.Sprint("c", i), fmt.Sprint("u", i), t0)
				}
				return p.take("c3", t0)
			},
			login: "u3", ok: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPendingStore(3)
			login, ok := tt.run(p)
			if login != tt.login || ok != tt.ok {
				t.Fatalf("take = %q, %v; want %q, %v", login, ok, tt.login, tt.ok)
			}
			if len(p.byCtx) != p.order.Len() || len(p.byCtx) > 3 {
				t.Fatalf("store out of sync: map %d, list %d", len(p.byCtx), p.order.Len())
			}
		})
	}
}
