package o365

import (
	"strings"
	"testing"
	"time"
)

func TestMarkUsed_ForgetsAfterExpiryAndFailsClosedWhenFull(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		name   string
		id     string
		until  time.Time
		now    time.Time
		reason string // empty: accepted
	}{
		{name: "first assertion", id: "_a", until: t0.Add(time.Hour), now: t0},
		{name: "replay is refused", id: "_a", until: t0.Add(time.Hour), now: t0.Add(time.Minute), reason: "already used"},
		{name: "second assertion fills the cache", id: "_b", until: t0.Add(2 * time.Hour), now: t0},
		{name: "full cache refuses instead of forgetting", id: "_c", until: t0.Add(time.Hour), now: t0.Add(30 * time.Minute), reason: "replay cache is full"},
		{name: "expired entries are purged when full", id: "_c", until: t0.Add(3 * time.Hour), now: t0.Add(time.Hour)},
		{name: "unexpired entry still refused", id: "_b", until: t0.Add(2 * time.Hour), now: t0.Add(time.Hour), reason: "already used"},
	}
	c := &Checker{replayLimit: 2}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			err := c.markUsed("issuer", s.id, s.until, s.now)
			switch {
			case s.reason == "" && err != nil:
				t.Fatalf("markUsed: %v", err)
			case s.reason != "" && (err == nil || !strings.Contains(err.Error(), s.reason)):
				t.Fatalf("markUsed error = %v, want %q", err, s.reason)
			}
		})
	}
}

func TestQ_ClipsLongValuesOnRuneBoundary(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes
	got := q(long)
	if !strings.HasSuffix(got, "…") || len(got) > maxQuoted+8 {
		t.Fatalf("q(long) = %q", got)
	}
	if q("a\"b") != `"a\"b"` {
		t.Fatalf("q did not quote: %s", q("a\"b"))
	}
}
