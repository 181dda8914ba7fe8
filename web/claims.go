package web

import (
	"strconv"
	"time"

	"github.com/fedgate/fedgate/idp/token"
)

// passwordAuthMethod is the authnmethodsreferences value for a forms
// password sign-in, as AD FS emits it.
const passwordAuthMethod = "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password"

// officeClaims is the Office 365 claim set (o365-reference §2): NameID and
// ImmutableID = the user's ImmutableID, UPN, authnmethodsreferences
// (multipleauthn after the TOTP step, which Entra needs to accept IdP MFA),
// and insidecorporatenetwork.
func officeClaims(u sessionUser, authnAt time.Time, mfaDone, inside bool) token.Claims {
	methods := []string{passwordAuthMethod}
	if mfaDone {
		methods = append(methods, token.MultipleAuthn)
	}
	return token.Claims{
		NameID:       u.ID,
		NameIDFormat: token.NameIDUnspecified,
		AuthnMethod:  token.AuthnPasswordProtectedTransport,
		AuthnInstant: authnAt,
		Attributes: []token.Attribute{
			{Namespace: token.NSClaims, Name: "UPN", Values: []string{u.UPN}},
			{Namespace: token.NSLiveID, Name: "ImmutableID", Values: []string{u.ID}},
			{Namespace: token.NSWS2012, Name: "insidecorporatenetwork", Values: []string{strconv.FormatBool(inside)},
				Type: "xs:boolean", OriginalIssuer: "CLIENT CONTEXT"},
			{Namespace: token.NSMSClaims, Name: "authnmethodsreferences", Values: methods},
		},
	}
}
