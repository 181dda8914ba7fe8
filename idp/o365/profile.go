package o365

// Realm is the wtrealm, SAML audience and WS-Trust AppliesTo of Microsoft
// Online (Office 365 / Entra ID) [MS-MWBF §2.2.4.1].
const Realm = "urn:federation:MicrosoftOnline"

// ReplyURL is where the IdP posts the wresult for Microsoft Online.
const ReplyURL = "https://login.microsoftonline.com/login.srf"

// MaxWResultSize is the largest wresult CheckWResult parses, in bytes
// (256 KiB). A real AD FS token is 4–8 KiB; anything larger is refused before
// any XML parsing.
const MaxWResultSize = 256 << 10

// XML namespaces of the token shape in o365-reference §2.
const (
	nsTrust2005   = "http://schemas.xmlsoap.org/ws/2005/02/trust"
	nsTrust13     = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
	nsSAML1       = "urn:oasis:names:tc:SAML:1.0:assertion"
	nsDSig        = "http://www.w3.org/2000/09/xmldsig#"
	nsPolicy      = "http://schemas.xmlsoap.org/ws/2004/09/policy"
	nsAddressing  = "http://www.w3.org/2005/08/addressing"
	bearerMethod  = "urn:oasis:names:tc:SAML:1.0:cm:bearer"
	multipleAuthn = "http://schemas.microsoft.com/claims/multipleauthn"
)

// claimName identifies a SAML 1.1 attribute; its claim URI is
// Namespace + "/" + Name.
type claimName struct{ Namespace, Name string }

var (
	claimUPN         = claimName{"http://schemas.xmlsoap.org/claims", "UPN"}
	claimImmutableID = claimName{"http://schemas.microsoft.com/LiveID/Federation/2008/05", "ImmutableID"}
	claimAuthnMethod = claimName{"http://schemas.microsoft.com/claims", "authnmethodsreferences"}
	claimInsideCorp  = claimName{"http://schemas.microsoft.com/ws/2012/01", "insidecorporatenetwork"}
)

// Signature and digest algorithms Entra accepts on a federation token
// (o365-reference §2: RSA-SHA256 recommended, SHA-1 "still supported").
var (
	allowedSignatureMethods = map[string]bool{
		"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": true,
		"http://www.w3.org/2000/09/xmldsig#rsa-sha1":        true,
	}
	allowedDigestMethods = map[string]bool{
		"http://www.w3.org/2001/04/xmlenc#sha256": true,
		"http://www.w3.org/2000/09/xmldsig#sha1":  true,
	}
)
