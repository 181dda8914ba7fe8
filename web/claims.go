package web

import (
	"time"

	"github.com/fedgate/fedgate/idp/o365"
	"github.com/fedgate/fedgate/idp/token"
)

// officeClaims is the Office 365 claim set for a signed-in user.
func officeClaims(u sessionUser, authnAt time.Time, mfaDone, inside bool) token.Claims {
	return o365.Claims(o365.SignIn{ImmutableID: u.ID, UPN: u.UPN, AuthnInstant: authnAt, MFA: mfaDone, InsideCorporateNetwork: inside})
}
