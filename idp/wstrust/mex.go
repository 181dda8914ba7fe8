package wstrust

import (
	"bytes"
	"strings"
)

// Names in the MEX document. The policy IDs, binding and port names are
// AD FS's own (o365-reference §7, [S16]), so tools that look for them by
// name find them.
const (
	mexPolicy2005  = "UserNameWSTrustBinding_IWSTrustFeb2005Async_policy"
	mexPolicy13    = "UserNameWSTrustBinding_IWSTrust13Async_policy"
	mexBinding2005 = "UserNameWSTrustBinding_IWSTrustFeb2005Async"
	mexBinding13   = "UserNameWSTrustBinding_IWSTrust13Async"

	nsWSDL         = "http://schemas.xmlsoap.org/wsdl/"
	nsWSDLSOAP12   = "http://schemas.xmlsoap.org/wsdl/soap12/"
	nsWSAWSDL      = "http://www.w3.org/2006/05/addressing/wsdl"
	nsSP2005       = "http://schemas.xmlsoap.org/ws/2005/07/securitypolicy"
	nsSP13         = "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702"
	nsSTS          = "http://schemas.microsoft.com/ws/2008/06/identity/securitytokenservice"
	soapHTTP       = "http://schemas.xmlsoap.org/soap/http"
	mexContentType = "text/xml; charset=utf-8"
)

