package samlp

import "github.com/fedgate/fedgate/idp/token"

// Entra ID (Office 365) SAML 2.0 federation constants (o365-reference §3).
const (
	EntraEntityID = "urn:federation:MicrosoftOnline"
	EntraACS      = "https://login.microsoftonline.com/login.srf"
)

// EntraServiceProvider is the built-in Microsoft Entra ID SP: ACS
// login.srf, persistent NameID only (StrictNameIDFormat), audience
// urn:federation:MicrosoftOnline, Response and assertion both signed with
// RSA-SHA256. Entra signs requests only when
// isSignedAuthenticationRequestRequired is set; then add its certificate
// to SigningCerts and set RequireSignedRequests.
//
// Its SingleLogoutService is HTTP-Redirect to login.srf, as Entra's SAML
// metadata (nexus.microsoftonline-p.com) lists it; Entra documents
// "REDIRECT for the sign out message" but how it handles our
// LogoutResponse live is unconfirmed (o365-reference §3).
func EntraServiceProvider() *ServiceProvider {
	return &ServiceProvider{
		EntityID:           EntraEntityID,
		ACS:                []Endpoint{{Binding: BindingHTTPPost, Location: EntraACS, IsDefault: true}},
		SLO:                []Endpoint{{Binding: BindingHTTPRedirect, Location: EntraACS}},
		NameIDFormat:       NameIDFormatPersistent,
		StrictNameIDFormat: true,
		Audience:           EntraEntityID,
		SignResponse:       true,
		SignatureAlgorithm: token.RSASHA256,
	}
}

// EntraProfile fills base (from AuthnRequest.Input) with the Entra claims:
// NameID persistent = immutableID (o365.ImmutableID), IDPEmail = upn and
// AuthnContextClassRef PasswordProtectedTransport.
func EntraProfile(base ResponseInput, immutableID, upn string) ResponseInput {
	base.NameID = immutableID
	base.NameIDFormat = NameIDFormatPersistent
	base.Attributes = []Attribute{{Name: "IDPEmail", Values: []string{upn}}}
	base.AuthnContextClassRef = PasswordProtectedTransport
	return base
}
