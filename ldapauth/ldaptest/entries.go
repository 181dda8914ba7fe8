package ldaptest

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// DomainSID is the SID of the served domain. Domain Users is
// DomainSID-513, users get RIDs from 1100 in Config.Users order, groups
// the RIDs after them.
const DomainSID = "S-1-5-21-2127521184-1604012920-1887927527"

// domainSubAuthorities are DomainSID's sub-authorities.
var domainSubAuthorities = []uint32{21, 2127521184, 1604012920, 1887927527}

const (
	ridDomainUsers = 513
	ridFirstUser   = 1100
)

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
	groupTypeGlobalSec = "-2147483646"        // global security group
	consistencyGUIDLen = 16
)

// entry is one directory object as served by search.
type entry struct {
	dn    string
	pdn   *ldap.DN
	attrs []attribute
	user  *User // nil for groups
	// tokenGroups holds the binary SIDs of every group the entry belongs
	// to transitively (for users, including the primary group). AD
	// constructs the attribute only for base-object searches.
	tokenGroups [][]byte
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

// tree is the served directory: entries in search order and an index by
// normalised DN.
type tree struct {
	entries []*entry
	byDN    map[string]*entry
}

// dnKey normalises a DN for map lookups: parsed and re-serialised when it
// parses, lower-cased either way.
func dnKey(s string) string {
	if p, err := ldap.ParseDN(s); err == nil && s != "" {
		return strings.ToLower(p.String())
	}
	return strings.ToLower(s)
}

// sid returns the binary SID DomainSID-rid.
func sid(rid uint32) []byte {
	sub := append(slices.Clone(domainSubAuthorities), rid)
	b := []byte{1, byte(len(sub)), 0, 0, 0, 0, 0, 5} // revision 1, NT authority
	for _, s := range sub {
		b = binary.LittleEndian.AppendUint32(b, s)
	}
	return b
}

// groupInfo collects one group while the tree is built.
type groupInfo struct {
	dn      string
	pdn     *ldap.DN
	served  bool     // under BaseDN: served as an entry
	parents []string // groups this group is a member of
	members []string // direct members: users and groups
	sid     []byte
}

// buildEntries validates users and groups and turns them into a tree.
// The returned users carry defaulted GUIDs.
func buildEntries(baseDN string, users []User, groups []Group) (*tree, []User, error) {
	base, err := ldap.ParseDN(baseDN)
	if err != nil {
		return nil, nil, fmt.Errorf("ldaptest: BaseDN %q: %w", baseDN, err)
	}
	category := "CN=Person,CN=Schema,CN=Configuration," + baseDN
	seen := map[string]string{}
	unique := func(kind, v, who string) error {
		if v == "" {
			return nil
		}
		k := kind + ":" + strings.ToLower(v)
		if prev, dup := seen[k]; dup {
			return fmt.Errorf("ldaptest: %s: %s %q already used by %s", who, kind, v, prev)
		}
		seen[k] = who
		return nil
	}

	out := make([]User, len(users))
	for i, u := range users {
		u = u.clone()
		who := fmt.Sprintf("Users[%d]", i)
		pdn, err := ldap.ParseDN(u.DN)
		if err != nil || u.DN == "" {
			return nil, nil, fmt.Errorf("ldaptest: %s: DN %q is not a valid DN", who, u.DN)
		}
		if !base.AncestorOfFold(pdn) {
			return nil, nil, fmt.Errorf("ldaptest: %s: DN %q is not under BaseDN %q", who, u.DN, baseDN)
		}
		for _, err := range []error{unique("DN", dnKey(u.DN), who), unique("UPN", u.UPN, who), unique("sAMAccountName", u.SAMAccountName, who)} {
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
			return nil, nil, fmt.Errorf("ldaptest: %s: ObjectGUID has %d bytes, want 16", who, len(u.ObjectGUID))
		}
		if n := len(u.ConsistencyGUID); n != 0 && n != consistencyGUIDLen {
			return nil, nil, fmt.Errorf("ldaptest: %s: ConsistencyGUID has %d bytes, want 16", who, n)
		}
		for name := range u.Attributes {
			if servedUserAttributes[strings.ToLower(name)] || name == "" {
				return nil, nil, fmt.Errorf("ldaptest: %s: Attributes[%q] is empty or repeats an attribute the directory serves", who, name)
			}
		}
		out[i] = u
	}

	byKey := map[string]*groupInfo{}
	var order []*groupInfo
	addGroup := func(dn string) *groupInfo {
		k := dnKey(dn)
		if g, ok := byKey[k]; ok {
			return g
		}
		pdn, err := ldap.ParseDN(dn)
		g := &groupInfo{dn: dn, pdn: pdn, served: err == nil && dn != "" && base.AncestorOfFold(pdn)}
		byKey[k] = g
		order = append(order, g)
		return g
	}
	domainUsers := addGroup("CN=Domain Users,CN=Users," + baseDN)
	domainUsers.sid = sid(ridDomainUsers)
	for i, g := range groups {
		who := fmt.Sprintf("Groups[%d]", i)
		pdn, err := ldap.ParseDN(g.DN)
		if err != nil || g.DN == "" || !base.AncestorOfFold(pdn) {
			return nil, nil, fmt.Errorf("ldaptest: %s: DN %q is not a valid DN under BaseDN %q", who, g.DN, baseDN)
		}
		if err := unique("DN", dnKey(g.DN), who); err != nil {
			return nil, nil, err
		}
		gi := addGroup(g.DN)
		gi.parents = append(gi.parents, g.MemberOf...)
	}
	for i := range out {
		for _, m := range out[i].MemberOf {
			g := addGroup(m)
			g.members = append(g.members, out[i].DN)
		}
	}
	for i := 0; i < len(order); i++ { // order grows as parents are added
		for _, p := range order[i].parents {
			pg := addGroup(p)
			pg.members = append(pg.members, order[i].dn)
		}
	}
	for j, g := range order {
		if g.sid == nil {
			g.sid = sid(uint32(ridFirstUser + len(out) + j))
		}
	}
	closure := func(start []string) [][]byte {
		var sids [][]byte
		visited := map[string]bool{}
		stack := slices.Clone(start)
		for len(stack) > 0 {
			dn := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			k := dnKey(dn)
			g, ok := byKey[k]
			if !ok || visited[k] {
				continue
			}
			visited[k] = true
			if g.served {
				sids = append(sids, g.sid)
			}
			stack = append(stack, g.parents...)
		}
		return sids
	}

	t := &tree{byDN: map[string]*entry{}}
	for i := range out {
		e := userEntry(&out[i], category, sid(uint32(ridFirstUser+i)))
		e.tokenGroups = closure(append(slices.Clone(out[i].MemberOf), domainUsers.dn))
		t.entries = append(t.entries, e)
	}
	for _, g := range order {
		if g.served {
			e := groupEntry(g)
			e.tokenGroups = closure(g.parents)
			t.entries = append(t.entries, e)
		}
	}
	for _, e := range t.entries {
		t.byDN[dnKey(e.dn)] = e
	}
	return t, out, nil
}

// servedUserAttributes are the attributes userEntry serves itself (lower
// case); User.Attributes may not repeat them.
var servedUserAttributes = map[string]bool{
	"objectclass": true, "objectcategory": true, "cn": true, "name": true, "distinguishedname": true,
	"objectguid": true, "objectsid": true, "primarygroupid": true, "useraccountcontrol": true,
	"msds-user-account-control-computed": true, "pwdlastset": true, "accountexpires": true, "lockouttime": true,
	"ms-ds-consistencyguid": true, "userprincipalname": true, "samaccountname": true, "displayname": true,
	"givenname": true, "sn": true, "mail": true, "memberof": true, "tokengroups": true,
}

func userEntry(u *User, category string, objectSid []byte) *entry {
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
		{name: "objectSid", values: []string{string(objectSid)}, binary: true},
		{name: "primaryGroupID", values: []string{fmt.Sprint(ridDomainUsers)}},
		{name: "userAccountControl", values: []string{fmt.Sprint(uac)}},
		{name: "msDS-User-Account-Control-Computed", values: []string{fmt.Sprint(computed)}},
		{name: "pwdLastSet", values: []string{pwdLastSet}},
		{name: "accountExpires", values: []string{accountExpires}},
		{name: "lockoutTime", values: []string{lockoutTime}},
	}
	if len(u.ConsistencyGUID) > 0 {
		attrs = append(attrs, attribute{name: "mS-DS-ConsistencyGuid", values: []string{string(u.ConsistencyGUID)}, binary: true})
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
	for _, name := range slices.Sorted(maps.Keys(u.Attributes)) {
		attrs = append(attrs, attribute{name: name, values: slices.Clone(u.Attributes[name])})
	}
	return &entry{dn: u.DN, pdn: pdn, attrs: attrs, user: u}
}

func groupEntry(g *groupInfo) *entry {
	cn := firstRDNValue(g.pdn)
	attrs := []attribute{
		{name: "objectClass", values: []string{"top", "group"}},
		{name: "cn", values: []string{cn}},
		{name: "name", values: []string{cn}},
		{name: "distinguishedName", values: []string{g.dn}},
		{name: "sAMAccountName", values: []string{cn}},
		{name: "objectSid", values: []string{string(g.sid)}, binary: true},
		{name: "groupType", values: []string{groupTypeGlobalSec}},
	}
	if len(g.members) > 0 {
		attrs = append(attrs, attribute{name: "member", values: slices.Clone(g.members)})
	}
	if len(g.parents) > 0 {
		attrs = append(attrs, attribute{name: "memberOf", values: slices.Clone(g.parents)})
	}
	return &entry{dn: g.dn, pdn: g.pdn, attrs: attrs}
}

func firstRDNValue(dn *ldap.DN) string {
	if dn == nil || len(dn.RDNs) == 0 || len(dn.RDNs[0].Attributes) == 0 {
		return ""
	}
	return dn.RDNs[0].Attributes[0].Value
}
