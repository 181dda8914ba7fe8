package rp_test

import (
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
)

func TestOffice365_ExtraClaimsCannotOverrideTheBuiltInSet(t *testing.T) {
	tests := []struct {
		name  string
		claim string
		ok    bool
	}{
		{"extra claim", "http://schemas.contoso.com/claims/department", true},
		{"UPN", "http://schemas.xmlsoap.org/claims/UPN", false},
		{"ImmutableID any case", "http://schemas.microsoft.com/LiveID/Federation/2008/05/immutableid", false},
		{"insidecorporatenetwork", "http://schemas.microsoft.com/ws/2012/01/insidecorporatenetwork", false},
		{"authnmethodsreferences", "http://schemas.microsoft.com/claims/authnmethodsreferences", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := rp.Office365(rp.MFAAlways)
			p.Claims = []claims.Rule{{Value: "x", Claim: tt.claim}}
			_, err := rp.NewRegistry(p)
			if tt.ok != (err == nil) {
				t.Fatalf("NewRegistry err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "claims[0].claim") {
				t.Errorf("error %v does not name the rule", err)
			}
		})
	}
	p := rp.Office365(rp.MFAAlways)
	p.NameIDSource = rp.NameIDUPN
	if _, err := rp.NewRegistry(p); err == nil || !strings.Contains(err.Error(), "nameid_source") {
		t.Errorf("Office 365 with a UPN NameID: %v", err)
	}
}

func TestParty_ClaimRulesAndDirectoryNeeds(t *testing.T) {
	office := rp.Office365(rp.MFAAlways)
	entra := rp.SAMLParty("Entra", samlp.EntraServiceProvider(), rp.MFAAlways)
	wsfed := rp.Party{Name: "App", Protocol: rp.WSFed, Identifiers: []string{"urn:app"}, ReplyURLs: []string{"https://app.example/"}}
	sessionOnly := wsfed
	sessionOnly.Claims = []claims.Rule{{Attribute: "upn", Claim: claims.ClaimUPN}}
	withAccess := office
	withAccess.Access = claims.Access{DenyGroups: []string{financeDN}}
	email := rp.SAMLParty("Email SP", &samlp.ServiceProvider{EntityID: "https://sp.example/md", NameIDFormat: samlp.NameIDFormatEmailAddress,
		ACS: []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: "https://sp.example/acs"}}}, rp.MFAAlways)
	tests := []struct {
		name      string
		p         rp.Party
		microsoft bool
		rules     int
		needs     bool
		nameID    string
	}{
		{"office 365", office, true, 0, false, claims.AttrImmutableID},
		{"office 365 with access", withAccess, true, 0, true, claims.AttrImmutableID},
		{"entra SAML", entra, true, 0, false, claims.AttrImmutableID},
		{"other party gets the defaults (mail)", wsfed, false, 3, true, claims.AttrImmutableID},
		{"session attributes only", sessionOnly, false, 1, false, claims.AttrImmutableID},
		{"SAML email format defaults to UPN", email, false, 3, true, claims.AttrUPN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			if p.IsMicrosoftOnline() != tt.microsoft || len(p.ClaimRules()) != tt.rules || p.NeedsDirectory() != tt.needs || p.NameIDAttribute() != tt.nameID {
				t.Errorf("microsoft %v rules %d needs %v nameID %q", p.IsMicrosoftOnline(), len(p.ClaimRules()), p.NeedsDirectory(), p.NameIDAttribute())
			}
		})
	}
}

func TestNewRegistry_CopiesClaimsAndAccess(t *testing.T) {
	p := rp.Office365(rp.MFAAlways)
	p.Claims = []claims.Rule{{Value: "x", Claim: "http://schemas.contoso.com/claims/k"}}
	p.Access = claims.Access{PermitGroups: []string{financeDN}}
	reg, err := rp.NewRegistry(p)
	if err != nil {
		t.Fatal(err)
	}
	p.Claims[0].Value, p.Access.PermitGroups[0] = "changed", "CN=Other,DC=x"
	got, _ := reg.Lookup(rp.Office365Realm)
	if got.Claims[0].Value != "x" || got.Access.PermitGroups[0] != financeDN {
		t.Error("registry shares the caller's slices")
	}
}

