package rp_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
)

// spMetadataDir holds real SP metadata (mellon, node-saml, Shibboleth).
const spMetadataDir = "../samlp/testdata/spmetadata"

const financeDN = "CN=Finance,OU=Groups,DC=contoso,DC=com"

// env reads metadata files from spMetadataDir by base name.
func env(attrs ...string) rp.Env {
	return rp.Env{
		ReadFile:   func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(spMetadataDir, name)) },
		Attributes: attrs,
	}
}

// problemFields lists the Field of every FieldError in err.
func problemFields(t *testing.T, err error) []string {
	t.Helper()
	var out []string
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var fe *rp.FieldError
		if errors.As(err, &fe) {
			out = append(out, fe.Field)
			return
		}
		out = append(out, "?"+err.Error())
	}
	if err != nil {
		walk(err)
	}
	return out
}

func wsfedDefinition() rp.Definition {
	return rp.Definition{
		Name: "Contoso Expenses", Protocol: "wsfed",
		Identifiers: []string{"urn:contoso:expenses"}, ReplyURLs: []string{"https://expenses.contoso.com/signin-wsfed"},
	}
}

func samlDefinition() rp.Definition {
	return rp.Definition{Name: "Node SP", Protocol: "saml2", MetadataFile: "nodesaml.xml"}
}

