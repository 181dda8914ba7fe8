package o365_test

import (
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/o365"
	"github.com/fedgate/fedgate/idp/o365/internal/o365test"
)

func TestFederationPowerShell_PrintsGraphCommand(t *testing.T) {
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cur := o365test.NewKey(t, 0, "current", from, from.AddDate(1, 0, 0)).Cert
	next := o365test.NewKey(t, 1, "next", from, from.AddDate(2, 0, 0)).Cert
	b64 := func(c *x509.Certificate) string { return base64.StdEncoding.EncodeToString(c.Raw) }
	fed := o365.Federation{
		Domain:              "contoso.com",
		IssuerURI:           "http://sts.contoso.com/adfs/services/trust",
		PassiveSignInURI:    "https://sts.contoso.com/adfs/ls/",
		SigningCertificates: []*x509.Certificate{cur, next},
	}
	tests := []struct {
		name                 string
		fed                  o365.Federation
		active, mex, signOut string
		want                 string
	}{
		{
			name:    "all endpoints and a rollover certificate",
			fed:     fed,
			active:  "https://sts.contoso.com/adfs/services/trust/2005/usernamemixed",
			mex:     "https://sts.contoso.com/adfs/services/trust/mex",
			signOut: "https://sts.contoso.com/adfs/ls/",
			want: "# Run as a Domain Name, External Identity Provider, Hybrid Identity or Security Administrator.\n" +
				"Connect-MgGraph -Scopes 'Domain-InternalFederation.ReadWrite.All'\n" +
				"New-MgDomainFederationConfiguration `\n" +
				"  -DomainId 'contoso.com' `\n" +
				"  -DisplayName 'contoso.com' `\n" +
				"  -IssuerUri 'http://sts.contoso.com/adfs/services/trust' `\n" +
				"  -PassiveSignInUri 'https://sts.contoso.com/adfs/ls/' `\n" +
				"  -ActiveSignInUri 'https://sts.contoso.com/adfs/services/trust/2005/usernamemixed' `\n" +
				"  -SignOutUri 'https://sts.contoso.com/adfs/ls/' `\n" +
				"  -MetadataExchangeUri 'https://sts.contoso.com/adfs/services/trust/mex' `\n" +
				"  -SigningCertificate '" + b64(cur) + "' `\n" +
				"  -NextSigningCertificate '" + b64(next) + "' `\n" +
				"  -PreferredAuthenticationProtocol wsFed `\n" +
				"  -FederatedIdpMfaBehavior enforceMfaByFederatedIdp `\n" +
				"  -PromptLoginBehavior translateToFreshPasswordAuthentication\n",
		},
		{
			name: "optional endpoints and next certificate omitted",
			fed:  o365.Federation{Domain: "contoso.com", IssuerURI: "http://i/", PassiveSignInURI: "https://p/", SigningCertificates: []*x509.Certificate{cur}},
			want: "# Run as a Domain Name, External Identity Provider, Hybrid Identity or Security Administrator.\n" +
				"Connect-MgGraph -Scopes 'Domain-InternalFederation.ReadWrite.All'\n" +
				"New-MgDomainFederationConfiguration `\n" +
				"  -DomainId 'contoso.com' `\n" +
				"  -DisplayName 'contoso.com' `\n" +
				"  -IssuerUri 'http://i/' `\n" +
				"  -PassiveSignInUri 'https://p/' `\n" +
				"  -SigningCertificate '" + b64(cur) + "' `\n" +
				"  -PreferredAuthenticationProtocol wsFed `\n" +
				"  -FederatedIdpMfaBehavior enforceMfaByFederatedIdp `\n" +
				"  -PromptLoginBehavior translateToFreshPasswordAuthentication\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := o365.FederationPowerShell(tt.fed, tt.active, tt.mex, tt.signOut)
			if got != tt.want {
				t.Errorf("FederationPowerShell() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestFederationPowerShell_QuotesHostileValues(t *testing.T) {
	tests := []struct {
		name, issuer, want string
	}{
		{"single quote is doubled", "http://x/'; Remove-Item C:\\ -Recurse; '", "-IssuerUri 'http://x/''; Remove-Item C:\\ -Recurse; '''"},
		{"typographic quotes are doubled", "a\u2019b\u2018c", "-IssuerUri 'a\u2019\u2019b\u2018\u2018c'"},
		{"dollar and backtick stay literal", "$(Get-Secret)`n", "-IssuerUri '$(Get-Secret)`n'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := o365.FederationPowerShell(o365.Federation{Domain: "contoso.com", IssuerURI: tt.issuer}, "", "", "")
			if !strings.Contains(got, tt.want+" `\n") {
				t.Errorf("output does not contain %q:\n%s", tt.want, got)
			}
		})
	}
}
