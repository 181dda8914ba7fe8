package samlp_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/idp/samlp"
)

func sloEl(binding, loc, attrs string) string {
	return `<md:SingleLogoutService Binding="` + binding + `" Location="` + loc + `"` + attrs + `/>`
}

func TestParseSPMetadata_SingleLogout(t *testing.T) {
	redirect, post := samlp.BindingHTTPRedirect, samlp.BindingHTTPPost
	tests := []struct {
		name string
		doc  []byte
		want []samlp.Endpoint
	}{
		{name: "mellon", doc: readSPMetadata(t, "mellon.xml"), want: []samlp.Endpoint{
			{Binding: redirect, Location: "https://mellon.example.test/mellon/logout"},
			{Binding: post, Location: "https://mellon.example.test/mellon/logout"},
		}},
		{name: "shibboleth: SOAP and Artifact skipped", doc: readSPMetadata(t, "shibboleth.xml"), want: []samlp.Endpoint{
			{Binding: redirect, Location: "https://shib.example.test/Shibboleth.sso/SLO/Redirect"},
			{Binding: post, Location: "https://shib.example.test/Shibboleth.sso/SLO/POST"},
		}},
		{name: "node-saml: POST only", doc: readSPMetadata(t, "nodesaml.xml"), want: []samlp.Endpoint{
			{Binding: post, Location: "https://node-sp.example.test/logout/callback"},
		}},
		{name: "ResponseLocation", doc: []byte(spMeta("", "", postACS+sloEl(redirect, "https://a.test/slo", ` ResponseLocation="https://a.test/slo/done"`))), want: []samlp.Endpoint{
			{Binding: redirect, Location: "https://a.test/slo", ResponseLocation: "https://a.test/slo/done"},
		}},
		{name: "none", doc: []byte(spMeta("", "", postACS))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := samlp.ParseSPMetadata(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(sp.SLO) != fmt.Sprint(tt.want) {
				t.Fatalf("SLO = %+v, want %+v", sp.SLO, tt.want)
			}
		})
	}
}

func TestParseSPMetadata_SingleLogoutRejects(t *testing.T) {
	redirect := samlp.BindingHTTPRedirect
	many := ""
	for i := range 17 {
		many += sloEl(redirect, fmt.Sprintf("https://a.test/%d", i), "")
	}
	tests := []struct{ name, slo, wantMsg string }{
		{"http Location", sloEl(redirect, "http://sp.example.test/slo", ""), "must be https"},
		{"relative Location", sloEl(redirect, "/slo", ""), "absolute"},
		{"no Location", `<md:SingleLogoutService Binding="` + redirect + `"/>`, "Location"},
		{"http ResponseLocation", sloEl(redirect, "https://a.test/slo", ` ResponseLocation="http://a.test/r"`), "ResponseLocation"},
		{"fragment", sloEl(redirect, "https://a.test/slo#x", ""), "fragment"},
		{"unknown binding", sloEl("urn:example:binding", "https://a.test/slo", ""), "unknown"},
		{"too many", many, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := samlp.ParseSPMetadata([]byte(spMeta("", "", postACS+tt.slo)))
			if !errors.Is(err, samlp.ErrMetadata) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %v, want ErrMetadata mentioning %q", err, tt.wantMsg)
			}
		})
	}
}

func TestServiceProvider_SingleLogoutChoosesBinding(t *testing.T) {
	r := samlp.Endpoint{Binding: samlp.BindingHTTPRedirect, Location: "https://a.test/r"}
	p := samlp.Endpoint{Binding: samlp.BindingHTTPPost, Location: "https://a.test/p"}
	tests := []struct {
		name      string
		slo       []samlp.Endpoint
		preferred string
		want      string
	}{
		{"redirect by default", []samlp.Endpoint{p, r}, "", r.Location},
		{"preferred POST", []samlp.Endpoint{r, p}, samlp.BindingHTTPPost, p.Location},
		{"preferred missing", []samlp.Endpoint{p}, samlp.BindingHTTPRedirect, p.Location},
		{"none", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := &samlp.ServiceProvider{SLO: tt.slo}
			e, ok := sp.SingleLogout(tt.preferred)
			if ok != (tt.want != "") || e.Location != tt.want {
				t.Fatalf("SingleLogout(%q) = %+v, %v; want %q", tt.preferred, e, ok, tt.want)
			}
		})
	}
}
