package wstrust

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	xrv "github.com/mattermost/xml-roundtrip-validator"
)

// Field limits of a parsed request. The handler applies the tighter
// credential limits of the passive path on top (MaxCredentialBytes).
const (
	// MaxEnvelopeBytes is the largest envelope ParseEnvelope accepts,
	// whatever the handler's body limit.
	MaxEnvelopeBytes = 1 << 20
	// maxMessageIDBytes bounds the WS-Addressing MessageID.
	maxMessageIDBytes = 256
	// maxURIBytes bounds AppliesTo, To, Action and the type URIs.
	maxURIBytes = 1024
	// maxTokenTextBytes bounds Username and Password as parsed.
	maxTokenTextBytes = 4096
	// maxInstantBytes bounds Created and Expires.
	maxInstantBytes = 64
)

// Request is a parsed usernamemixed issue request. Every field comes from
// the client and is untrusted until the handler has checked the timestamp,
// the message ID and the credentials.
type Request struct {
	// Version is the WS-Trust version of the endpoint it was parsed for.
	Version Version
	// MessageID is the WS-Addressing MessageID (a:MessageID, or
	// a:messageID as MSAL spells it): 1–256 printable ASCII bytes.
	MessageID string
	// To is the WS-Addressing To header, "" when absent.
	To string
	// Username is the UsernameToken Username with surrounding whitespace
	// removed.
	Username string
	// Password is the UsernameToken Password exactly as sent.
	Password Secret
	// Created and Expires are the WS-Security Timestamp, in UTC. They are
	// parsed, not yet checked; see the handler's window.
	Created, Expires time.Time
	// AppliesTo is the requested audience (wsp:AppliesTo address).
	AppliesTo string
}

// LogValue logs the request without the user name or the password.
func (r *Request) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("version", r.Version.String()),
		slog.String("message_id", r.MessageID),
		slog.String("applies_to", r.AppliesTo),
	)
}

// ParseEnvelope parses a SOAP 1.2 usernamemixed request for the endpoint
// of version v. Every error is a *Fault ready to send:
//
//   - XML that is empty, over MaxEnvelopeBytes, not well formed, carries a
//     DTD or processing instruction, nests deeper than MaxDepth, has more
//     than MaxElements elements or fails the round-trip validator:
//     Sender/InvalidRequest;
//   - a SOAP 1.1 or non-SOAP root: VersionMismatch;
//   - an unknown header block with mustUnderstand="1": MustUnderstand;
//   - Action, MessageID, To, the RST, RequestType, AppliesTo, TokenType or
//     KeyType wrong or missing: Sender/InvalidRequest;
//   - no Security header, more than one, or one without exactly one
//     Timestamp (Created and Expires) and one UsernameToken:
//     Sender/wsse:InvalidSecurity;
//   - a Password Type other than PasswordText:
//     Sender/wsse:UnsupportedSecurityToken.
//
// It does not check the timestamp window, the message ID's uniqueness or
// the credentials; the handler does, in that order.
func ParseEnvelope(body []byte, v Version) (*Request, error) {
	if !v.valid() {
		return nil, unavailable(Trust2005, fmt.Errorf("wstrust: parse: unknown version %d", v))
	}
	if len(body) == 0 {
		return nil, invalidRequest(v, "The request body is empty; send a SOAP 1.2 envelope.", nil)
	}
	if len(body) > MaxEnvelopeBytes {
		return nil, invalidRequest(v, "The request is too large.", fmt.Errorf("wstrust: envelope is %d bytes", len(body)))
	}
	root, err := buildTree(body)
	if err != nil {
		return nil, invalidRequest(v, xmlProblem(err), fmt.Errorf("wstrust: parse: %w", err))
	}
	// The round-trip check runs before any value is used, as for every XML
	// input (conventions G13): it catches namespace and attribute tricks
	// that encoding/xml would read differently from a later reader.
	if err := xrv.Validate(bytes.NewReader(body)); err != nil {
		return nil, invalidRequest(v, "The request does not survive an XML round trip.", fmt.Errorf("wstrust: round trip: %w", err))
	}
	p := parser{v: v}
	return p.envelope(root)
}

