package o365

import (
	"strconv"
	"time"

	"github.com/fedgate/fedgate/idp/token"
)

// PasswordAuthMethod is the authnmethodsreferences value AD FS emits for a
// forms (password) sign-in.
const PasswordAuthMethod = "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password"

// SignIn is what the Office 365 claim set is made from.
type SignIn struct {
	ImmutableID  string    // NameID and the ImmutableID claim (Entra's source anchor)
	UPN          string    // the UPN claim; must equal the Entra userPrincipalName
	AuthnInstant time.Time // when the password step happened
	MFA          bool      // the TOTP step was done: adds multipleauthn
	// InsideCorporateNetwork is true when the request did not come through
	// a proxy (AD FS semantics); Entra uses it for MFA trusted IPs.
	InsideCorporateNetwork bool
}

// Claims is the Microsoft Office 365 Identity Platform claim set
// (o365-reference §2): NameID = ImmutableID (unspecified format), UPN,
// ImmutableID, insidecorporatenetwork (xs:boolean, issued by the client
// context) and authnmethodsreferences — password, plus multipleauthn after
// MFA, which Entra needs to accept MFA done by the federated IdP.
func Claims(s SignIn) token.Claims {
	methods := []string{PasswordAuthMethod}
	if s.MFA {
		methods = append(methods, token.MultipleAuthn)
	}
	return token.Claims{
		NameID:       s.ImmutableID,
		NameIDFormat: token.NameIDUnspecified,
		AuthnMethod:  token.AuthnPasswordProtectedTransport,
		AuthnInstant: s.AuthnInstant,
		Attributes: []token.Attribute{
			{Namespace: token.NSClaims, Name: "UPN", Values: []string{s.UPN}},
			{Namespace: token.NSLiveID, Name: "ImmutableID", Values: []string{s.ImmutableID}},
			{Namespace: token.NSWS2012, Name: "insidecorporatenetwork", Values: []string{strconv.FormatBool(s.InsideCorporateNetwork)},
				Type: "xs:boolean", OriginalIssuer: "CLIENT CONTEXT"},
			{Namespace: token.NSMSClaims, Name: "authnmethodsreferences", Values: methods},
		},
	}
}
