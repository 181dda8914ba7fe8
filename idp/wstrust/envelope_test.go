package wstrust_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/token/tokentest"
	"github.com/fedgate/fedgate/idp/wstrust"
)

func TestParseEnvelope_Captures(t *testing.T) {
	created := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		file      string
		version   wstrust.Version
		user      string
		messageID string
		created   time.Time
		expires   time.Time
	}{
		{"msal_13.xml", wstrust.Trust13, aliceUPN, "urn:uuid:6a1bd4e4-4e0b-4a6f-9c36-1d0ad3d0a001", created, created.Add(10 * time.Minute)},
		{"msal_2005.xml", wstrust.Trust2005, aliceUPN, "urn:uuid:6a1bd4e4-4e0b-4a6f-9c36-1d0ad3d0a002", created, created.Add(10 * time.Minute)},
		{"idcrl_2005.xml", wstrust.Trust2005, aliceUPN, "1748779200", created, created.Add(5 * time.Minute)},
		{"wcf_13.xml", wstrust.Trust13, `CONTOSO\alice`, "urn:uuid:2f5e9c41-7b3a-4d8e-b1f0-0c9d8e7f6a51",
			created.Add(51 * time.Millisecond), created.Add(5*time.Minute + 51*time.Millisecond)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			req, err := wstrust.ParseEnvelope(capture(t, tt.file), tt.version)
			if err != nil {
				t.Fatal(err)
			}
			if req.Username != tt.user || req.Password.Reveal() != alicePass || req.MessageID != tt.messageID ||
				!req.Created.Equal(tt.created) || !req.Expires.Equal(tt.expires) || req.AppliesTo != o365Realm || req.Version != tt.version {
				t.Errorf("parsed %+v (password ok: %v)", req, req.Password.Reveal() == alicePass)
			}
		})
	}
}

func TestParseEnvelope_PasswordKeptExactly(t *testing.T) {
	const pw = "  sp&ce<d> \"pass\"  "
	env := envelope{version: wstrust.Trust13, user: "  " + aliceUPN + "\n", password: pw,
		created: tokentest.Epoch, expires: tokentest.Epoch.Add(time.Minute), messageID: "urn:uuid:1", appliesTo: o365Realm}
	req, err := wstrust.ParseEnvelope(env.bytes(), wstrust.Trust13)
	if err != nil {
		t.Fatal(err)
	}
	if req.Password.Reveal() != pw || req.Username != aliceUPN {
		t.Errorf("password %q user %q; want the password byte for byte and the user trimmed", req.Password.Reveal(), req.Username)
	}
}

