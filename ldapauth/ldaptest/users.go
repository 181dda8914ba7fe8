package ldaptest

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/go-ldap/ldap/v3"
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
	// Account states; see the package doc for the bind result each gives.
	Disabled, PasswordExpired, MustChangePassword, AccountExpired, LockedOut bool
	// MemberOf lists group DNs; groups under BaseDN are served as entries.
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
	u.MemberOf = slices.Clone(u.MemberOf)
	return u
}

// O365UsersGroup is the group every Contoso user belongs to.
const O365UsersGroup = "CN=O365 Users,CN=Users,DC=contoso,DC=com"

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

// AD attribute values for account state. FILETIMEs are fixed so answers are
// deterministic; only their being non-zero / in the past matters.
const (
	uacNormalAccount   = 0x200
	uacAccountDisable  = 0x2
	uacComputedLocked  = 0x10
	uacComputedPwdExp  = 0x800000
	filetimeNever      = "9223372036854775807"
	filetimePast       = "133000000000000000" // 2022-06-17
	filetimePwdLastSet = "133500000000000000" // 2024-01-20
)

// entry is one directory object as served by search.
type entry struct {
	dn    string
	pdn   *ldap.DN
	attrs []attribute
	user  *User // nil for groups
}

type attribute struct {
	name   string
	values []string
	binary bool // compared byte-exact instead of case-insensitively
}

func (e *entry) get(name string) (attribute, bool) {
	for _, a := range e.attrs {
		if strings.EqualFold(a.name, name) {
			return a, true
		}
	}
	return attribute{}, false
}

// buildEntries validates users and turns them (and their groups) into
// entries. The returned users carry defaulted GUIDs.
func buildEntries(baseDN string, users []User) ([]*entry, []User, error) {
	base, err := ldap.ParseDN(baseDN)
	if err != nil {
		return nil, nil, fmt.Errorf("ldaptest: BaseDN %q: %w", baseDN, err)
	}
	category := "CN=Person,CN=Schema,CN=Configuration," + baseDN
	seen := map[string]string{}
	unique := func(kind, v string, i int) error {
		if v == "" {
			return nil
		}
		k := kind + ":" + strings.ToLower(v)
		if prev, dup := seen[k]; dup {
			return fmt.Errorf("ldaptest: Users[%d]: %s %q already used by %s", i, kind, v, prev)
		}
		seen[k] = fmt.Sprintf("Users[%d]", i)
		return nil
	}

	out := make([]User, len(users))
	var entries []*entry
	groups := map[string][]string{} // group DN -> member DNs, in first-seen order
	var groupOrder []string
	for i, u := range users {
		u = u.clone()
		pdn, err := ldap.ParseDN(u.DN)
		if err != nil || u.DN == "" {
			return nil, nil, fmt.Errorf("ldaptest: Users[%d]: DN %q is not a valid DN", i, u.DN)
		}
		if !base.AncestorOfFold(pdn) {
			return nil, nil, fmt.Errorf("ldaptest: Users[%d]: DN %q is not under BaseDN %q", i, u.DN, baseDN)
		}
		for _, err := range []error{unique("DN", strings.ToLower(pdn.String()), i), unique("UPN", u.UPN, i), unique("sAMAccountName", u.SAMAccountName, i)} {
			if err != nil {
				return nil, nil, err
			}
		}
		switch len(u.ObjectGUID) {
		case 0:
			sum := sha256.Sum256([]byte(strings.ToLower(u.DN)))
			u.ObjectGUID = sum[:16]
		case 16:
		default:
			return nil, nil, fmt.Errorf("ldaptest: Users[%d]: ObjectGUID has %d bytes, want 16", i, len(u.ObjectGUID))
		}
		out[i] = u
		for _, g := range u.MemberOf {
			k := strings.ToLower(g)
			if _, ok := groups[k]; !ok {
				groupOrder = append(groupOrder, g)
			}
			groups[k] = append(groups[k], u.DN)
		}
	}
	for i := range out {
		entries = append(entries, userEntry(&out[i], category))
	}
	for _, g := range groupOrder {
		pdn, err := ldap.ParseDN(g)
		if err != nil || !base.AncestorOfFold(pdn) {
			continue // memberOf may point outside the served tree
		}
		cn := firstRDNValue(pdn)
		entries = append(entries, &entry{dn: g, pdn: pdn, attrs: []attribute{
			{name: "objectClass", values: []string{"top", "group"}},
			{name: "cn", values: []string{cn}},
			{name: "name", values: []string{cn}},
			{name: "distinguishedName", values: []string{g}},
			{name: "sAMAccountName", values: []string{cn}},
			{name: "member", values: groups[strings.ToLower(g)]},
		}})
	}
	return entries, out, nil
}

func userEntry(u *User, category string) *entry {
	pdn, _ := ldap.ParseDN(u.DN) // validated by buildEntries
	cn := firstRDNValue(pdn)
	uac := uacNormalAccount
	if u.Disabled {
		uac |= uacAccountDisable
	}
	computed := 0
	if u.LockedOut {
		computed |= uacComputedLocked
	}
	if u.PasswordExpired {
		computed |= uacComputedPwdExp
	}
	pwdLastSet, accountExpires, lockoutTime := filetimePwdLastSet, filetimeNever, "0"
	if u.MustChangePassword {
		pwdLastSet = "0"
	}
	if u.AccountExpired {
		accountExpires = filetimePast
	}
	if u.LockedOut {
		lockoutTime = filetimePwdLastSet
	}
	attrs := []attribute{
		{name: "objectClass", values: []string{"top", "person", "organizationalPerson", "user"}},
		{name: "objectCategory", values: []string{category}},
		{name: "cn", values: []string{cn}},
		{name: "name", values: []string{cn}},
		{name: "distinguishedName", values: []string{u.DN}},
		{name: "objectGUID", values: []string{string(u.ObjectGUID)}, binary: true},
		{name: "userAccountControl", values: []string{fmt.Sprint(uac)}},
		{name: "msDS-User-Account-Control-Computed", values: []string{fmt.Sprint(computed)}},
		{name: "pwdLastSet", values: []string{pwdLastSet}},
		{name: "accountExpires", values: []string{accountExpires}},
		{name: "lockoutTime", values: []string{lockoutTime}},
	}
	for _, a := range []attribute{
		{name: "userPrincipalName", values: []string{u.UPN}},
		{name: "sAMAccountName", values: []string{u.SAMAccountName}},
		{name: "displayName", values: []string{u.DisplayName}},
		{name: "givenName", values: []string{u.GivenName}},
		{name: "sn", values: []string{u.Surname}},
		{name: "mail", values: []string{u.Mail}},
	} {
		if a.values[0] != "" {
			attrs = append(attrs, a)
		}
	}
	if len(u.MemberOf) > 0 {
		attrs = append(attrs, attribute{name: "memberOf", values: slices.Clone(u.MemberOf)})
	}
	return &entry{dn: u.DN, pdn: pdn, attrs: attrs, user: u}
}

func firstRDNValue(dn *ldap.DN) string {
	if len(dn.RDNs) == 0 || len(dn.RDNs[0].Attributes) == 0 {
		return ""
	}
	return dn.RDNs[0].Attributes[0].Value
}