// xmlProblem turns a buildTree error into public text.
func xmlProblem(err error) string {
	var xe *xmlError
	if errors.As(err, &xe) {
		return "The request is not acceptable: " + xe.public + "."
	}
	return "The request is not well-formed XML."
}

type parser struct{ v Version }

func (p parser) invalid(text string) *Fault { return invalidRequest(p.v, text, nil) }

func (p parser) envelope(root *node) (*Request, error) {
	if !root.is(NSSOAP12, "Envelope") {
		if root.name.Local == "Envelope" {
			return nil, &Fault{Code: VersionMismatch, Text: "Only SOAP 1.2 envelopes (" + NSSOAP12 + ") are accepted."}
		}
		return nil, &Fault{Code: VersionMismatch, Text: "The request is not a SOAP 1.2 envelope."}
	}
	var header, body *node
	for i, c := range root.children {
		switch {
		case c.is(NSSOAP12, "Header") && header == nil && i == 0:
			header = c
		case c.is(NSSOAP12, "Body") && body == nil:
			body = c
		default:
			return nil, p.invalid("The envelope must hold one Header followed by one Body.")
		}
	}
	if header == nil {
		return nil, securityFault(SubInvalidSecurity, "The envelope has no Header; it needs the WS-Addressing and WS-Security headers.", nil)
	}
	if body == nil {
		return nil, p.invalid("The envelope has no Body.")
	}
	req := &Request{Version: p.v}
	if err := p.headers(header, req); err != nil {
		return nil, err
	}
	if err := p.rst(body, req); err != nil {
		return nil, err
	}
	return req, nil
}

// headers reads the header blocks: Action, MessageID, To and Security are
// understood; ReplyTo is accepted (the reply always travels on the HTTP
// response); any other block is ignored unless it demands to be
// understood (SOAP 1.2 Part 1 §5.2.3).
func (p parser) headers(h *node, req *Request) error {
	var actions, ids, tos, securities []*node
	for _, c := range h.children {
		switch {
		case isAddressing(c, "Action"):
			actions = append(actions, c)
		case isAddressing(c, "MessageID"), isAddressing(c, "messageID"):
			ids = append(ids, c)
		case isAddressing(c, "To"):
			tos = append(tos, c)
		case isAddressing(c, "ReplyTo"):
		case c.is(NSSecExt, "Security"):
			securities = append(securities, c)
		default:
			if mu, _ := c.attr(NSSOAP12, "mustUnderstand"); mu == "1" || mu == "true" {
				return &Fault{Code: MustUnderstand, Text: "A header block marked mustUnderstand is not understood by this service."}
			}
		}
	}

	// WS-Addressing 1.0 SOAP Binding §2.4 and the AD FS WSDL: the Action
	// selects the operation, and it must be this endpoint's issue action.
	switch {
	case len(actions) == 0:
		return p.invalid("The WS-Addressing Action header is missing; send " + p.v.IssueAction() + ".")
	case len(actions) > 1:
		return p.invalid("The WS-Addressing Action header appears more than once.")
	case actions[0].trimmedText() != p.v.IssueAction():
		return p.invalid("The Action header must be " + p.v.IssueAction() + " on this endpoint.")
	}

	switch {
	case len(ids) == 0:
		return p.invalid("The WS-Addressing MessageID header is missing.")
	case len(ids) > 1:
		return p.invalid("The WS-Addressing MessageID header appears more than once.")
	}
	id := ids[0].trimmedText()
	if !validMessageID(id) {
		return p.invalid(fmt.Sprintf("The MessageID must be 1 to %d printable ASCII characters without spaces.", maxMessageIDBytes))
	}
	req.MessageID = id

	switch len(tos) {
	case 0:
	case 1:
		to := tos[0].trimmedText()
		if !p.toMatches(to) {
			return p.invalid("The To header names another endpoint than " + p.v.Path() + ".")
		}
		req.To = to
	default:
		return p.invalid("The WS-Addressing To header appears more than once.")
	}

	switch len(securities) {
	case 0:
		return securityFault(SubInvalidSecurity, "The WS-Security header is missing.", nil)
	case 1:
		return p.security(securities[0], req)
	default:
		return securityFault(SubInvalidSecurity, "The WS-Security header appears more than once.", nil)
	}
}

