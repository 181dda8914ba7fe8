package rp_test

import (
	"strings"
	"testing"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
)

func testSP() *samlp.ServiceProvider {
	return &samlp.ServiceProvider{
		EntityID: "https://sp.example.com/metadata",
		ACS: []samlp.Endpoint{
			{Binding: samlp.BindingHTTPPost, Location: "https://sp.example.com/acs", Index: 1},
			{Binding: samlp.BindingHTTPPost, Location: "https://sp.example.com/acs2", Index: 2},
		},
	}
}

func TestSAMLParty_DefaultsAndGuards(t *testing.T) {
	reg, err := rp.NewRegistry(rp.SAMLParty("Example SP", testSP(), rp.MFANever))
	if err != nil {
		t.Fatal(err)
	}
	p, err := reg.Lookup("https://sp.example.com/metadata")
	if err != nil {
		t.Fatal(err)
	}
	if p.Protocol != rp.SAML2 || len(p.ReplyURLs) != 2 || p.SAML == nil {
		t.Fatalf("party %+v", p)
	}
	if _, err := p.ResolveReply("https://sp.example.com/acs2"); err != nil {
		t.Errorf("ACS not a reply URL: %v", err)
	}
	if _, err := p.ResolveReply("https://evil.example/acs"); err == nil {
		t.Error("unregistered URL resolved")
	}
}

func TestSAMLParty_RegistryCopiesSP(t *testing.T) {
	sp := testSP()
	reg, err := rp.NewRegistry(rp.SAMLParty("Example SP", sp, rp.MFANever))
	if err != nil {
		t.Fatal(err)
	}
	sp.ACS[0].Location = "https://evil.example/acs"
	p, _ := reg.Lookup(sp.EntityID)
	if p.SAML.ACS[0].Location != "https://sp.example.com/acs" {
		t.Error("registry shares the caller's ACS slice")
	}
}

func TestSAMLParty_Invalid(t *testing.T) {
	tests := []struct {
		name  string
		party rp.Party
		want  string
	}{
		{"settings on wsfed", rp.Party{Name: "x", Protocol: rp.WSFed, Identifiers: []string{"a"}, ReplyURLs: []string{"https://a.example/"}, SAML: testSP()}, "only for protocol"},
		{"other identifier", rp.Party{Name: "x", Protocol: rp.SAML2, Identifiers: []string{"urn:other"}, SAML: testSP()}, "known only by its entity ID"},
		{"reply URL not an ACS", rp.Party{Name: "x", Protocol: rp.SAML2, ReplyURLs: []string{"https://sp.example.com/acs", "https://evil.example/"}, SAML: testSP()}, "is not assertion consumer service"},
		{"invalid SP", rp.SAMLParty("x", &samlp.ServiceProvider{EntityID: "urn:x"}, rp.MFAAlways), "no assertion consumer service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rp.NewRegistry(tt.party)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSAMLParty_WithoutSettingsIsAccepted(t *testing.T) {
	// Declared only (as idp/wstrust's tests do): valid, and inert for the
	// SAML endpoint, which looks up p.SAML.
	reg, err := rp.NewRegistry(rp.Party{Name: "x", Protocol: rp.SAML2, Identifiers: []string{"urn:x"}, ReplyURLs: []string{"https://x.example/acs"}})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := reg.Lookup("urn:x"); p.SAML != nil {
		t.Error("settings appeared")
	}
}
