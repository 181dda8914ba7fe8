package wstrust

import "github.com/fedgate/fedgate/idp/wsfed"

// Namespaces of the SOAP envelope and its headers (o365-reference §7).
const (
	// NSSOAP12 is the SOAP 1.2 envelope namespace; the only SOAP version
	// served (SOAP 1.1 envelopes get a VersionMismatch fault).
	NSSOAP12 = "http://www.w3.org/2003/05/soap-envelope"
	// NSSOAP11 is recognised only to answer it with VersionMismatch.
	NSSOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
	// NSAddressing is WS-Addressing 1.0, as MSAL and WCF send it.
	NSAddressing = wsfed.NSAddressing
	// NSAddressing2004 is the WS-Addressing August 2004 submission, still
	// sent by some older clients; accepted in requests, never emitted.
	NSAddressing2004 = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	// NSSecExt is the WS-Security 1.0 secext namespace (Security,
	// UsernameToken) and the namespace of its fault codes.
	NSSecExt = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	// NSUtility is the WS-Security utility namespace (Timestamp, Id).
	NSUtility = wsfed.NSUtility
	// NSPolicy is WS-Policy 1.2 (2004/09), used for AppliesTo and the MEX.
	NSPolicy = wsfed.NSPolicy
	// NSPolicy15 is W3C WS-Policy 1.5; AppliesTo is accepted in it too.
	NSPolicy15 = "http://www.w3.org/ns/ws-policy"
	// NSTrust2005 is WS-Trust February 2005 (/adfs/services/trust/2005/).
	NSTrust2005 = wsfed.NSTrust2005
	// NSTrust13 is WS-Trust 1.3 (/adfs/services/trust/13/).
	NSTrust13 = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"

	// PasswordText is the only UsernameToken Password Type accepted; a
	// Password without Type means the same (WSS UsernameToken Profile §3.1).
	PasswordText = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
	// TokenTypeSAML11 is the only token type issued (SAML 1.1 assertion).
	TokenTypeSAML11 = wsfed.TokenTypeSAML11
	// tokenTypeSAML11Profile is the WSS SAML Token Profile 1.1 spelling of
	// the same token type; accepted in requests.
	tokenTypeSAML11Profile = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1"
	// KeyTypeNoProofKey is the 2005 bearer key type (MSAL, IDCRL).
	KeyTypeNoProofKey = wsfed.KeyTypeNoProof
	// actionFault is the WS-Addressing action of a SOAP fault.
	actionFault = NSAddressing + "/soap/fault"
)

// Version is the WS-Trust version an endpoint speaks. It decides the
// namespace of RequestSecurityToken, the expected Action, the bearer key
// type and the response shape.
type Version int

// The two versions AD FS serves at usernamemixed.
const (
	// Trust2005 is WS-Trust February 2005 at /adfs/services/trust/2005/
	// (the ActiveLogOnUri Entra and Exchange Online use). The response body
	// is a bare t:RequestSecurityTokenResponse.
	Trust2005 Version = iota + 1
	// Trust13 is WS-Trust 1.3 at /adfs/services/trust/13/ (MSAL prefers
	// it). The response body is a RequestSecurityTokenResponseCollection
	// holding one RequestSecurityTokenResponse.
	Trust13
)

// Namespace is the WS-Trust namespace of v.
func (v Version) Namespace() string {
	if v == Trust13 {
		return NSTrust13
	}
	return NSTrust2005
}

// IssueAction is the WS-Addressing Action (and SOAPAction) of an issue
// request: {NS}/RST/Issue.
func (v Version) IssueAction() string { return v.Namespace() + "/RST/Issue" }

// ResponseAction is the Action of the response: RSTR/Issue for 2005,
// RSTRC/IssueFinal for 1.3 (as in the AD FS WSDL).
func (v Version) ResponseAction() string {
	if v == Trust13 {
		return NSTrust13 + "/RSTRC/IssueFinal"
	}
	return NSTrust2005 + "/RSTR/Issue"
}

// RequestTypeIssue is the RequestType of an issue request: {NS}/Issue.
func (v Version) RequestTypeIssue() string { return v.Namespace() + "/Issue" }

// BearerKeyType is the KeyType that asks for a bearer token: NoProofKey
// (2005) or {NS}/Bearer (1.3).
func (v Version) BearerKeyType() string {
	if v == Trust13 {
		return NSTrust13 + "/Bearer"
	}
	return KeyTypeNoProofKey
}

// Path is the usernamemixed endpoint path of v.
func (v Version) Path() string {
	if v == Trust13 {
		return Path13
	}
	return Path2005
}

// String returns "2005" or "1.3" for logs.
func (v Version) String() string {
	switch v {
	case Trust2005:
		return "2005"
	case Trust13:
		return "1.3"
	}
	return "unknown"
}

func (v Version) valid() bool { return v == Trust2005 || v == Trust13 }

// Endpoint paths, as AD FS serves them (o365-reference §1).
const (
	Path2005 = "/adfs/services/trust/2005/usernamemixed"
	Path13   = "/adfs/services/trust/13/usernamemixed"
	PathMEX  = "/adfs/services/trust/mex"
)