// TestParseEnvelope_Refusals mutates the MSAL 1.3 capture one way per case
// and checks the fault.
func TestParseEnvelope_Refusals(t *testing.T) {
	base := string(capture(t, "msal_13.xml"))
	replace := func(old, new string) func() []byte {
		return func() []byte {
			if !strings.Contains(base, old) {
				t.Fatalf("capture lacks %q", old)
			}
			return []byte(strings.Replace(base, old, new, 1))
		}
	}
	deep := func() []byte {
		return []byte(strings.Replace(base, "<s:Body>", "<s:Body>"+strings.Repeat("<x>", 20)+strings.Repeat("</x>", 20), 1))
	}
	many := func() []byte {
		return []byte(strings.Replace(base, "<s:Header>", "<s:Header>"+strings.Repeat("<x:i xmlns:x='urn:x'/>", 300), 1))
	}
	tests := []struct {
		name     string
		body     func() []byte
		code     wstrust.FaultCode
		sub      string
		textHint string
	}{
		{"empty", func() []byte { return nil }, wstrust.Sender, "InvalidRequest", "empty"},
		{"not XML", func() []byte { return []byte("user=alice&password=x") }, wstrust.Sender, "InvalidRequest", "well-formed"},
		{"truncated", func() []byte { return []byte(base[:len(base)-20]) }, wstrust.Sender, "InvalidRequest", "well-formed"},
		{"DTD", func() []byte { return []byte(`<!DOCTYPE s:Envelope [<!ENTITY x "y">]>` + base) }, wstrust.Sender, "InvalidRequest", "DTD"},
		{"entity reference", replace("alice@contoso.com", "&x;"), wstrust.Sender, "InvalidRequest", "well-formed"},
		{"processing instruction", replace("<s:Header>", "<s:Header><?php x?>"), wstrust.Sender, "InvalidRequest", "processing instruction"},
		{"UTF-16 declaration", func() []byte { return []byte(`<?xml version="1.0" encoding="UTF-16"?>` + base) }, wstrust.Sender, "InvalidRequest", "UTF-8"},
		{"nesting too deep", deep, wstrust.Sender, "InvalidRequest", "deeper"},
		{"too many elements", many, wstrust.Sender, "InvalidRequest", "elements"},
		{"duplicate attribute", replace("<u:Timestamp u:Id='_0'>", "<u:Timestamp u:Id='_0' u:Id='_1'>"), wstrust.Sender, "InvalidRequest", ""},
		{"two roots", func() []byte { return []byte(base + base) }, wstrust.Sender, "InvalidRequest", "root"},
		{"SOAP 1.1", replace(wstrust.NSSOAP12, wstrust.NSSOAP11), wstrust.VersionMismatch, "", "SOAP 1.2"},
		{"not an envelope", func() []byte { return []byte("<a/>") }, wstrust.VersionMismatch, "", "SOAP 1.2"},
		{"Body before Header", func() []byte {
			h := base[strings.Index(base, "<s:Header>"):strings.Index(base, "<s:Body>")]
			return []byte(strings.Replace(strings.Replace(base, h, "", 1), "</s:Body>", "</s:Body>"+h, 1))
		}, wstrust.Sender, "InvalidRequest", "Header"},
		{"no Header", func() []byte {
			return []byte(base[:strings.Index(base, "<s:Header>")] + base[strings.Index(base, "<s:Body>"):])
		}, wstrust.Sender, "InvalidSecurity", "Header"},
		{"wrong Action", replace("200512/RST/Issue</a:Action>", "200512/RST/Renew</a:Action>"), wstrust.Sender, "InvalidRequest", "Action"},
		{"two Actions", replace("<a:messageID>", "<a:Action>x</a:Action><a:messageID>"), wstrust.Sender, "InvalidRequest", "more than once"},
		{"two MessageIDs", replace("<a:ReplyTo>", "<a:MessageID>urn:x</a:MessageID><a:ReplyTo>"), wstrust.Sender, "InvalidRequest", "MessageID"},
		{"MessageID with a space", replace("urn:uuid:6a1bd4e4", "urn:uuid 6a1bd4e4"), wstrust.Sender, "InvalidRequest", "MessageID"},
		{"MessageID too long", replace("urn:uuid:6a1bd4e4", "urn:uuid:"+strings.Repeat("a", 300)), wstrust.Sender, "InvalidRequest", "MessageID"},
		{"To of another endpoint", replace("/adfs/services/trust/13/usernamemixed</a:To>", "/adfs/ls/</a:To>"), wstrust.Sender, "InvalidRequest", "To"},
		{"two Security headers", replace("</o:Security>", "</o:Security><o:Security xmlns:o='"+wstrust.NSSecExt+"'/>"), wstrust.Sender, "InvalidSecurity", "more than once"},
		{"no Timestamp", func() []byte {
			return []byte(base[:strings.Index(base, "<u:Timestamp")] + base[strings.Index(base, "</u:Timestamp>")+len("</u:Timestamp>"):])
		}, wstrust.Sender, "InvalidSecurity", "Timestamp"},
		{"no Expires", replace("<u:Expires>2025-06-01T12:10:00Z</u:Expires>", ""), wstrust.Sender, "InvalidSecurity", "Expires"},
		{"Created without zone", replace("2025-06-01T12:00:00Z<", "2025-06-01T12:00:00<"), wstrust.Sender, "InvalidSecurity", "xs:dateTime"},
		{"two UsernameTokens", replace("</o:UsernameToken>", "</o:UsernameToken><o:UsernameToken/>"), wstrust.Sender, "InvalidSecurity", "UsernameToken"},
		{"no Password", replace("<o:Password>Alice-Passw0rd!</o:Password>", ""), wstrust.Sender, "InvalidSecurity", "Password"},
		{"PasswordDigest", replace("<o:Password>", "<o:Password Type='http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest'>"),
			wstrust.Sender, "UnsupportedSecurityToken", "PasswordText"},
		{"unknown mustUnderstand header", replace("<a:ReplyTo>", "<x:Y xmlns:x='urn:x' s:mustUnderstand='true'/><a:ReplyTo>"), wstrust.MustUnderstand, "", "mustUnderstand"},
		{"2005 RST on 1.3", replace("xmlns:trust='http://docs.oasis-open.org/ws-sx/ws-trust/200512'", "xmlns:trust='"+wstrust.NSTrust2005+"'"),
			wstrust.Sender, "InvalidRequest", "/adfs/services/trust/2005/usernamemixed"},
		{"Renew RequestType", replace("200512/Issue</trust:RequestType>", "200512/Renew</trust:RequestType>"), wstrust.Sender, "InvalidRequest", "Issue"},
		{"SAML 2.0 TokenType", replace("<trust:KeyType>", "<trust:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</trust:TokenType><trust:KeyType>"), wstrust.Sender, "InvalidRequest", "SAML 1.1"},
		{"symmetric key", replace("200512/Bearer", "200512/SymmetricKey"), wstrust.Sender, "InvalidRequest", "bearer"},
		{"ActAs", replace("<trust:KeyType>", "<trust:ActAs/><trust:KeyType>"), wstrust.Sender, "InvalidRequest", "Delegation"},
		{"no AppliesTo", func() []byte {
			return []byte(base[:strings.Index(base, "<wsp:AppliesTo")] + base[strings.Index(base, "</wsp:AppliesTo>")+len("</wsp:AppliesTo>"):])
		}, wstrust.Sender, "InvalidRequest", "AppliesTo"},
		{"empty AppliesTo address", replace(">urn:federation:MicrosoftOnline<", "><"), wstrust.Sender, "InvalidRequest", "AppliesTo"},
		{"two RSTs", replace("</trust:RequestSecurityToken>", "</trust:RequestSecurityToken><trust:RequestSecurityToken/>"), wstrust.Sender, "InvalidRequest", "exactly one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wstrust.ParseEnvelope(tt.body(), wstrust.Trust13)
			var f *wstrust.Fault
			if !errors.As(err, &f) {
				t.Fatalf("error %v is not a *Fault", err)
			}
			if f.Code != tt.code || f.Subcode.Local != tt.sub {
				t.Errorf("fault %s/%s, want %s/%s: %v", f.Code, f.Subcode.Local, tt.code, tt.sub, f)
			}
			if !strings.Contains(f.Text, tt.textHint) {
				t.Errorf("text %q does not mention %q", f.Text, tt.textHint)
			}
			if strings.Contains(f.Text, alicePass) || strings.Contains(f.Text, "&x;") {
				t.Errorf("text echoes input: %q", f.Text)
			}
		})
	}
}

func TestSecret_NeverPrints(t *testing.T) {
	s := wstrust.NewSecret("hunter2")
	req := &wstrust.Request{Username: "u", Password: s}
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q %x", s, s, s, s, s, s), fmt.Sprintf("%+v %#v", req, *req), s.String(),
	} {
		if strings.Contains(out, "hunter2") || strings.Contains(out, "68756e74657232") {
			t.Errorf("secret printed: %s", out)
		}
	}
	if txt, _ := s.MarshalText(); bytes.Contains(txt, []byte("hunter2")) {
		t.Error("MarshalText reveals the secret")
	}
}