// buildMEX returns the WS-MetadataExchange WSDL for the two usernamemixed
// endpoints at origin. It is built so that MSAL's MexParser selects them
// (o365-reference §7):
//
//  1. each wsp:Policy carries wsu:Id — with the literal prefix "wsu",
//     because MexParser reads the attribute by its qualified name — and
//     wsp:ExactlyOne/wsp:All with an sp:TransportBinding and the
//     version's UsernameToken/WssUsernameToken10 supporting token;
//  2. each wsdl:binding references its policy, uses the SOAP-over-HTTP
//     transport and the version's RST/Issue soapAction;
//  3. each wsdl:port has an https wsa10:EndpointReference/wsa10:Address.
//
// windowstransport, certificatemixed and issued-token endpoints are not
// implemented and therefore not listed. The policies advertise what the
// endpoints enforce: HTTPS transport, a Timestamp and a UsernameToken;
// no endorsing tokens and no entropy (only bearer tokens are issued).
func buildMEX(origin string) []byte {
	origin = strings.TrimSuffix(origin, "/")
	var b bytes.Buffer
	b.Grow(8 << 10)
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>`)
	b.WriteString(`<wsdl:definitions name="SecurityTokenService" targetNamespace="` + nsSTS + `"` +
		` xmlns:wsdl="` + nsWSDL + `" xmlns:tns="` + nsSTS + `" xmlns:soap12="` + nsWSDLSOAP12 + `"` +
		` xmlns:wsa10="` + NSAddressing + `" xmlns:wsaw="` + nsWSAWSDL + `" xmlns:wsp="` + NSPolicy + `"` +
		` xmlns:wsu="` + NSUtility + `" xmlns:t="` + NSTrust2005 + `" xmlns:trust="` + NSTrust13 + `">`)

	// Policies: WS-SecurityPolicy 1.1 (2005/07) for Feb 2005, 1.2 (200702) for 1.3.
	writePolicy(&b, mexPolicy2005, nsSP2005, `<sp:HttpsToken RequireClientCertificate="false"/>`,
		"SignedSupportingTokens", nsSP2005+"/IncludeToken/AlwaysToRecipient", "Trust10")
	writePolicy(&b, mexPolicy13, nsSP13, `<sp:HttpsToken/>`,
		"SignedEncryptedSupportingTokens", nsSP13+"/IncludeToken/AlwaysToRecipient", "Trust13")

	// Messages and port types, as in the AD FS WSDL.
	b.WriteString(`<wsdl:message name="IWSTrustFeb2005Async_TrustFeb2005IssueAsync_InputMessage"><wsdl:part name="request" element="t:RequestSecurityToken"/></wsdl:message>`)
	b.WriteString(`<wsdl:message name="IWSTrustFeb2005Async_TrustFeb2005IssueAsync_OutputMessage"><wsdl:part name="TrustFeb2005IssueAsyncResult" element="t:RequestSecurityTokenResponse"/></wsdl:message>`)
	b.WriteString(`<wsdl:message name="IWSTrust13Async_Trust13IssueAsync_InputMessage"><wsdl:part name="request" element="trust:RequestSecurityToken"/></wsdl:message>`)
	b.WriteString(`<wsdl:message name="IWSTrust13Async_Trust13IssueAsync_OutputMessage"><wsdl:part name="Trust13IssueAsyncResult" element="trust:RequestSecurityTokenResponseCollection"/></wsdl:message>`)
	b.WriteString(`<wsdl:portType name="IWSTrustFeb2005Async"><wsdl:operation name="TrustFeb2005IssueAsync">` +
		`<wsdl:input wsaw:Action="` + Trust2005.IssueAction() + `" message="tns:IWSTrustFeb2005Async_TrustFeb2005IssueAsync_InputMessage"/>` +
		`<wsdl:output wsaw:Action="` + Trust2005.ResponseAction() + `" message="tns:IWSTrustFeb2005Async_TrustFeb2005IssueAsync_OutputMessage"/>` +
		`</wsdl:operation></wsdl:portType>`)
	b.WriteString(`<wsdl:portType name="IWSTrust13Async"><wsdl:operation name="Trust13IssueAsync">` +
		`<wsdl:input wsaw:Action="` + Trust13.IssueAction() + `" message="tns:IWSTrust13Async_Trust13IssueAsync_InputMessage"/>` +
		`<wsdl:output wsaw:Action="` + Trust13.ResponseAction() + `" message="tns:IWSTrust13Async_Trust13IssueAsync_OutputMessage"/>` +
		`</wsdl:operation></wsdl:portType>`)

	writeBinding(&b, mexBinding2005, "IWSTrustFeb2005Async", mexPolicy2005, "TrustFeb2005IssueAsync", Trust2005.IssueAction())
	writeBinding(&b, mexBinding13, "IWSTrust13Async", mexPolicy13, "Trust13IssueAsync", Trust13.IssueAction())

	b.WriteString(`<wsdl:service name="SecurityTokenService">`)
	writePort(&b, mexBinding2005, origin+Path2005)
	writePort(&b, mexBinding13, origin+Path13)
	b.WriteString(`</wsdl:service></wsdl:definitions>`)
	return b.Bytes()
}

func writePolicy(b *bytes.Buffer, id, sp, httpsToken, supporting, includeToken, trust string) {
	spDecl := ` xmlns:sp="` + sp + `"`
	b.WriteString(`<wsp:Policy wsu:Id="` + id + `"><wsp:ExactlyOne><wsp:All>`)
	b.WriteString(`<sp:TransportBinding` + spDecl + `><wsp:Policy>` +
		`<sp:TransportToken><wsp:Policy>` + httpsToken + `</wsp:Policy></sp:TransportToken>` +
		`<sp:AlgorithmSuite><wsp:Policy><sp:Basic256/></wsp:Policy></sp:AlgorithmSuite>` +
		`<sp:Layout><wsp:Policy><sp:Strict/></wsp:Policy></sp:Layout>` +
		`<sp:IncludeTimestamp/></wsp:Policy></sp:TransportBinding>`)
	b.WriteString(`<sp:` + supporting + spDecl + `><wsp:Policy>` +
		`<sp:UsernameToken sp:IncludeToken="` + includeToken + `"><wsp:Policy><sp:WssUsernameToken10/></wsp:Policy></sp:UsernameToken>` +
		`</wsp:Policy></sp:` + supporting + `>`)
	b.WriteString(`<sp:Wss11` + spDecl + `><wsp:Policy/></sp:Wss11>`)
	b.WriteString(`<sp:` + trust + spDecl + `><wsp:Policy><sp:MustSupportIssuedTokens/></wsp:Policy></sp:` + trust + `>`)
	b.WriteString(`<wsaw:UsingAddressing/></wsp:All></wsp:ExactlyOne></wsp:Policy>`)
}

func writeBinding(b *bytes.Buffer, name, portType, policy, operation, action string) {
	b.WriteString(`<wsdl:binding name="` + name + `" type="tns:` + portType + `">` +
		`<wsp:PolicyReference URI="#` + policy + `"/>` +
		`<soap12:binding transport="` + soapHTTP + `"/>` +
		`<wsdl:operation name="` + operation + `"><soap12:operation soapAction="` + action + `" style="document"/>` +
		`<wsdl:input><soap12:body use="literal"/></wsdl:input><wsdl:output><soap12:body use="literal"/></wsdl:output>` +
		`</wsdl:operation></wsdl:binding>`)
}

func writePort(b *bytes.Buffer, binding, address string) {
	b.WriteString(`<wsdl:port name="` + binding + `" binding="tns:` + binding + `"><soap12:address location="`)
	escape(b, address)
	b.WriteString(`"/><wsa10:EndpointReference><wsa10:Address>`)
	escape(b, address)
	b.WriteString(`</wsa10:Address></wsa10:EndpointReference></wsdl:port>`)
}
