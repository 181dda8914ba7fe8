package rp

// Office 365 constants (o365-reference §1, §2).
const (
	// Office365Realm is the wtrealm and audience Entra ID uses.
	Office365Realm = "urn:federation:MicrosoftOnline"
	// Office365ReplyURL is where Entra ID receives WS-Fed tokens.
	Office365ReplyURL = "https://login.microsoftonline.com/login.srf"
)

// Office365 returns the built-in Microsoft Office 365 Identity Platform
// trust with the MFA policy mfa. replyURLs overrides the default reply URL
// (the demo's simulated Microsoft Online uses its own); none keeps
// Office365ReplyURL. Its tokens carry the built-in Office 365 claim set
// (UPN, ImmutableID, insidecorporatenetwork, authnmethodsreferences; see
// package o365); set Claims on the result for extra claims after it and
// Access to restrict who may sign in.
func Office365(mfa MFAPolicy, replyURLs ...string) Party {
	if len(replyURLs) == 0 {
		replyURLs = []string{Office365ReplyURL}
	}
	return Party{
		Name:        "Microsoft Office 365 Identity Platform",
		Protocol:    WSFed,
		Identifiers: []string{Office365Realm, "https://login.microsoftonline.com/extSTS.srf"},
		ReplyURLs:   append([]string(nil), replyURLs...),
		MFA:         mfa,
	}
}
