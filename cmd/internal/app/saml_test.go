package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/idp/rp"
)

const spMetadataDir = "../../../idp/samlp/testdata/spmetadata"

func TestSAMLParties(t *testing.T) {
	dir := t.TempDir()
	notXML := filepath.Join(dir, "bad.xml")
	if err := os.WriteFile(notXML, []byte("<html/>"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.xml")
	if err := os.WriteFile(big, []byte(strings.Repeat(" ", 300<<10)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		list    []config.SAMLParty
		wantErr string
	}{
		{"mellon and node-saml", []config.SAMLParty{
			{Name: "Mellon", MetadataFile: filepath.Join(spMetadataDir, "mellon.xml"), MFA: "never"},
			{Name: "Node", MetadataFile: filepath.Join(spMetadataDir, "nodesaml.xml")},
		}, ""},
		{"missing file", []config.SAMLParty{{Name: "x", MetadataFile: filepath.Join(dir, "none.xml")}}, "relying_parties.saml[0].metadata_file"},
		{"not metadata", []config.SAMLParty{{Name: "x", MetadataFile: notXML}}, "relying_parties.saml[0].metadata_file"},
		{"too large", []config.SAMLParty{{Name: "x", MetadataFile: big}}, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parties, err := samlParties(tt.list)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
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
			p, err := reg.Lookup("https://mellon.example.test/mellon/metadata")
			if err != nil || p.Protocol != rp.SAML2 || p.MFA != rp.MFANever || p.SAML == nil {
				t.Fatalf("mellon party %+v, %v", p, err)
			}
			if reg.Parties()[1].MFA != rp.MFAAlways {
				t.Error("empty mfa is not always")
			}
		})
	}
}
