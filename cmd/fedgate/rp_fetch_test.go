package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/store"
)

func TestPlainName(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Payroll", "Payroll"},
		{"whitespace collapsed", "  Pay \t\n roll  ", "Pay roll"},
		{"controls and bidi dropped", "Pay\x00roll\u202e \u200f", "Payroll"},
		{"only controls", "\x01\x02", ""},
		{"cut on a rune boundary", strings.Repeat("é", 100), strings.Repeat("é", rp.MaxNameBytes/2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plainName(tt.in); got != tt.want {
				t.Errorf("plainName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCheckMetadataURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://sp.example.com/md", true},
		{"HTTPS://sp.example.com/md", true},
		{"http://127.0.0.1:8080/md", true},
		{"http://[::1]/md", true},
		{"http://localhost/md", true},
		{"http://sp.example.com/md", false},
		{"http://127.0.0.1.evil.example/md", false},
		{"https:///md", false},
		{"https://user@sp.example.com/md", false},
		{"https://sp.example.com/%zz", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if _, err := checkMetadataURL(tt.url); (err == nil) != tt.ok {
				t.Errorf("checkMetadataURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
			}
		})
	}
}

// FuzzDefaultPartyName: whatever the metadata's organization says, the
// name is a valid rp.Definition name (or the entity ID).
func FuzzDefaultPartyName(f *testing.F) {
	f.Add(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="e"><md:Organization>` +
		`<md:OrganizationDisplayName xml:lang="en">Payroll</md:OrganizationDisplayName></md:Organization></md:EntityDescriptor>`)
	f.Add(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="e"><md:Organization>` +
		`<md:OrganizationDisplayName xml:lang="de">  A&#x9;B&#x202e;  </md:OrganizationDisplayName></md:Organization></md:EntityDescriptor>`)
	f.Add("not xml")
	f.Add(strings.Repeat("é\u0301", 200))
	f.Fuzz(func(t *testing.T, doc string) {
		name := defaultPartyName([]byte(doc), "e")
		if name == "e" {
			return
		}
		if name == "" || len(name) > rp.MaxNameBytes || !utf8.ValidString(name) || name != strings.TrimSpace(name) ||
			strings.ContainsFunc(name, unicode.IsControl) || strings.ContainsFunc(name, func(r rune) bool { return unicode.Is(unicode.Bidi_Control, r) }) {
			t.Fatalf("defaultPartyName = %q: not a plain name", name)
		}
		d := rp.Definition{Name: name, Protocol: "wsfed", Identifiers: []string{"urn:x"}, ReplyURLs: []string{"https://x.example/"}}
		if err := d.Validate(nil); err != nil {
			t.Fatalf("name %q refused by rp.Definition: %v", name, err)
		}
		if got := plainName(name); got != name {
			t.Fatalf("plainName is not idempotent: %q → %q", name, got)
		}
	})
}

// FuzzShowStored: any stored bytes print or fail cleanly.
func FuzzShowStored(f *testing.F) {
	f.Add([]byte("name: SP\nprotocol: saml2\nmetadata: <x/>\n"))
	f.Add([]byte("name: App\nprotocol: wsfed\nidentifiers: [urn:a]\nreply_urls: [https://a.example/]\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, def []byte) {
		if len(def) > store.MaxRelyingPartyDefinition {
			return
		}
		rec := store.RelyingPartyRecord{Name: "x", Definition: def, UpdatedAt: time.Unix(0, 0)}
		for _, full := range []bool{false, true} {
			var out bytes.Buffer
			if err := showStored(&out, rec, full, time.Unix(0, 0)); err == nil && out.Len() == 0 {
				t.Fatal("showStored printed nothing and returned no error")
			}
		}
	})
}
