package proxytrust_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/proxytrust"
)

func TestParseForwardedClientIP(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // "" = not ok
	}{
		{"IPv4", "203.0.113.7", "203.0.113.7"},
		{"IPv6", "2001:db8::1", "2001:db8::1"},
		{"IPv4 with port", "203.0.113.7:51000", "203.0.113.7"},
		{"IPv6 with port", "[2001:db8::1]:443", "2001:db8::1"},
		{"IPv4-mapped IPv6 is unmapped", "::ffff:203.0.113.7", "203.0.113.7"},
		{"first of a list", "203.0.113.7, 198.51.100.1", "203.0.113.7"},
		{"first valid of a list", "unknown, , 198.51.100.1", "198.51.100.1"},
		{"spaces", "  192.0.2.1  ", "192.0.2.1"},
		{"empty", "", ""},
		{"host name", "client.example.com", ""},
		{"zone is refused", "fe80::1%eth0", ""},
		{"CIDR is refused", "192.0.2.0/24", ""},
		{"leading zeros are refused", "192.000.002.001", ""},
		{"too long", strings.Repeat(" ", proxytrust.MaxForwardedHeaderLen) + "192.0.2.1", ""},
		{"beyond the entry limit", strings.Repeat("x,", proxytrust.MaxForwardedEntries) + "192.0.2.1", ""},
		{"at the entry limit", strings.Repeat("x,", proxytrust.MaxForwardedEntries-1) + "192.0.2.1", "192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := proxytrust.ParseForwardedClientIP(tt.in)
			if tt.want == "" {
				if ok {
					t.Fatalf("got %s, want not ok", got)
				}
				return
			}
			if !ok || got.String() != tt.want {
				t.Fatalf("got %s, %v; want %s", got, ok, tt.want)
			}
		})
	}
}

func TestStripForwarding_AllSpellings(t *testing.T) {
	h := http.Header{}
	for _, name := range proxytrust.ForwardingHeaders() {
		h.Set(name, "198.51.100.66")
	}
	// Spellings that textproto does not canonicalise into the same key.
	h["x_ms_forwarded_client_ip"] = []string{"198.51.100.66"}
	h["X_MS_PROXY"] = []string{"evil"}
	h["x-ms-endpoint-absolute-path"] = []string{"/adfs/ls/"}
	h.Set("Cookie", "keep")
	proxytrust.StripForwarding(h)
	for k := range h {
		if k != "Cookie" {
			t.Errorf("header %q survived", k)
		}
	}
	if h.Get("Cookie") != "keep" {
		t.Error("unrelated header removed")
	}
}

func TestRemoteAddr(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"192.0.2.1:1234", "192.0.2.1"},
		{"[::ffff:192.0.2.1]:1234", "192.0.2.1"},
		{"[fe80::1%lo]:1", "fe80::1"},
		{"192.0.2.9", "192.0.2.9"},
		{"pipe", ""},
	}
	for _, tt := range tests {
		t.Run(tt.remote, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			got, ok := proxytrust.RemoteAddr(r)
			if tt.want == "" {
				if ok {
					t.Fatalf("got %s, want not ok", got)
				}
				return
			}
			if !ok || got.String() != tt.want {
				t.Fatalf("got %s %v, want %s", got, ok, tt.want)
			}
		})
	}
}

func FuzzParseForwardedClientIP(f *testing.F) {
	for _, s := range []string{
		"203.0.113.7", "2001:db8::1", "[2001:db8::1]:443", "203.0.113.7:80", "::ffff:1.2.3.4",
		"a, b, 1.2.3.4", "fe80::1%eth0", "", ",,,,", "1.2.3.4\x00", "[::1]", "999.1.1.1", "1.2.3.4, 5.6.7.8",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := proxytrust.ParseForwardedClientIP(s)
		if !ok {
			if a.IsValid() {
				t.Fatal("not ok but a valid address")
			}
			return
		}
		if len(s) > proxytrust.MaxForwardedHeaderLen {
			t.Fatal("accepted an over-long value")
		}
		if !a.IsValid() || a.Zone() != "" || a.Is4In6() {
			t.Fatalf("bad address %v", a)
		}
		// The address is printed into a header and logs: it must re-parse
		// to itself.
		back, err := netip.ParseAddr(a.String())
		if err != nil || back != a {
			t.Fatalf("%v does not round-trip: %v", a, err)
		}
		again, ok := proxytrust.ParseForwardedClientIP(a.String())
		if !ok || again != a {
			t.Fatalf("re-parse of %v gave %v %v", a, again, ok)
		}
	})
}
