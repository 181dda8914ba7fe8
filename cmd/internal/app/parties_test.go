package app

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/rp"
)

const spMetadataDir = "../../../idp/samlp/testdata/spmetadata"

const financeDN = "CN=Finance,OU=Groups,DC=contoso,DC=com"

func TestConfiguredParties(t *testing.T) {
	dir := t.TempDir()
	notXML := filepath.Join(dir, "bad.xml")
	if err := os.WriteFile(notXML, []byte("<html/>"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.xml")
	if err := os.WriteFile(big, []byte(strings.Repeat(" ", 300<<10)), 0o600); err != nil {
		t.Fatal(err)
	}
	expenses := config.WSFedParty{Name: "Expenses", Identifiers: []string{"urn:contoso:expenses"},
		ReplyURLs: []string{"https://expenses.contoso.com/"}, SignatureAlgorithm: "rsa-sha1",
		Claims: []claims.Rule{{Attribute: "department", Claim: "http://schemas.contoso.com/claims/department"}}}
	tests := []struct {
		name    string
		mutate  func(*config.Config)
		wantErr []string
	}{
		{"office 365, wsfed, mellon and node-saml", func(c *config.Config) {
			c.RelyingParties.Office365.Access = claims.Access{PermitGroups: []string{financeDN}}
			c.RelyingParties.WSFed = []config.WSFedParty{expenses}
			c.RelyingParties.SAML = []config.SAMLParty{
				{Name: "Mellon", MetadataFile: filepath.Join(spMetadataDir, "mellon.xml"), MFA: "never"},
				{Name: "Node", MetadataFile: filepath.Join(spMetadataDir, "nodesaml.xml")},
			}
		}, nil},
		{"missing file", func(c *config.Config) {
			c.RelyingParties.SAML = []config.SAMLParty{{Name: "x", MetadataFile: filepath.Join(dir, "none.xml")}}
		}, []string{"relying_parties.saml[0].metadata_file: open"}},
		{"not metadata", func(c *config.Config) {
			c.RelyingParties.SAML = []config.SAMLParty{{Name: "x", MetadataFile: notXML}}
		}, []string{"relying_parties.saml[0].metadata_file"}},
		{"too large", func(c *config.Config) {
			c.RelyingParties.SAML = []config.SAMLParty{{Name: "x", MetadataFile: big}}
		}, []string{"larger than"}},
		{"attribute not read, every problem named", func(c *config.Config) {
			c.Directory.ClaimAttributes = nil
			c.RelyingParties.WSFed = []config.WSFedParty{expenses}
			c.RelyingParties.SAML = []config.SAMLParty{{Name: "x", MetadataFile: notXML}}
		}, []string{"relying_parties.wsfed[0].claims[0].attribute: ", "relying_parties.saml[0].metadata_file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Directory.ClaimAttributes = []string{"department"}
			tt.mutate(&cfg)
			parties, err := ConfiguredParties(cfg)
			if tt.wantErr != nil {
				for _, w := range tt.wantErr {
					if err == nil || !strings.Contains(err.Error(), w) {
						t.Errorf("err = %v, want %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			reg, err := rp.NewRegistry(parties...)
			if err != nil {
				t.Fatal(err)
			}
			office, _ := reg.Lookup(rp.Office365Realm)
			if office == nil || office.Access.IsZero() {
				t.Errorf("office 365 lost its access rules: %+v", office)
			}
			ws, err := reg.Lookup("urn:contoso:expenses")
			if err != nil || ws.Protocol != rp.WSFed || ws.SignatureAlgorithm != "rsa-sha1" || len(ws.Claims) != 1 {
				t.Fatalf("wsfed party %+v, %v", ws, err)
			}
			p, err := reg.Lookup("https://mellon.example.test/mellon/metadata")
			if err != nil || p.Protocol != rp.SAML2 || p.MFA != rp.MFANever || p.SAML == nil {
				t.Fatalf("mellon party %+v, %v", p, err)
			}
			if node, _ := reg.Lookup("https://node-sp.example.test/metadata"); node == nil || node.MFA != rp.MFAAlways {
				t.Error("empty mfa is not always")
			}
		})
	}
}

func TestWSTrustParties_OnlyOffice365(t *testing.T) {
	other := rp.Party{Name: "Expenses", Protocol: rp.WSFed, Identifiers: []string{"urn:contoso:expenses"}, ReplyURLs: []string{"https://e.example/"}}
	all, err := rp.NewRegistry(rp.Office365(rp.MFAAlways), other)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := wstrustParties(all)
	if err != nil {
		t.Fatal(err)
	}
	if office, err := reg.Lookup(rp.Office365Realm); err != nil || office.Name != rp.Office365(rp.MFAAlways).Name {
		t.Fatalf("Office 365 missing: %v, %v", office, err)
	}
	if _, err := reg.Lookup("urn:contoso:expenses"); !errors.Is(err, rp.ErrUnknownParty) {
		t.Errorf("WS-Trust can reach another WS-Fed party: %v", err)
	}
	none, _ := rp.NewRegistry(other)
	if reg, err := wstrustParties(none); err != nil || len(reg.Parties()) != 0 {
		t.Errorf("without Office 365: %v %v", reg, err)
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
