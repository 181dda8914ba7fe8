package rp_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/idp/rp"
)

func TestResolveReply(t *testing.T) {
	reg, err := rp.NewRegistry(rp.Office365(rp.MFAAlways))
	if err != nil {
		t.Fatal(err)
	}
	p, err := reg.Lookup(rp.Office365Realm)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, requested, want string
		wantErr               bool
	}{
		{name: "empty selects the first", requested: "", want: rp.Office365ReplyURL},
		{name: "exact", requested: rp.Office365ReplyURL, want: rp.Office365ReplyURL},
		{name: "host case-insensitive", requested: "https://LOGIN.microsoftonline.com/login.srf", want: rp.Office365ReplyURL},
		{name: "other host", requested: "https://evil.example/login.srf", wantErr: true},
		{name: "suffix host", requested: "https://login.microsoftonline.com.evil.example/login.srf", wantErr: true},
		{name: "other path", requested: "https://login.microsoftonline.com/other", wantErr: true},
		{name: "path case matters", requested: "https://login.microsoftonline.com/LOGIN.srf", wantErr: true},
		{name: "http downgrade", requested: "http://login.microsoftonline.com/login.srf", wantErr: true},
		{name: "userinfo", requested: "https://x@login.microsoftonline.com/login.srf", wantErr: true},
		{name: "extra query", requested: "https://login.microsoftonline.com/login.srf?x=1", wantErr: true},
		{name: "fragment", requested: "https://login.microsoftonline.com/login.srf#x", wantErr: true},
		{name: "garbage", requested: "%zz", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.ResolveReply(tt.requested)
			if tt.wantErr {
				if !errors.Is(err, rp.ErrReplyURL) {
					t.Fatalf("ResolveReply(%q) = %q, %v; want ErrReplyURL", tt.requested, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ResolveReply(%q) = %q, %v; want %q", tt.requested, got, err, tt.want)
			}
		})
	}
}

func TestLookup_UnknownRealm(t *testing.T) {
	reg, err := rp.NewRegistry(rp.Office365(rp.MFAAlways))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Lookup("urn:evil"); !errors.Is(err, rp.ErrUnknownParty) {
		t.Fatalf("Lookup(urn:evil) err = %v, want ErrUnknownParty", err)
	}
}

func TestNewRegistry_RejectsBadParties(t *testing.T) {
	tests := []struct {
		name  string
		party rp.Party
		want  string
	}{
		{"no identifiers", rp.Party{Name: "x", ReplyURLs: []string{"https://a/"}}, "identifiers"},
		{"no reply", rp.Party{Name: "x", Identifiers: []string{"urn:x"}}, "reply_urls"},
		{"http reply", rp.Party{Name: "x", Identifiers: []string{"urn:x"}, ReplyURLs: []string{"http://a.example/"}}, "only https"},
		{"relative reply", rp.Party{Name: "x", Identifiers: []string{"urn:x"}, ReplyURLs: []string{"/login"}}, "absolute"},
		{"bad protocol", rp.Party{Name: "x", Protocol: "oidc", Identifiers: []string{"urn:x"}, ReplyURLs: []string{"https://a/"}}, "protocol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rp.NewRegistry(tt.party)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want mention of %q", err, tt.want)
			}
		})
	}
	dup := rp.Party{Name: "dup", Identifiers: []string{rp.Office365Realm}, ReplyURLs: []string{"https://a.example/"}}
	if _, err := rp.NewRegistry(rp.Office365(rp.MFAAlways), dup); err == nil {
		t.Fatal("duplicate identifier accepted")
	}
}

func TestIsReplyURL(t *testing.T) {
	reg, err := rp.NewRegistry(rp.Office365(rp.MFANever, "https://127.0.0.1:8444/login.srf"))
	if err != nil {
		t.Fatal(err)
	}
	if !reg.IsReplyURL("https://127.0.0.1:8444/login.srf") {
		t.Error("registered URL not recognised")
	}
	if reg.IsReplyURL("") || reg.IsReplyURL("https://evil.example/") {
		t.Error("unregistered URL recognised")
	}
}

func TestMFAPolicy_Required(t *testing.T) {
	tests := []struct {
		policy           rp.MFAPolicy
		inside, extranet bool
	}{
		{rp.MFAAlways, true, true},
		{rp.MFAExtranetOnly, false, true},
		{rp.MFANever, false, false},
		{"", true, true},          // zero value fails closed
		{"sometimes", true, true}, // unknown value fails closed
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			if got := tt.policy.Required(false); got != tt.inside {
				t.Errorf("Required(inside) = %v, want %v", got, tt.inside)
			}
			if got := tt.policy.Required(true); got != tt.extranet {
				t.Errorf("Required(extranet) = %v, want %v", got, tt.extranet)
			}
		})
	}
}

func TestParseMFAPolicy(t *testing.T) {
	for _, s := range []string{"always", "extranet_only", "never"} {
		if p, err := rp.ParseMFAPolicy(s); err != nil || string(p) != s {
			t.Errorf("ParseMFAPolicy(%q) = %q, %v", s, p, err)
		}
	}
	for _, s := range []string{"", "Always", "true", "extranet"} {
		if _, err := rp.ParseMFAPolicy(s); err == nil || !strings.Contains(err.Error(), "extranet_only") {
			t.Errorf("ParseMFAPolicy(%q) err = %v, want the allowed values", s, err)
		}
	}
}

func TestNewRegistry_MFAPolicyDefaultsToAlwaysAndIsValidated(t *testing.T) {
	party := rp.Party{Name: "app", Identifiers: []string{"urn:app"}, ReplyURLs: []string{"https://app.example/"}}
	reg, err := rp.NewRegistry(party)
	if err != nil {
		t.Fatal(err)
	}
	p, err := reg.Lookup("urn:app")
	if err != nil || p.MFA != rp.MFAAlways {
		t.Fatalf("MFA = %q, %v; want always", p.MFA, err)
	}
	party.MFA = "sometimes"
	if _, err := rp.NewRegistry(party); err == nil || !strings.Contains(err.Error(), "mfa") {
		t.Fatalf("unknown MFA policy accepted: %v", err)
	}
	if o := rp.Office365(rp.MFAExtranetOnly); o.MFA != rp.MFAExtranetOnly {
		t.Fatalf("Office365 MFA = %q", o.MFA)
	}
}
