package ldaptest

import (
	"log/slog"
	"slices"
)

// User is one account in the directory.
type User struct {
	// DN is required and must lie under Config.BaseDN.
	DN string
	// UPN (userPrincipalName) and SAMAccountName are the sign-in names;
	// both must be unique (case-insensitively) when set.
	UPN, SAMAccountName string
	// Profile attributes, returned as displayName, givenName, sn and mail.
	DisplayName, GivenName, Surname, Mail string
	// Password is compared exactly on bind. Never logged.
	Password string
	// ObjectGUID holds 16 raw bytes. Default: derived from the DN
	// (SHA-256, first 16 bytes), so it is stable across runs.
	ObjectGUID []byte
	// ConsistencyGUID is served as mS-DS-ConsistencyGuid when set; it must
	// then hold 16 bytes. Default: unset, like an account Entra Connect
	// has not written back to.
	ConsistencyGUID []byte
	// Account states; see the package doc for the bind result each gives.
	Disabled, PasswordExpired, MustChangePassword, AccountExpired, LockedOut bool
	// MemberOf lists the DNs of the groups the user is a direct member
	// of; groups under BaseDN are served as entries. Every user is also
	// in Domain Users through primaryGroupID 513, as in AD.
	MemberOf []string
	// Attributes are more directory attributes served as stored, keyed
	// by attribute name (e.g. "department": {"Finance"}). They may not
	// repeat an attribute the directory already serves. Default none.
	Attributes map[string][]string
}

// Group declares a group and its own memberships, for nesting. Groups
// named only in User.MemberOf or Group.MemberOf are created without
// nesting; Domain Users always exists.
type Group struct {
	// DN is required and must lie under Config.BaseDN.
	DN string
	// MemberOf lists the DNs of the groups this group is a member of.
	// Cycles are allowed, as in AD.
	MemberOf []string
}

// LogValue logs u without its password.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("dn", u.DN),
		slog.String("upn", u.UPN),
		slog.String("sam_account_name", u.SAMAccountName),
		slog.String("password", "[redacted]"),
	)
}

func (u User) clone() User {
	u.ObjectGUID = slices.Clone(u.ObjectGUID)
	u.ConsistencyGUID = slices.Clone(u.ConsistencyGUID)
	u.MemberOf = slices.Clone(u.MemberOf)
	if u.Attributes != nil {
		attrs := make(map[string][]string, len(u.Attributes))
		for k, v := range u.Attributes {
			attrs[k] = slices.Clone(v)
		}
		u.Attributes = attrs
	}
	return u
}

// Groups of the default BaseDN.
const (
	// O365UsersGroup is the group every Contoso user belongs to.
	O365UsersGroup = "CN=O365 Users,CN=Users,DC=contoso,DC=com"
	// DomainUsersGroup is every user's primary group (primaryGroupID 513):
	// in tokenGroups, but, as in AD, not in memberOf or member.
	DomainUsersGroup = "CN=Domain Users,CN=Users,DC=contoso,DC=com"
)

// Contoso returns the demo accounts. GUIDs are fixed and come from
// o365-reference section 4: Alice's ImmutableID is "RW+aKiwLHUqeP11se4qfAQ==",
// Bob's "JLX2E74/mk2m9Jf30wGM3Q==" (GUID 13f6b524-3fbe-4d9a-a6f4-97f7d3018cdd).
//
//	alice@contoso.com  Alice-Passw0rd!  Alice Anderson  enabled
//	bob@contoso.com    Bob-Passw0rd!    Bob Baker       enabled
//	carol@contoso.com  Carol-Passw0rd!  Carol Clark     disabled (533)
//	dave@contoso.com   Dave-Passw0rd!   Dave Davis      password expired (532)
func Contoso() []User {
	mk := func(sam, given, sn, pw string, guid []byte) User {
		name := given + " " + sn
		return User{
			DN:             "CN=" + name + ",CN=Users,DC=contoso,DC=com",
			UPN:            sam + "@contoso.com",
			SAMAccountName: sam,
			DisplayName:    name,
			GivenName:      given,
			Surname:        sn,
			Mail:           sam + "@contoso.com",
			Password:       pw,
			ObjectGUID:     guid,
			MemberOf:       []string{O365UsersGroup},
		}
	}
	alice := mk("alice", "Alice", "Anderson", "Alice-Passw0rd!",
		[]byte{0x45, 0x6f, 0x9a, 0x2a, 0x2c, 0x0b, 0x1d, 0x4a, 0x9e, 0x3f, 0x5d, 0x6c, 0x7b, 0x8a, 0x9f, 0x01})
	bob := mk("bob", "Bob", "Baker", "Bob-Passw0rd!",
		[]byte{0x24, 0xb5, 0xf6, 0x13, 0xbe, 0x3f, 0x9a, 0x4d, 0xa6, 0xf4, 0x97, 0xf7, 0xd3, 0x01, 0x8c, 0xdd})
	carol := mk("carol", "Carol", "Clark", "Carol-Passw0rd!",
		[]byte{0x9c, 0x1e, 0x5a, 0x33, 0x71, 0x2d, 0x4b, 0x48, 0x8f, 0x10, 0x2e, 0x61, 0xc4, 0x05, 0xaa, 0x17})
	carol.Disabled = true
	dave := mk("dave", "Dave", "Davis", "Dave-Passw0rd!",
		[]byte{0x3b, 0x8d, 0x04, 0xe2, 0x5f, 0x90, 0x6c, 0x41, 0xb2, 0x7a, 0x19, 0xd8, 0x66, 0x2c, 0x03, 0xf4})
	dave.PasswordExpired = true
	return []User{alice, bob, carol, dave}
}
