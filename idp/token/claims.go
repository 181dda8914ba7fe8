package token

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Claim namespaces and values the rest of fedgate uses. In SAML 1.1 a claim
// URI is AttributeNamespace + "/" + AttributeName (o365-reference §2).
const (
	// NSClaims is the namespace of the UPN claim (…/claims/UPN).
	NSClaims = "http://schemas.xmlsoap.org/claims"
	// NSLiveID is the namespace of the ImmutableID claim.
	NSLiveID = "http://schemas.microsoft.com/LiveID/Federation/2008/05"
	// NSMSClaims is the namespace of authnmethodsreferences.
	NSMSClaims = "http://schemas.microsoft.com/claims"
	// NSWS2012 is the namespace of insidecorporatenetwork.
	NSWS2012 = "http://schemas.microsoft.com/ws/2012/01"
	// MultipleAuthn is the authnmethodsreferences value that tells Entra ID
	// the IdP performed MFA.
	MultipleAuthn = "http://schemas.microsoft.com/claims/multipleauthn"
	// NameIDUnspecified is the default NameIdentifier Format.
	NameIDUnspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	// AuthnPasswordProtectedTransport is the default AuthenticationMethod
	// (forms sign-in over TLS).
	AuthnPasswordProtectedTransport = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
)

// Namespaces used inside SAML 1.1 assertions.
const (
	NSSAML11Assertion = "urn:oasis:names:tc:SAML:1.0:assertion"
	// NSClaimProperties is the namespace of the a:OriginalIssuer attribute.
	NSClaimProperties = "http://schemas.xmlsoap.org/ws/2009/09/identity/claims"
	NSXMLSchema       = "http://www.w3.org/2001/XMLSchema"
	NSXSI             = "http://www.w3.org/2001/XMLSchema-instance"
	// ConfirmationBearer is the only SubjectConfirmation method issued.
	ConfirmationBearer = "urn:oasis:names:tc:SAML:1.0:cm:bearer"
)

// TimeFormat is the xs:dateTime layout of every instant in issued tokens:
// UTC with millisecond precision, as AD FS writes it.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// Attribute is one claim with one or more values.
type Attribute struct {
	// Namespace and Name form the claim URI Namespace + "/" + Name. Both are
	// required.
	Namespace, Name string
	// Values holds at least one value. Values may contain any XML character
	// (tabs and line breaks survive); other control characters are refused.
	Values []string
	// Type is the xsi:type of every value: "" for none (a string), otherwise
	// "xs:" plus an XML Schema built-in type name, e.g. "xs:boolean".
	Type string
	// OriginalIssuer, when set, is written as a:OriginalIssuer (e.g.
	// "CLIENT CONTEXT" on insidecorporatenetwork).
	OriginalIssuer string
}

// Claims describes the authenticated subject of one token.
type Claims struct {
	// NameID is the subject identifier (for Office 365: the ImmutableID).
	// Required.
	NameID string
	// NameIDFormat defaults to NameIDUnspecified.
	NameIDFormat string
	// Attributes appear in this order. A token needs at least one attribute
	// (the SAML 1.1 AttributeStatement requires one).
	Attributes []Attribute
	// AuthnMethod defaults to AuthnPasswordProtectedTransport.
	AuthnMethod string
	// AuthnInstant is when the user authenticated; zero means the issue
	// instant. It is written in UTC with millisecond precision.
	AuthnInstant time.Time
}

// withDefaults returns c with empty optional fields filled in.
func (c Claims) withDefaults() Claims {
	if c.NameIDFormat == "" {
		c.NameIDFormat = NameIDUnspecified
	}
	if c.AuthnMethod == "" {
		c.AuthnMethod = AuthnPasswordProtectedTransport
	}
	return c
}

// validate reports the first problem that would make the token malformed or
// let a value change meaning on the way through XML.
func (c Claims) validate() error {
	if c.NameID == "" {
		return errors.New("token: claims: NameID is empty")
	}
	if err := xmlSafe("NameID", c.NameID); err != nil {
		return fmt.Errorf("token: claims: %w", err)
	}
	if err := uriSafe("NameIDFormat", c.NameIDFormat); err != nil {
		return fmt.Errorf("token: claims: %w", err)
	}
	if err := uriSafe("AuthnMethod", c.AuthnMethod); err != nil {
		return fmt.Errorf("token: claims: %w", err)
	}
	if len(c.Attributes) == 0 {
		return errors.New("token: claims: at least one attribute is required")
	}
	for i, a := range c.Attributes {
		if err := a.validate(); err != nil {
			return fmt.Errorf("token: claims: attribute %d (%s/%s): %w", i, a.Namespace, a.Name, err)
		}
	}
	return nil
}

func (a Attribute) validate() error {
	if a.Namespace == "" || a.Name == "" {
		return errors.New("namespace and name are required")
	}
	if err := uriSafe("namespace", a.Namespace); err != nil {
		return err
	}
	if err := uriSafe("name", a.Name); err != nil {
		return err
	}
	if len(a.Values) == 0 {
		return errors.New("at least one value is required")
	}
	for _, v := range a.Values {
		if err := xmlSafe("value", v); err != nil {
			return err
		}
	}
	if a.Type != "" {
		local, ok := strings.CutPrefix(a.Type, "xs:")
		if !ok || !isASCIIName(local) {
			return fmt.Errorf("type %q: use \"xs:\" plus an XML Schema type name, e.g. \"xs:boolean\"", a.Type)
		}
	}
	return xmlSafe("original issuer", a.OriginalIssuer)
}

// xmlSafe refuses strings that XML cannot carry unchanged: invalid UTF-8 and
// characters outside the XML 1.0 Char production. etree would silently
// replace them with U+FFFD, so the token would assert a different value.
func xmlSafe(what, s string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Errorf("%s is not valid UTF-8 at byte %d", what, i)
			}
		}
		if !isXMLChar(r) {
			return fmt.Errorf("%s contains U+%04X at byte %d, which XML cannot carry", what, r, i)
		}
	}
	return nil
}

// uriSafe is xmlSafe plus no whitespace: URIs and names never contain it.
func uriSafe(what, s string) error {
	if err := xmlSafe(what, s); err != nil {
		return err
	}
	if i := strings.IndexAny(s, " \t\r\n"); i >= 0 {
		return fmt.Errorf("%s contains whitespace at byte %d", what, i)
	}
	return nil
}

// isXMLChar implements the XML 1.0 Char production.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= 0x10FFFF)
}

func isASCIIName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
