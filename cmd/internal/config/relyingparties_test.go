package config_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/idp/claims"
)

const financeDN = "CN=Finance,OU=Groups,DC=corp,DC=contoso,DC=com"

func expenses() config.WSFedParty {
	return config.WSFedParty{
		Name: "Contoso Expenses", Identifiers: []string{"urn:contoso:expenses"},
		ReplyURLs: []string{"https://expenses.contoso.com/signin-wsfed"},
	}
}

func TestValidate_WSFedParties(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *config.Config)
		want   []string
	}{
		{"minimal", func(c *config.Config) { c.RelyingParties.WSFed = []config.WSFedParty{expenses()} }, nil},
		{"rules on claim attributes", func(c *config.Config) {
			c.Directory.ClaimAttributes = []string{"department"}
			p := expenses()
			p.Claims = []claims.Rule{{Attribute: "Department", Claim: "http://schemas.contoso.com/claims/department"}}
			p.Access = claims.Access{PermitGroups: []string{financeDN}}
			c.RelyingParties.WSFed = []config.WSFedParty{p}
		}, nil},
		{"attribute not read", func(c *config.Config) {
			p := expenses()
			p.Claims = []claims.Rule{{Attribute: "department", Claim: "http://schemas.contoso.com/claims/department"}}
			c.RelyingParties.WSFed = []config.WSFedParty{p}
		}, []string{"relying_parties.wsfed[0].claims[0].attribute"}},
		{"nested problems keep their paths", func(c *config.Config) {
			p := expenses()
			p.ReplyURLs = []string{"http://expenses.contoso.com/"}
			p.Claims = []claims.Rule{{MemberOf: "Finance", Value: "x", Claim: claims.ClaimRole}}
			p.Access = claims.Access{DenyGroups: []string{""}}
			c.RelyingParties.WSFed = []config.WSFedParty{p}
		}, []string{"relying_parties.wsfed[0].reply_urls[0]", "relying_parties.wsfed[0].claims[0].member_of",
			"relying_parties.wsfed[0].access.deny_groups[0]"}},
		{"wrong protocol in the list", func(c *config.Config) {
			p := expenses()
			p.Protocol = "saml2"
			c.RelyingParties.WSFed = []config.WSFedParty{p}
		}, []string{"relying_parties.wsfed[0].protocol"}},
		{"explicit matching protocol", func(c *config.Config) {
			p := expenses()
			p.Protocol = "wsfed"
			c.RelyingParties.WSFed = []config.WSFedParty{p}
		}, nil},
		{"name shared with a SAML party", func(c *config.Config) {
			c.RelyingParties.WSFed = []config.WSFedParty{expenses()}
			c.RelyingParties.SAML = []config.SAMLParty{{Name: "Contoso Expenses", MetadataFile: "/etc/fedgate/sp.xml"}}
		}, []string{"relying_parties.saml[0].name"}},
		{"realm of Office 365", func(c *config.Config) {
			p := expenses()
			p.Identifiers = []string{"urn:federation:MicrosoftOnline"}
			c.RelyingParties.WSFed = []config.WSFedParty{p}
		}, []string{"relying_parties.wsfed[0].identifiers[0]"}},
		{"realm of Office 365 free when it is off", func(c *config.Config) {
			p := expenses()
			p.Identifiers = []string{"urn:federation:MicrosoftOnline"}
			c.RelyingParties.WSFed = []config.WSFedParty{p}
			c.RelyingParties.Office365.Enabled = false
		}, nil},
		{"realm used twice", func(c *config.Config) {
			q := expenses()
			q.Name = "Other"
			c.RelyingParties.WSFed = []config.WSFedParty{expenses(), q}
		}, []string{"relying_parties.wsfed[1].identifiers[0]"}},
		{"too many", func(c *config.Config) {
			c.RelyingParties.WSFed = slices.Repeat([]config.WSFedParty{expenses()}, config.MaxWSFedParties+1)
		}, []string{"relying_parties.wsfed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid(t)
			tt.mutate(c)
			if got := problemPaths(t, c.Validate()); !slices.Equal(got, tt.want) {
				t.Errorf("problems %v, want %v\n%v", got, tt.want, c.Validate())
			}
		})
	}
}

