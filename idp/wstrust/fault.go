package wstrust

import (
	"bytes"
	"encoding/xml"
)

// FaultCode is the SOAP 1.2 fault code (SOAP 1.2 Part 1 §5.4.6).
type FaultCode string

// The SOAP 1.2 fault codes used here.
const (
	// Sender: the request was wrong (malformed, expired, bad credentials).
	Sender FaultCode = "Sender"
	// Receiver: fedgate could not answer (directory or database outage).
	// The client may retry the same credentials later.
	Receiver FaultCode = "Receiver"
	// VersionMismatch: the envelope is not SOAP 1.2 (§5.4.7).
	VersionMismatch FaultCode = "VersionMismatch"
	// MustUnderstand: a header marked mustUnderstand is not understood.
	MustUnderstand FaultCode = "MustUnderstand"
)

// Subcode is a fault subcode QName. MSAL reads exactly one
// s:Subcode/s:Value and splits its text on ':', so a subcode is always
// written with a prefix.
type Subcode struct{ Space, Local string }

// Fault subcodes. The WS-Trust ones (FailedAuthentication, InvalidRequest,
// RequestFailed) are written in the endpoint's WS-Trust namespace
// (WS-Trust 1.3 §11, WS-Trust 2005/02 §10); the WS-Security ones in the
// secext namespace (WSS SOAP Message Security 1.1 §12).
const (
	// SubFailedAuthentication: credentials were refused, the account is
	// locked out, or the legacy-client policy denied the sign-in. One
	// generic text is used for all of them so a caller learns nothing
	// about which.
	SubFailedAuthentication = "FailedAuthentication"
	// SubInvalidRequest: the envelope or the RST is malformed or asks for
	// something not offered (unknown AppliesTo, proof keys, SAML 2.0).
	SubInvalidRequest = "InvalidRequest"
	// SubRequestFailed: Receiver-side failure (directory, store, signing).
	SubRequestFailed = "RequestFailed"
	// SubInvalidSecurity: the Security header is missing, repeated or
	// incomplete, or the message ID was seen before (a replay).
	SubInvalidSecurity = "InvalidSecurity"
	// SubMessageExpired: the Timestamp is expired, not yet valid, or its
	// lifetime is longer than allowed.
	SubMessageExpired = "MessageExpired"
	// SubUnsupportedSecurityToken: a PasswordDigest or other token type
	// that usernamemixed does not accept.
	SubUnsupportedSecurityToken = "UnsupportedSecurityToken"
)

// Public texts. Credential failures always use textAccessDenied, the text
// AD FS sends (o365-reference §7).
const (
	textAccessDenied = "MSIS7068: Access denied."
	textUnavailable  = "The service could not complete the request. Try again later."
)

// Fault is a SOAP 1.2 fault: what every refused request gets, never HTML
// and never a stack trace. Text is sent to the client; Err is logged with
// the activity ID and never sent. Neither Text nor Err contains the
// password; Text never echoes a request value.
type Fault struct {
	Code    FaultCode
	Subcode Subcode // zero: no subcode (VersionMismatch, MustUnderstand)
	Text    string
	Err     error
}

// Error describes the fault for logs.
func (f *Fault) Error() string {
	s := "wstrust: fault " + string(f.Code)
	if f.Subcode.Local != "" {
		s += "/" + f.Subcode.Local
	}
	s += ": " + f.Text
	if f.Err != nil {
		s += ": " + f.Err.Error()
	}
	return s
}

// Unwrap returns the internal cause.
func (f *Fault) Unwrap() error { return f.Err }

func trustFault(v Version, code FaultCode, sub, text string, err error) *Fault {
	return &Fault{Code: code, Subcode: Subcode{Space: v.Namespace(), Local: sub}, Text: text, Err: err}
}

func securityFault(sub, text string, err error) *Fault {
	return &Fault{Code: Sender, Subcode: Subcode{Space: NSSecExt, Local: sub}, Text: text, Err: err}
}

// invalidRequest is a Sender/InvalidRequest fault whose text says what is
// wrong; it must not contain request values.
func invalidRequest(v Version, text string, err error) *Fault {
	return trustFault(v, Sender, SubInvalidRequest, text, err)
}

// accessDenied is the one fault for every credential or policy failure.
func accessDenied(v Version, err error) *Fault {
	return trustFault(v, Sender, SubFailedAuthentication, textAccessDenied, err)
}

// unavailable is the Receiver fault for outages.
func unavailable(v Version, err error) *Fault {
	return trustFault(v, Receiver, SubRequestFailed, textUnavailable, err)
}

// subcodePrefix picks the prefix the subcode QName is written with: "a"
// for WS-Trust (as in AD FS traces), "o" for WS-Security.
func subcodePrefix(ns string) string {
	if ns == NSSecExt {
		return "o"
	}
	return "a"
}

// marshal writes the fault envelope. relatesTo is the request's message
// ID, or "" when it is not known.
func (f *Fault) marshal(relatesTo string) []byte {
	var b bytes.Buffer
	b.Grow(1024)
	b.WriteString(`<s:Envelope xmlns:s="` + NSSOAP12 + `" xmlns:a="` + NSAddressing + `"><s:Header>`)
	b.WriteString(`<a:Action s:mustUnderstand="1">` + actionFault + `</a:Action>`)
	if relatesTo != "" {
		b.WriteString(`<a:RelatesTo>`)
		escape(&b, relatesTo)
		b.WriteString(`</a:RelatesTo>`)
	}
	if f.Code == VersionMismatch {
		// SOAP 1.2 Part 1 §5.4.7: name the envelope version that is supported.
		b.WriteString(`<s:Upgrade><s:SupportedEnvelope qname="s12:Envelope" xmlns:s12="` + NSSOAP12 + `"/></s:Upgrade>`)
	}
	b.WriteString(`</s:Header><s:Body><s:Fault><s:Code><s:Value>s:`)
	b.WriteString(string(f.Code))
	b.WriteString(`</s:Value>`)
	if f.Subcode.Local != "" {
		p := subcodePrefix(f.Subcode.Space)
		b.WriteString(`<s:Subcode><s:Value xmlns:` + p + `="`)
		escape(&b, f.Subcode.Space)
		b.WriteString(`">` + p + `:`)
		escape(&b, f.Subcode.Local)
		b.WriteString(`</s:Value></s:Subcode>`)
	}
	b.WriteString(`</s:Code><s:Reason><s:Text xml:lang="en-US">`)
	escape(&b, f.Text)
	b.WriteString(`</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`)
	return b.Bytes()
}

// escape writes s as XML character data (also safe in attribute values:
// xml.EscapeText escapes quotes, tabs and line breaks).
func escape(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // writes to a bytes.Buffer cannot fail
}
