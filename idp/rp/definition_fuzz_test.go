package rp_test

import (
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/idp/rp"
)

// FuzzParseDefinition: arbitrary YAML never panics the strict decoder,
// Validate or Party (metadata files are never read: ReadFile fails), and
// a definition that decodes re-encodes to YAML that decodes to the same
// definition.
func FuzzParseDefinition(f *testing.F) {
	f.Add([]byte("name: Contoso Expenses\nprotocol: wsfed\nidentifiers: [urn:contoso:expenses]\nreply_urls: [https://expenses.contoso.com/]\n" +
		"token_lifetime: 1d12h\nclaims:\n  - {attribute: mail, claim: http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress}\n" +
		"  - {member_of: 'CN=Finance,DC=contoso,DC=com', value: Finance, claim: http://schemas.microsoft.com/ws/2008/06/identity/claims/role}\n" +
		"access: {permit_groups: ['CN=Staff,DC=contoso,DC=com'], deny_groups: ['CN=Contractors,DC=contoso,DC=com']}\n"))
	f.Add([]byte("name: SP\nprotocol: saml2\nmetadata_file: sp.xml\nencrypt_assertions: false\nsign_response: true\nnameid_format: email\n"))
	f.Add([]byte("name: x\nclaims: [{groups: cn, claim: g}]\nunknown: 1\n"))
	f.Add([]byte("a: &a [*a]\n"))
	if doc, err := os.ReadFile(filepath.Join(spMetadataDir, "mellon.xml")); err == nil {
		inline, _ := yaml.Marshal(rp.Definition{Name: "Mellon", Protocol: "saml2", Metadata: string(doc)})
		f.Add(inline)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		d, err := rp.ParseDefinition(doc)
		if err != nil {
			return
		}
		_ = d.Validate([]string{"department"})
		_, _ = d.Party(rp.Env{ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }})
		out, err := yaml.Marshal(d)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := rp.ParseDefinition(out)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", out, err)
		}
		if !equalDefinitions(d, back) {
			again, _ := yaml.Marshal(back)
			t.Fatalf("round trip changed\n%s\ninto\n%s", out, again)
		}
	})
}