func TestValidate_Office365ClaimsAndAccess(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(o *config.Office365)
		want   []string
	}{
		{"extra claim and access", func(o *config.Office365) {
			o.Claims = []claims.Rule{{MemberOf: financeDN, Value: "Finance", Claim: claims.ClaimRole}}
			o.Access = claims.Access{DenyGroups: []string{financeDN}}
		}, nil},
		{"built-in claim overridden", func(o *config.Office365) {
			o.Claims = []claims.Rule{{Attribute: "mail", Claim: "http://schemas.xmlsoap.org/claims/UPN"}}
		}, []string{"relying_parties.office365.claims[0].claim"}},
		{"bad access DN", func(o *config.Office365) { o.Access.PermitGroups = []string{"Finance"} },
			[]string{"relying_parties.office365.access.permit_groups[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid(t)
			tt.mutate(&c.RelyingParties.Office365)
			if got := problemPaths(t, c.Validate()); !slices.Equal(got, tt.want) {
				t.Errorf("problems %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidate_ClaimAttributes(t *testing.T) {
	tests := []struct {
		name  string
		attrs []string
		want  []string
	}{
		{"plain", []string{"givenName", "sn", "department"}, nil},
		{"secret", []string{"givenName", "unicodePwd"}, []string{"directory.claim_attributes[1]"}},
		{"built-in", []string{"mail"}, []string{"directory.claim_attributes[0]"}},
		{"repeated", []string{"sn", "SN"}, []string{"directory.claim_attributes[1]"}},
		{"not a name", []string{"sn)(x"}, []string{"directory.claim_attributes[0]"}},
		{"too many", slices.Repeat([]string{"sn"}, 33), []string{"directory.claim_attributes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid(t)
			c.Directory.ClaimAttributes = tt.attrs
			if got := problemPaths(t, c.Validate()); !slices.Equal(got, tt.want) {
				t.Errorf("problems %v, want %v", got, tt.want)
			}
		})
	}
}

// TestParse_RelyingPartyKeysAreCheckedWithPaths: the strict decode walks
// into list items, so a typo inside a claim rule is named precisely.
// (Line numbers count minimalYAML's 17 lines first.)
func TestParse_RelyingPartyKeysAreCheckedWithPaths(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key in a rule", `relying_parties:
  wsfed:
    - name: Expenses
      identifiers: [urn:x]
      reply_urls: [https://x.example/]
      claims:
        - {attribute: mail, claim: http://x/email, when: always}
`, "relying_parties.wsfed[0].claims[0].when: unknown key (line 24)"},
		{"misspelt party key", `relying_parties:
  saml:
    - name: Wiki
      metdata_file: /etc/fedgate/wiki.xml
`, "relying_parties.saml[0].metdata_file: unknown key (line 21); did you mean metadata_file?"},
		{"bad duration", `relying_parties:
  wsfed:
    - {name: x, identifiers: [urn:x], reply_urls: ["https://x.example/"], token_lifetime: soon}
`, `relying_parties.wsfed[0].token_lifetime: "soon" is not a valid duration (line 20)`},
		{"list expected", `relying_parties:
  wsfed: {name: x}
`, "relying_parties.wsfed: is a mapping, not a list"},
		{"validation after decoding", `directory:
  claim_attributes: [department]
relying_parties:
  wsfed:
    - name: Expenses
      identifiers: [urn:x]
      reply_urls: [https://x.example/]
      claims:
        - {attribute: employeeID, claim: http://x/id}
`, "relying_parties.wsfed[0].claims[0].attribute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := minimalYAML + tt.yaml
			if strings.HasPrefix(tt.yaml, "directory:") {
				doc = strings.Replace(minimalYAML, "directory:\n", "directory:\n  claim_attributes: [department]\n", 1) +
					tt.yaml[strings.Index(tt.yaml, "relying_parties:"):]
			}
			_, err := config.Parse([]byte(doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestExampleConfig_CommentedPartiesAreValid un-comments the example's
// wsfed and saml samples and checks that they parse and validate.
func TestExampleConfig_CommentedPartiesAreValid(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	block := func(start string) string {
		t.Helper()
		for i, l := range lines {
			if l != start {
				continue
			}
			var b strings.Builder
			b.WriteString(strings.Replace(l, "# ", "", 1) + "\n")
			for _, l := range lines[i+1:] {
				if !strings.HasPrefix(l, "  #   ") {
					break
				}
				b.WriteString(strings.Replace(l, "# ", "", 1) + "\n")
			}
			if b.Len() > len(start)+1 {
				return b.String()
			}
		}
		t.Fatalf("example has no sample %q", start)
		return ""
	}
	doc := strings.Replace(minimalYAML, "directory:\n", "directory:\n  claim_attributes: [givenName, sn, department, employeeID]\n", 1) +
		"relying_parties:\n" + block("  # wsfed:") + block("  # saml:")
	cfg, err := config.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("samples do not parse:\n%s\n%v", doc, err)
	}
	if len(cfg.RelyingParties.WSFed) != 1 || len(cfg.RelyingParties.SAML) != 1 ||
		len(cfg.RelyingParties.WSFed[0].Claims) == 0 || cfg.RelyingParties.SAML[0].Access.IsZero() {
		t.Errorf("samples decoded as %+v", cfg.RelyingParties)
	}
}
