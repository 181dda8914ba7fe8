package proxytrust_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/proxytrust"
)

func TestNormalizeProxyName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"wap1.contoso.com", "wap1.contoso.com"},
		{"WAP1.Contoso.COM.", "wap1.contoso.com"},
		{"wap1", "wap1"},
		{"dmz-proxy-2.corp.example", "dmz-proxy-2.corp.example"},
		{"", ""},
		{"*.contoso.com", ""},
		{"192.0.2.1", ""},
		{"-wap.contoso.com", ""},
		{"wap-.contoso.com", ""},
		{"wap..contoso.com", ""},
		{"wap_1.contoso.com", ""},
		{"wap 1", ""},
		{"wäp.contoso.com", ""},
		{strings.Repeat("a", 64) + ".com", ""},
		{strings.Repeat("a.", 127) + "com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := proxytrust.NormalizeProxyName(tt.in)
			if tt.want == "" {
				if !errors.Is(err, proxytrust.ErrInvalidName) {
					t.Fatalf("got %q, %v; want ErrInvalidName", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestParseSerial(t *testing.T) {
	tests := []struct{ in, want string }{
		{"4a3f", "4a3f"},
		{"4A:3F", "4a3f"},
		{"00:4a 3f", "4a3f"},
		{" 4a3f\n", "4a3f"},
		{"", ""},
		{"0", ""},
		{"xyz", ""},
		{"-4a", ""},
		{strings.Repeat("f", 41), ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := proxytrust.ParseSerial(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("got %q, want an error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func FuzzNormalizeProxyName(f *testing.F) {
	for _, s := range []string{"wap1.contoso.com", "WAP1.", "192.0.2.1", "-a", "a..b", "*.x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := proxytrust.NormalizeProxyName(s)
		if err != nil {
			return
		}
		if len(n) > proxytrust.MaxProxyNameLen || n != strings.ToLower(n) {
			t.Fatalf("accepted %q as %q", s, n)
		}
		again, err := proxytrust.NormalizeProxyName(n)
		if err != nil || again != n {
			t.Fatalf("normalising %q again gave %q, %v", n, again, err)
		}
	})
}

func FuzzParseSerial(f *testing.F) {
	for _, s := range []string{"4a:3f", "00", "ABCDEF", " 1 2 ", strings.Repeat("f", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := proxytrust.ParseSerial(s)
		if err != nil {
			return
		}
		again, err := proxytrust.ParseSerial(n)
		if err != nil || again != n || len(n) > 40 || n == "0" {
			t.Fatalf("serial %q → %q → %q, %v", s, n, again, err)
		}
	})
}
