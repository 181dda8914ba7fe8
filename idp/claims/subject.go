package claims

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/fedgate/fedgate/ldapauth"
)

// Built-in attribute names a rule's attribute may use besides the extra
// directory attributes. They are matched case-insensitively.
const (
	AttrUPN            = "upn"
	AttrSAMAccountName = "samaccountname"
	AttrMail           = "mail"
	AttrDisplayName    = "displayname"
	AttrObjectGUID     = "objectguid"
	AttrImmutableID    = "immutableid"
)

// attrUserPrincipalName is accepted as a synonym of AttrUPN: it is the
// LDAP name AD FS administrators know.
const attrUserPrincipalName = "userprincipalname"

// builtinAttributes lists the built-in attribute names, in the order
// error messages show them.
var builtinAttributes = []string{AttrUPN, AttrSAMAccountName, AttrMail, AttrDisplayName, AttrObjectGUID, AttrImmutableID}

// BuiltinAttributes returns the attribute names every Subject carries.
func BuiltinAttributes() []string { return append([]string(nil), builtinAttributes...) }

// canonicalAttribute maps a rule's attribute name to its lookup key:
// lower case, with userPrincipalName folded into upn.
func canonicalAttribute(name string) string {
	n := strings.ToLower(name)
	if n == attrUserPrincipalName {
		return AttrUPN
	}
	return n
}

// isBuiltin reports whether the canonical name is a built-in attribute.
func isBuiltin(canonical string) bool {
	for _, b := range builtinAttributes {
		if b == canonical {
			return true
		}
	}
	return false
}

// Subject is the signed-in user as claim rules and access policies see
// it. Build it with NewSubject from a directory read; a Subject made from
// the single sign-on cookie alone (UPN, ImmutableID, DisplayName) carries
// no groups and must not be given to Access.Decide.
type Subject struct {
	// UPN, SAMAccountName, Mail and DisplayName are the directory values;
	// any may be empty.
	UPN, SAMAccountName, Mail, DisplayName string
	// ObjectGUID is the objectGUID in its string form
	// (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, lower case), "" when unknown.
	ObjectGUID string
	// ImmutableID is the Office 365 source anchor (base64).
	ImmutableID string
	// Attributes holds the extra directory attributes, keyed by lower-case
	// name.
	Attributes map[string][]string
	// Groups lists the DNs of the user's groups, as the directory client
	// read them (nested per its group lookup).
	Groups []string
}

// NewSubject copies a directory user into a Subject.
func NewSubject(u *ldapauth.User) *Subject {
	s := &Subject{
		UPN: u.UPN, SAMAccountName: u.SAMAccountName, Mail: u.Mail, DisplayName: u.DisplayName,
		ImmutableID: u.ImmutableID, Groups: append([]string(nil), u.Groups...),
	}
	if len(u.ObjectGUID) == 16 {
		s.ObjectGUID = GUIDString(u.ObjectGUID)
	}
	if len(u.Attributes) > 0 {
		s.Attributes = make(map[string][]string, len(u.Attributes))
		for k, v := range u.Attributes {
			s.Attributes[strings.ToLower(k)] = append([]string(nil), v...)
		}
	}
	return s
}

// GUIDString formats a 16-byte AD objectGUID as a GUID string: the first
// three fields are stored little-endian (.NET Guid.ToByteArray order).
// It returns "" for any other length.
func GUIDString(b []byte) string {
	if len(b) != 16 {
		return ""
	}
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x",
		binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint16(b[4:6]),
		binary.LittleEndian.Uint16(b[6:8]), b[8:10], b[10:16])
}

// Values returns the values of the attribute named name (case-insensitive;
// userPrincipalName is upn): one value for a non-empty built-in, the
// stored values of an extra attribute, nil otherwise. The result must not
// be modified.
func (s *Subject) Values(name string) []string {
	one := func(v string) []string {
		if v == "" {
			return nil
		}
		return []string{v}
	}
	switch n := canonicalAttribute(name); n {
	case AttrUPN:
		return one(s.UPN)
	case AttrSAMAccountName:
		return one(s.SAMAccountName)
	case AttrMail:
		return one(s.Mail)
	case AttrDisplayName:
		return one(s.DisplayName)
	case AttrObjectGUID:
		return one(s.ObjectGUID)
	case AttrImmutableID:
		return one(s.ImmutableID)
	default:
		return s.Attributes[n]
	}
}

// groupKeys returns the comparison keys of the subject's groups.
func (s *Subject) groupKeys() map[string]bool {
	keys := make(map[string]bool, len(s.Groups))
	for _, g := range s.Groups {
		keys[dnKey(g)] = true
	}
	return keys
}