// toMatches accepts a To whose path is this endpoint's (host and port are
// not compared: behind a proxy or an alias they legitimately differ).
func (p parser) toMatches(to string) bool {
	if len(to) > maxURIBytes {
		return false
	}
	u, err := url.Parse(to)
	if err != nil || !u.IsAbs() {
		return false
	}
	return strings.EqualFold(strings.TrimSuffix(u.Path, "/"), p.v.Path())
}

// security reads the WS-Security header: exactly one Timestamp with one
// Created and one Expires, and exactly one UsernameToken with one Username
// and one Password. Other children are ignored; nothing in them is used.
func (p parser) security(sec *node, req *Request) error {
	stamps := sec.childrenNamed(NSUtility, "Timestamp")
	if len(stamps) != 1 {
		return securityFault(SubInvalidSecurity, "The Security header must hold exactly one wsu:Timestamp.", nil)
	}
	created, err := instant(stamps[0], "Created")
	if err != nil {
		return err
	}
	expires, err := instant(stamps[0], "Expires")
	if err != nil {
		return err
	}
	req.Created, req.Expires = created, expires

	tokens := sec.childrenNamed(NSSecExt, "UsernameToken")
	if len(tokens) != 1 {
		return securityFault(SubInvalidSecurity, "The Security header must hold exactly one UsernameToken.", nil)
	}
	users := tokens[0].childrenNamed(NSSecExt, "Username")
	passwords := tokens[0].childrenNamed(NSSecExt, "Password")
	if len(users) != 1 || len(passwords) != 1 {
		return securityFault(SubInvalidSecurity, "The UsernameToken must hold exactly one Username and one Password.", nil)
	}
	// WSS UsernameToken Profile 1.0 §3.1: Type defaults to PasswordText.
	// A PasswordDigest cannot be checked against Active Directory.
	if typ, ok := passwords[0].attr("", "Type"); ok && strings.TrimSpace(typ) != PasswordText {
		return securityFault(SubUnsupportedSecurityToken, "Only PasswordText passwords are accepted.", nil)
	}
	user := users[0].trimmedText()
	pass := string(passwords[0].text)
	if len(user) > maxTokenTextBytes || len(pass) > maxTokenTextBytes {
		return securityFault(SubInvalidSecurity, "The Username or Password is too long.", nil)
	}
	if !utf8.ValidString(user) || !utf8.ValidString(pass) {
		return securityFault(SubInvalidSecurity, "The Username or Password is not valid UTF-8.", nil)
	}
	req.Username, req.Password = user, NewSecret(pass)
	return nil
}

// instant reads the one wsu:Created or wsu:Expires child of a Timestamp as
// an xs:dateTime with a time zone, converted to UTC.
func instant(stamp *node, local string) (time.Time, error) {
	els := stamp.childrenNamed(NSUtility, local)
	if len(els) != 1 {
		return time.Time{}, securityFault(SubInvalidSecurity, "The Timestamp must hold exactly one "+local+".", nil)
	}
	s := els[0].trimmedText()
	if len(s) > maxInstantBytes {
		return time.Time{}, securityFault(SubInvalidSecurity, "The Timestamp "+local+" is not an xs:dateTime.", nil)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, securityFault(SubInvalidSecurity, "The Timestamp "+local+" is not an xs:dateTime with a time zone, e.g. 2025-06-01T12:00:00Z.", err)
	}
	return t.UTC(), nil
}

