package o365

import (
	"encoding/base64"
	"strings"
)

// FederationPowerShell returns the Microsoft Graph PowerShell that federates
// f.Domain to this server (o365-reference §5): Connect-MgGraph followed by
// New-MgDomainFederationConfiguration. SigningCertificates[0] becomes
// -SigningCertificate and SigningCertificates[1], if any, becomes
// -NextSigningCertificate (base64 DER, as Graph expects); further
// certificates are not representable in Graph and are omitted. Empty
// activeURI, mexURI or signOutURI omit that parameter.
//
// Every value is a single-quoted PowerShell literal, so nothing in the
// configuration is expanded or executed. The fixed choices are
// -PreferredAuthenticationProtocol wsFed, -FederatedIdpMfaBehavior
// enforceMfaByFederatedIdp (Entra asks fedgate for MFA rather than
// accepting a token without it; recommended by Microsoft) and
// -PromptLoginBehavior translateToFreshPasswordAuthentication (prompt=login
// arrives as the standard WS-Federation wfresh=0, which forces fedgate to
// ask for the password again).
func FederationPowerShell(f Federation, activeURI, mexURI, signOutURI string) string {
	var b strings.Builder
	b.WriteString("# Run as a Domain Name, External Identity Provider, Hybrid Identity or Security Administrator.\n")
	b.WriteString("Connect-MgGraph -Scopes 'Domain-InternalFederation.ReadWrite.All'\n")
	b.WriteString("New-MgDomainFederationConfiguration")
	param := func(name, value string) {
		if value == "" {
			return
		}
		b.WriteString(" `\n  -" + name + " " + psQuote(value))
	}
	param("DomainId", f.Domain)
	param("DisplayName", f.Domain)
	param("IssuerUri", f.IssuerURI)
	param("PassiveSignInUri", f.PassiveSignInURI)
	param("ActiveSignInUri", activeURI)
	param("SignOutUri", signOutURI)
	param("MetadataExchangeUri", mexURI)
	if len(f.SigningCertificates) > 0 {
		param("SigningCertificate", base64.StdEncoding.EncodeToString(f.SigningCertificates[0].Raw))
	}
	if len(f.SigningCertificates) > 1 {
		param("NextSigningCertificate", base64.StdEncoding.EncodeToString(f.SigningCertificates[1].Raw))
	}
	b.WriteString(" `\n  -PreferredAuthenticationProtocol wsFed")
	b.WriteString(" `\n  -FederatedIdpMfaBehavior enforceMfaByFederatedIdp")
	b.WriteString(" `\n  -PromptLoginBehavior translateToFreshPasswordAuthentication\n")
	return b.String()
}

// psQuote makes a PowerShell single-quoted literal. Inside one, PowerShell
// treats ' and the typographic quotes ‘ ’ ‚ ‛ alike, and a doubled quote is a
// literal quote; nothing else is special.
func psQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}