func TestParty_WSFedTokenSettingsValidated(t *testing.T) {
	base := rp.Party{Name: "App", Protocol: rp.WSFed, Identifiers: []string{"urn:app"}, ReplyURLs: []string{"https://app.example/"}}
	tests := []struct {
		name   string
		mutate func(*rp.Party)
		want   string
	}{
		{"bad algorithm", func(p *rp.Party) { p.SignatureAlgorithm = "rsa-md5" }, "signature_algorithm"},
		{"bad format", func(p *rp.Party) { p.NameIDFormat = "persistent" }, "nameid_format"},
		{"bad source", func(p *rp.Party) { p.NameIDSource = "cn" }, "nameid_source"},
		{"lifetime too long", func(p *rp.Party) { p.TokenLifetime = 25 * time.Hour }, "token_lifetime"},
		{"algorithm on a SAML party", func(p *rp.Party) {
			*p = rp.SAMLParty("SP", &samlp.ServiceProvider{EntityID: "https://sp.example/md",
				ACS: []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: "https://sp.example/acs"}}}, rp.MFAAlways)
			p.SignatureAlgorithm = token.RSASHA1
		}, "signature_algorithm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			tt.mutate(&p)
			if _, err := rp.NewRegistry(p); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestIssuers_PerPartyAlgorithmAndLifetime: SHA-1 and a custom lifetime
// only for the party configured with them; unknown audiences get nothing.
func TestIssuers_PerPartyAlgorithmAndLifetime(t *testing.T) {
	sha1 := rp.Party{Name: "Legacy", Protocol: rp.WSFed, Identifiers: []string{"urn:legacy"}, ReplyURLs: []string{"https://legacy.example/"},
		SignatureAlgorithm: token.RSASHA1, TokenLifetime: 10 * time.Minute}
	reg, err := rp.NewRegistry(rp.Office365(rp.MFAAlways), sha1,
		rp.SAMLParty("SP", &samlp.ServiceProvider{EntityID: "https://sp.example/md",
			ACS: []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: "https://sp.example/acs"}}}, rp.MFAAlways))
	if err != nil {
		t.Fatal(err)
	}
	clock := tokentest.NewClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	iss, err := rp.NewIssuers(token.Config{Issuer: "http://sts.contoso.com/adfs/services/trust", Keys: tokentest.KeySet(t),
		Now: clock.Now, Rand: tokentest.Rand()}, reg.Lookup)
	if err != nil {
		t.Fatal(err)
	}
	c := token.Claims{NameID: "id", Attributes: []token.Attribute{{Namespace: "http://x", Name: "a", Values: []string{"v"}}}}
	tests := []struct {
		audience string
		method   string
		lifetime time.Duration
	}{
		{rp.Office365Realm, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", time.Hour},
		{"urn:legacy", "http://www.w3.org/2000/09/xmldsig#rsa-sha1", 10 * time.Minute},
		{rp.Office365Realm, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.audience, func(t *testing.T) {
			a, err := iss.SAML11(c, tt.audience)
			if err != nil {
				t.Fatal(err)
			}
			if got := signatureMethod(a.Element); got != tt.method {
				t.Errorf("SignatureMethod %q, want %q", got, tt.method)
			}
			if got := a.NotOnOrAfter.Sub(a.NotBefore); got != tt.lifetime {
				t.Errorf("lifetime %s, want %s", got, tt.lifetime)
			}
		})
	}
	for _, bad := range []string{"urn:unknown", "https://sp.example/md"} {
		if _, err := iss.SAML11(c, bad); err == nil {
			t.Errorf("SAML11 for %q succeeded", bad)
		}
	}
}

func signatureMethod(el *etree.Element) string {
	for _, sm := range el.FindElements(".//SignatureMethod") {
		return sm.SelectAttrValue("Algorithm", "")
	}
	return ""
}