// rst reads the Body: exactly one RequestSecurityToken in this endpoint's
// WS-Trust namespace, an Issue RequestType, exactly one AppliesTo address,
// and, when present, a SAML 1.1 TokenType and a bearer KeyType.
func (p parser) rst(body *node, req *Request) error {
	ns := p.v.Namespace()
	if len(body.children) != 1 {
		return p.invalid("The Body must hold exactly one RequestSecurityToken.")
	}
	rst := body.children[0]
	if rst.name.Local == "RequestSecurityToken" && rst.name.Space != ns {
		other := Trust13
		if p.v == Trust13 {
			other = Trust2005
		}
		if rst.name.Space == other.Namespace() {
			return p.invalid("This endpoint speaks WS-Trust " + p.v.String() + "; send WS-Trust " + other.String() + " requests to " + other.Path() + ".")
		}
	}
	if !rst.is(ns, "RequestSecurityToken") {
		return p.invalid("The Body must hold a RequestSecurityToken in " + ns + ".")
	}

	types, err := p.oneText(rst, "RequestType", true)
	if err != nil {
		return err
	}
	if types != p.v.RequestTypeIssue() {
		return p.invalid("Only Issue requests (" + p.v.RequestTypeIssue() + ") are served.")
	}
	tokenType, err := p.oneText(rst, "TokenType", false)
	if err != nil {
		return err
	}
	if tokenType != "" && tokenType != TokenTypeSAML11 && tokenType != tokenTypeSAML11Profile {
		return p.invalid("Only SAML 1.1 tokens (" + TokenTypeSAML11 + ") are issued here.")
	}
	keyType, err := p.oneText(rst, "KeyType", false)
	if err != nil {
		return err
	}
	// Both bearer spellings are accepted on both endpoints; proof keys
	// (symmetric, public) are not offered, and issuing a bearer token in
	// their place would leave the client without the key it asked for.
	if keyType != "" && keyType != KeyTypeNoProofKey && keyType != NSTrust13+"/Bearer" {
		return p.invalid("Only bearer tokens are issued; omit KeyType or send " + p.v.BearerKeyType() + ".")
	}
	for _, local := range []string{"OnBehalfOf", "ActAs", "DelegateTo"} {
		if len(rst.childrenNamed(ns, local)) > 0 {
			return p.invalid("Delegation (" + local + ") is not supported.")
		}
	}

	var applies []*node
	for _, c := range rst.children {
		if c.is(NSPolicy, "AppliesTo") || c.is(NSPolicy15, "AppliesTo") {
			applies = append(applies, c)
		}
	}
	if len(applies) != 1 {
		return p.invalid("The RequestSecurityToken must hold exactly one wsp:AppliesTo naming the relying party.")
	}
	var eprs []*node
	for _, c := range applies[0].children {
		if isAddressing(c, "EndpointReference") {
			eprs = append(eprs, c)
		}
	}
	if len(eprs) != 1 {
		return p.invalid("AppliesTo must hold exactly one EndpointReference.")
	}
	var addrs []*node
	for _, c := range eprs[0].children {
		if isAddressing(c, "Address") {
			addrs = append(addrs, c)
		}
	}
	if len(addrs) != 1 {
		return p.invalid("The AppliesTo EndpointReference must hold exactly one Address.")
	}
	addr := addrs[0].trimmedText()
	if addr == "" || len(addr) > maxURIBytes || strings.ContainsAny(addr, " \t\r\n") || !utf8.ValidString(addr) {
		return p.invalid("The AppliesTo Address must be a URI of at most 1024 bytes.")
	}
	req.AppliesTo = addr
	return nil
}

// oneText returns the trimmed text of the only child {ns}local of el, ""
// when it is absent and optional.
func (p parser) oneText(el *node, local string, required bool) (string, error) {
	kids := el.childrenNamed(p.v.Namespace(), local)
	switch {
	case len(kids) == 0 && required:
		return "", p.invalid("The RequestSecurityToken has no " + local + ".")
	case len(kids) == 0:
		return "", nil
	case len(kids) > 1:
		return "", p.invalid("The RequestSecurityToken repeats " + local + ".")
	}
	s := kids[0].trimmedText()
	if len(s) > maxURIBytes {
		return "", p.invalid("The " + local + " is too long.")
	}
	return s, nil
}

// isAddressing matches {WS-Addressing 1.0 or 2004/08}local.
func isAddressing(n *node, local string) bool {
	return n.name.Local == local && (n.name.Space == NSAddressing || n.name.Space == NSAddressing2004)
}

// validMessageID accepts 1–256 bytes of printable ASCII without spaces:
// enough for urn:uuid:…, uuid-…, and IDCRL's decimal IDs.
func validMessageID(id string) bool {
	if id == "" || len(id) > maxMessageIDBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}
