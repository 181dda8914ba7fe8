package config_test

import (
	"slices"
	"testing"

	"github.com/fedgate/fedgate/cmd/internal/config"
)

func TestValidate_SAMLParties(t *testing.T) {
	good := config.SAMLParty{Name: "Wiki", MetadataFile: "/etc/fedgate/sp/wiki.xml"}
	tests := []struct {
		name string
		list []config.SAMLParty
		want []string // problem paths; nil = valid
	}{
		{"empty mfa means always", []config.SAMLParty{good}, nil},
		{"every policy", []config.SAMLParty{
			{Name: "a", MetadataFile: "a.xml", MFA: "always"},
			{Name: "b", MetadataFile: "b.xml", MFA: "extranet_only"},
			{Name: "c", MetadataFile: "c.xml", MFA: "never"},
		}, nil},
		{"missing name and file", []config.SAMLParty{{}}, []string{"relying_parties.saml[0].name", "relying_parties.saml[0].metadata_file"}},
		{"bad mfa", []config.SAMLParty{good, {Name: "x", MetadataFile: "x.xml", MFA: "sometimes"}}, []string{"relying_parties.saml[1].mfa"}},
		{"duplicate name", []config.SAMLParty{good, good}, []string{"relying_parties.saml[1].name"}},
		{"control characters", []config.SAMLParty{{Name: "a\nb", MetadataFile: "a.xml"}}, []string{"relying_parties.saml[0].name"}},
		{"too many", slices.Repeat([]config.SAMLParty{good}, config.MaxSAMLParties+1), []string{"relying_parties.saml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid(t)
			c.RelyingParties.SAML = tt.list
			got := problemPaths(t, c.Validate())
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems %v, want %v", got, tt.want)
			}
		})
	}
}