func TestDefinition_Validate(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name   string
		def    func() rp.Definition
		mutate func(*rp.Definition)
		want   []string
	}{
		{"wsfed minimal", wsfedDefinition, func(*rp.Definition) {}, nil},
		{"saml minimal", samlDefinition, func(*rp.Definition) {}, nil},
		{"wsfed everything", wsfedDefinition, func(d *rp.Definition) {
			d.MFA, d.SignatureAlgorithm, d.NameIDFormat, d.NameIDSource = "extranet_only", "rsa-sha1", "persistent", "objectguid"
			d.TokenLifetime, d.RequireFreshAuth = rp.Duration(8*time.Hour), true
			d.Claims = []claims.Rule{{Attribute: "department", Claim: "http://schemas.contoso.com/claims/department"},
				{MemberOf: financeDN, Value: "Finance", Claim: claims.ClaimRole}}
			d.Access = claims.Access{PermitGroups: []string{financeDN}}
		}, nil},
		{"saml everything", samlDefinition, func(d *rp.Definition) {
			d.EncryptAssertions, d.Encryption, d.RequireSignedRequests, d.SignResponse = &yes, "aes128-cbc", true, &no
			d.MetadataURL = "https://node-sp.example.test/metadata"
			d.Claims = []claims.Rule{{Groups: "cn", Claim: "groups"}}
		}, nil},
		{"no name, no protocol", wsfedDefinition, func(d *rp.Definition) { d.Name, d.Protocol = "", "" }, []string{"name", "protocol"}},
		{"name with newline", wsfedDefinition, func(d *rp.Definition) { d.Name = "a\nb" }, []string{"name"}},
		{"name too long", wsfedDefinition, func(d *rp.Definition) { d.Name = strings.Repeat("n", 129) }, []string{"name"}},
		{"unknown protocol", wsfedDefinition, func(d *rp.Definition) { d.Protocol = "oidc" }, []string{"protocol"}},
		{"bad enums", wsfedDefinition, func(d *rp.Definition) {
			d.MFA, d.SignatureAlgorithm, d.NameIDFormat, d.NameIDSource = "sometimes", "rsa-md5", "transient", "cn"
		}, []string{"mfa", "signature_algorithm", "nameid_format", "nameid_source"}},
		{"token lifetime out of range", wsfedDefinition, func(d *rp.Definition) { d.TokenLifetime = rp.Duration(time.Minute) }, []string{"token_lifetime"}},
		{"wsfed without realms and replies", wsfedDefinition, func(d *rp.Definition) { d.Identifiers, d.ReplyURLs = nil, nil },
			[]string{"identifiers", "reply_urls"}},
		{"wsfed bad reply URLs", wsfedDefinition, func(d *rp.Definition) {
			d.ReplyURLs = []string{"http://expenses.contoso.com/", "https://a.example/#x", "https://b.example/", "https://b.example/"}
		}, []string{"reply_urls[0]", "reply_urls[1]", "reply_urls[3]"}},
		{"wsfed realm with spaces", wsfedDefinition, func(d *rp.Definition) { d.Identifiers = []string{" urn:x"} }, []string{"identifiers[0]"}},
		{"wsfed with SAML settings", wsfedDefinition, func(d *rp.Definition) { d.MetadataFile, d.SignResponse, d.Encryption = "x.xml", &yes, "aes256-gcm" },
			[]string{"metadata_file", "encryption", "sign_response"}},
		{"wsfed claim type needs a path", wsfedDefinition, func(d *rp.Definition) { d.Claims = []claims.Rule{{Attribute: "mail", Claim: "email"}} },
			[]string{"claims[0].claim"}},
		{"saml plain claim name is fine", samlDefinition, func(d *rp.Definition) { d.Claims = []claims.Rule{{Attribute: "mail", Claim: "email"}} }, nil},
		{"reserved claim type", samlDefinition, func(d *rp.Definition) {
			d.Claims = []claims.Rule{{Value: token.MultipleAuthn, Claim: "http://schemas.microsoft.com/claims/authnmethodsreferences"}}
		}, []string{"claims[0].claim"}},
		{"unknown attribute", wsfedDefinition, func(d *rp.Definition) {
			d.Claims = []claims.Rule{{Attribute: "givenName", Claim: claims.ClaimName}}
		}, []string{"claims[0].attribute"}},
		{"bad access DN", wsfedDefinition, func(d *rp.Definition) { d.Access.DenyGroups = []string{"Finance"} }, []string{"access.deny_groups[0]"}},
		{"saml with identifiers and replies", samlDefinition, func(d *rp.Definition) {
			d.Identifiers, d.ReplyURLs = []string{"urn:x"}, []string{"https://x.example/"}
		}, []string{"identifiers", "reply_urls"}},
		{"saml without metadata", samlDefinition, func(d *rp.Definition) { d.MetadataFile = "" }, []string{"metadata_file"}},
		{"saml with both metadata", samlDefinition, func(d *rp.Definition) { d.Metadata = "<x/>" }, []string{"metadata"}},
		{"saml metadata URL not https", samlDefinition, func(d *rp.Definition) { d.MetadataURL = "http://sp.example/md" }, []string{"metadata_url"}},
		{"saml encryption off but cipher set", samlDefinition, func(d *rp.Definition) { d.EncryptAssertions, d.Encryption = &no, "aes256-gcm" },
			[]string{"encryption"}},
		{"saml unknown cipher", samlDefinition, func(d *rp.Definition) { d.Encryption = "des" }, []string{"encryption"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.def()
			tt.mutate(&d)
			got := problemFields(t, d.Validate([]string{"department"}))
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDefinition_PartyWSFed(t *testing.T) {
	d := wsfedDefinition()
	d.SignatureAlgorithm, d.NameIDFormat, d.NameIDSource = "rsa-sha1", "email", "mail"
	d.TokenLifetime, d.MFA = rp.Duration(2*time.Hour), "never"
	d.Claims = []claims.Rule{{MemberOf: financeDN, Value: "Finance", Claim: claims.ClaimRole}}
	d.Access = claims.Access{PermitGroups: []string{financeDN}}
	p, err := d.Party(env())
	if err != nil {
		t.Fatal(err)
	}
	if p.Protocol != rp.WSFed || p.MFA != rp.MFANever || p.SignatureAlgorithm != token.RSASHA1 ||
		p.NameIDFormat != samlp.NameIDFormatEmailAddress || p.NameIDAttribute() != claims.AttrMail ||
		p.TokenLifetime != 2*time.Hour || !slices.Equal(p.Identifiers, d.Identifiers) || !slices.Equal(p.ReplyURLs, d.ReplyURLs) {
		t.Errorf("party %+v", p)
	}
	if !p.NeedsDirectory() || p.IsMicrosoftOnline() {
		t.Errorf("NeedsDirectory %v, IsMicrosoftOnline %v", p.NeedsDirectory(), p.IsMicrosoftOnline())
	}
	// The party does not share the definition's slices.
	d.Claims[0].Value, d.Access.PermitGroups[0] = "changed", "CN=Other,DC=x"
	if p.Claims[0].Value != "Finance" || p.Access.PermitGroups[0] != financeDN {
		t.Error("party aliases the definition")
	}
	if _, err := rp.NewRegistry(p); err != nil {
		t.Fatalf("NewRegistry: %v", err)
	}
}

func TestDefinition_PartySAML(t *testing.T) {
	yes, no := true, false
	mellon, err := os.ReadFile(filepath.Join(spMetadataDir, "mellon.xml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		mutate  func(*rp.Definition)
		check   func(t *testing.T, sp *samlp.ServiceProvider, p rp.Party)
		wantErr string
	}{
		{"metadata defaults", func(*rp.Definition) {}, func(t *testing.T, sp *samlp.ServiceProvider, p rp.Party) {
			if sp.EncryptionCert == nil || !sp.RequireSignedRequests || !sp.SignResponse || sp.SignatureAlgorithm != token.RSASHA256 ||
				sp.NameIDFormat != samlp.NameIDFormatEmailAddress || p.NameIDAttribute() != claims.AttrUPN {
				t.Errorf("sp %+v", sp)
			}
			if !slices.Equal(p.Identifiers, []string{"https://node-sp.example.test/metadata"}) || len(p.ReplyURLs) == 0 {
				t.Errorf("party %+v", p)
			}
		}, ""},
		{"overrides", func(d *rp.Definition) {
			d.SignatureAlgorithm, d.EncryptAssertions, d.SignResponse = "rsa-sha1", &no, &no
			d.NameIDFormat, d.NameIDSource, d.TokenLifetime = "persistent", "samaccountname", rp.Duration(10*time.Minute)
		}, func(t *testing.T, sp *samlp.ServiceProvider, p rp.Party) {
			if sp.EncryptionCert != nil || sp.SignResponse || sp.SignatureAlgorithm != token.RSASHA1 ||
				sp.NameIDFormat != samlp.NameIDFormatPersistent || sp.AssertionLifetime != 10*time.Minute ||
				p.NameIDAttribute() != claims.AttrSAMAccountName {
				t.Errorf("sp %+v", sp)
			}
		}, ""},
		{"cipher override", func(d *rp.Definition) { d.Encryption = "aes128-cbc" }, func(t *testing.T, sp *samlp.ServiceProvider, _ rp.Party) {
			if sp.Encryption != samlp.AES128CBC {
				t.Errorf("encryption %q", sp.Encryption)
			}
		}, ""},
		{"inline metadata", func(d *rp.Definition) { d.MetadataFile, d.Metadata = "", string(mellon) },
			func(t *testing.T, sp *samlp.ServiceProvider, _ rp.Party) {
				if sp.EntityID != "https://mellon.example.test/mellon/metadata" {
					t.Errorf("entity %q", sp.EntityID)
				}
			}, ""},
		{"encryption asked without a certificate", func(d *rp.Definition) { d.MetadataFile, d.Metadata, d.EncryptAssertions = "", keylessMetadata, &yes },
			nil, "encrypt_assertions: is true but the metadata has no encryption certificate"},
		{"cipher without encryption", func(d *rp.Definition) { d.MetadataFile, d.Metadata, d.Encryption = "", keylessMetadata, "aes256-gcm" },
			nil, "encryption: is set but assertions are not encrypted"},
		{"signed requests asked without a certificate", func(d *rp.Definition) {
			d.MetadataFile, d.Metadata, d.RequireSignedRequests = "", keylessMetadata, true
		},
			nil, "require_signed_requests"},
		{"missing file", func(d *rp.Definition) { d.MetadataFile = "none.xml" }, nil, "metadata_file: open"},
		{"not metadata", func(d *rp.Definition) { d.MetadataFile, d.Metadata = "", "<html/>" }, nil, "metadata: samlp: metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := samlDefinition()
			tt.mutate(&d)
			p, err := d.Party(env())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Party err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, p.SAML, p)
			if _, err := rp.NewRegistry(p); err != nil {
				t.Fatalf("NewRegistry: %v", err)
			}
		})
	}
}

// keylessMetadata is SP metadata without any certificate.
const keylessMetadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://plain.example.test/sp">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://plain.example.test/acs" index="0"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>`

func TestDefinition_PartyWithoutReadFile(t *testing.T) {
	d := samlDefinition()
	if _, err := d.Party(rp.Env{}); err == nil || !strings.Contains(err.Error(), "metadata_file") {
		t.Fatalf("Party without ReadFile = %v", err)
	}
}

func TestParseDefinition(t *testing.T) {
	tests := []struct {
		name, doc, wantErr string
	}{
		{"wsfed", `
name: Contoso Expenses
protocol: wsfed
identifiers: [urn:contoso:expenses]
reply_urls: [https://expenses.contoso.com/signin-wsfed]
token_lifetime: 1d
claims:
  - {attribute: mail, claim: http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress}
  - {member_of: "CN=Finance,OU=Groups,DC=contoso,DC=com", claim: http://schemas.microsoft.com/ws/2008/06/identity/claims/role, value: Finance}
access:
  deny_groups: ["CN=Contractors,OU=Groups,DC=contoso,DC=com"]
`, ""},
		{"unknown key", "name: x\nprotocol: wsfed\nreply_url: https://x/\n", "field reply_url not found"},
		{"unknown rule key", "name: x\nclaims: [{attribute: mail, claim: x, when: y}]\n", "field when not found"},
		{"bad duration", "name: x\ntoken_lifetime: soon\n", `"soon" is not a valid duration`},
		{"two documents", "name: x\n---\nname: y\n", "more than one"},
		{"empty", "", "empty"},
		{"too large", "name: " + strings.Repeat("x", rp.MaxDefinitionBytes), "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := rp.ParseDefinition([]byte(tt.doc))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Validate(nil); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if d.TokenLifetime.Std() != 24*time.Hour || len(d.Claims) != 2 || len(d.Access.DenyGroups) != 1 {
				t.Errorf("decoded %+v", d)
			}
			out, err := yaml.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			back, err := rp.ParseDefinition(out)
			if err != nil {
				t.Fatalf("re-parse %s: %v", out, err)
			}
			if !equalDefinitions(d, back) {
				t.Errorf("round trip changed it:\n%s", out)
			}
			if strings.Contains(string(out), "encrypt_assertions") || strings.Contains(string(out), "metadata") {
				t.Errorf("zero fields are not omitted:\n%s", out)
			}
		})
	}
}

// TestDefinition_ContractFields pins the YAML keys the store and `fedgate
// rp add` rely on (the shared contract).
func TestDefinition_ContractFields(t *testing.T) {
	d := rp.Definition{Name: "n", Protocol: "saml2", Identifiers: []string{"i"}, ReplyURLs: []string{"r"},
		MetadataFile: "f", Metadata: "m", MetadataURL: "u", MFA: "never"}
	out, err := yaml.Marshal(&d)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"name", "protocol", "identifiers", "reply_urls", "metadata_file", "metadata", "metadata_url", "mfa"} {
		if _, ok := m[k]; !ok {
			t.Errorf("key %q missing from %s", k, out)
		}
	}
	if len(m) != 8 {
		t.Errorf("unexpected keys in %s", out)
	}
}

func equalDefinitions(a, b *rp.Definition) bool {
	ya, err1 := yaml.Marshal(a)
	yb, err2 := yaml.Marshal(b)
	return err1 == nil && err2 == nil && string(ya) == string(yb)
}
