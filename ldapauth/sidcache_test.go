package ldapauth

import (
	"testing"
	"time"
)

func TestSIDCache_ExpiresAndBoundsItself(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := newSIDCache()
	a, b := []byte{1, 0, 0, 0, 0, 0, 0, 5}, []byte{1, 0, 0, 0, 0, 0, 0, 6}
	c.put(a, "CN=A", true, now)
	c.put(b, "", false, now)
	tests := []struct {
		name      string
		sid       []byte
		at        time.Time
		wantOK    bool
		wantFound bool
	}{
		{"hit", a, now.Add(sidCacheTTL - time.Second), true, true},
		{"negative hit", b, now, true, false},
		{"expired", a, now.Add(sidCacheTTL), false, false},
		{"unknown", []byte{9}, now, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := c.get(tt.sid, tt.at)
			if ok != tt.wantOK || e.found != tt.wantFound {
				t.Errorf("get = %+v, %v", e, ok)
			}
		})
	}

	t.Run("full cache drops expired entries first, then everything", func(t *testing.T) {
		c := newSIDCache()
		for i := range sidCacheMax {
			c.put([]byte{byte(i), byte(i >> 8)}, "CN=G", true, now)
		}
		later := now.Add(sidCacheTTL)
		c.put([]byte("fresh"), "CN=F", true, later)
		if len(c.entries) != 1 {
			t.Errorf("%d entries after expiry sweep, want 1", len(c.entries))
		}
		for i := range sidCacheMax - 1 {
			c.put([]byte{byte(i), byte(i >> 8), 1}, "CN=G", true, later)
		}
		c.put([]byte("overflow"), "CN=O", true, later)
		if len(c.entries) != 1 {
			t.Errorf("%d entries after overflow, want 1", len(c.entries))
		}
	})
}
