package ldaptest_test

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

const (
	financeDN = "CN=Finance,CN=Users,DC=contoso,DC=com"
	allStaff  = "CN=All Staff,OU=Groups,DC=contoso,DC=com"
)

// nestedConfig is Contoso with alice in Finance, Finance in O365 Users
// and O365 Users in All Staff, plus a cycle between two groups.
func nestedConfig() ldaptest.Config {
	users := ldaptest.Contoso()
	users[0].MemberOf = []string{financeDN}
	users[1].ConsistencyGUID = []byte("fedgate-lab-guid")
	return ldaptest.Config{
		Users: users,
		Groups: []ldaptest.Group{
			{DN: financeDN, MemberOf: []string{ldaptest.O365UsersGroup}},
			{DN: ldaptest.O365UsersGroup, MemberOf: []string{allStaff}},
			{DN: allStaff, MemberOf: []string{financeDN, "CN=Elsewhere,DC=fabrikam,DC=com"}}, // cycle, foreign group
		},
	}
}

// sidString formats a binary SID for comparisons.
func sidString(t *testing.T, b []byte) string {
	t.Helper()
	if len(b) < 8 || len(b) != 8+4*int(b[1]) {
		t.Fatalf("malformed SID % x", b)
	}
	var auth uint64
	for _, x := range b[2:8] {
		auth = auth<<8 | uint64(x)
	}
	s := fmt.Sprintf("S-%d-%d", b[0], auth)
	for i := 0; i < int(b[1]); i++ {
		s += fmt.Sprintf("-%d", binary.LittleEndian.Uint32(b[8+4*i:]))
	}
	return s
}

func search(t *testing.T, conn *ldap.Conn, base string, scope int, filter string, attrs ...string) []*ldap.Entry {
	t.Helper()
	res, err := conn.Search(ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil))
	if err != nil {
		t.Fatalf("Search(%s, %s): %v", base, filter, err)
	}
	return res.Entries
}

func dns(entries []*ldap.Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.DN)
	}
	slices.Sort(out)
	return out
}

func TestDirectory_TokenGroupsIsTransitiveAndBaseOnly(t *testing.T) {
	d := ldaptest.StartT(t, nestedConfig())
	conn := dialService(t, d)

	e := search(t, conn, aliceDN, ldap.ScopeBaseObject, "(objectClass=*)", "tokenGroups")
	if len(e) != 1 {
		t.Fatalf("base search returned %d entries", len(e))
	}
	var got []string
	for _, s := range e[0].GetRawAttributeValues("tokenGroups") {
		got = append(got, sidString(t, s))
	}
	// Resolve each SID back to its group through objectSid.
	var names []string
	for _, s := range e[0].GetRawAttributeValues("tokenGroups") {
		var f strings.Builder
		for _, b := range s {
			fmt.Fprintf(&f, `\%02x`, b)
		}
		for _, g := range search(t, conn, d.BaseDN(), ldap.ScopeWholeSubtree, "(objectSid="+f.String()+")", "1.1") {
			names = append(names, g.DN)
		}
	}
	slices.Sort(names)
	want := []string{allStaff, ldaptest.DomainUsersGroup, financeDN, ldaptest.O365UsersGroup}
	if !slices.Equal(names, want) {
		t.Errorf("tokenGroups resolve to %q, want %q (SIDs %q)", names, want, got)
	}
	if !slices.Contains(got, ldaptest.DomainSID+"-513") {
		t.Errorf("tokenGroups %q lack Domain Users (RID 513)", got)
	}

	t.Run("not returned unless named", func(t *testing.T) {
		e := search(t, conn, aliceDN, ldap.ScopeBaseObject, "(objectClass=*)", "*")
		if v := e[0].GetRawAttributeValues("tokenGroups"); len(v) != 0 {
			t.Errorf("tokenGroups returned for *: %d values", len(v))
		}
	})
	t.Run("subtree search is an operations error", func(t *testing.T) {
		_, err := conn.Search(ldap.NewSearchRequest(d.BaseDN(), ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
			0, 0, false, "(sAMAccountName=alice)", []string{"tokenGroups"}, nil))
		if got := resultCode(err); got != ldap.LDAPResultOperationsError || !strings.Contains(err.Error(), "not a BASE search") {
			t.Errorf("subtree tokenGroups search: %v, want code 1 with Samba's message", err)
		}
	})
}

func TestDirectory_InChainMatchingRuleFollowsNesting(t *testing.T) {
	d := ldaptest.StartT(t, nestedConfig())
	conn := dialService(t, d)
	tests := []struct {
		name, filter string
		want         []string
	}{
		{"groups containing alice", "(member:1.2.840.113556.1.4.1941:=" + aliceDN + ")",
			[]string{allStaff, financeDN, ldaptest.O365UsersGroup}},
		{"DN compared case-insensitively", "(member:1.2.840.113556.1.4.1941:=" + strings.ToUpper(aliceDN) + ")",
			[]string{allStaff, financeDN, ldaptest.O365UsersGroup}},
		{"users under All Staff", "(&(objectClass=user)(memberOf:1.2.840.113556.1.4.1941:=" + allStaff + "))",
			[]string{aliceDN, "CN=Bob Baker,CN=Users,DC=contoso,DC=com", carolDN, "CN=Dave Davis,CN=Users,DC=contoso,DC=com"}},
		{"plain member is direct only", "(member=" + aliceDN + ")", []string{financeDN}},
		{"rule on another attribute is undefined", "(cn:1.2.840.113556.1.4.1941:=Finance)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dns(search(t, conn, d.BaseDN(), ldap.ScopeWholeSubtree, tt.filter, "1.1")); !slices.Equal(got, tt.want) {
				t.Errorf("Search(%s) = %q, want %q", tt.filter, got, tt.want)
			}
		})
	}
}

func TestDirectory_ServesConsistencyGuidAndSIDs(t *testing.T) {
	d := ldaptest.StartT(t, nestedConfig())
	conn := dialService(t, d)
	e := search(t, conn, d.BaseDN(), ldap.ScopeWholeSubtree, "(|(sAMAccountName=alice)(sAMAccountName=bob))",
		"mS-DS-ConsistencyGuid", "objectSid", "primaryGroupID")
	if len(e) != 2 {
		t.Fatalf("got %d entries", len(e))
	}
	alice, bob := e[0], e[1]
	if got := bob.GetRawAttributeValue("mS-DS-ConsistencyGuid"); !bytes.Equal(got, []byte("fedgate-lab-guid")) {
		t.Errorf("bob mS-DS-ConsistencyGuid = %q", got)
	}
	if got := alice.GetRawAttributeValue("mS-DS-ConsistencyGuid"); len(got) != 0 {
		t.Errorf("alice has mS-DS-ConsistencyGuid %q, want none", got)
	}
	if got := sidString(t, alice.GetRawAttributeValue("objectSid")); got != ldaptest.DomainSID+"-1100" {
		t.Errorf("alice objectSid = %s", got)
	}
	if got := alice.GetAttributeValue("primaryGroupID"); got != "513" {
		t.Errorf("primaryGroupID = %q", got)
	}
}

func TestStart_RejectsBadGroups(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*ldaptest.Config)
		want   string
	}{
		{"group outside base", func(c *ldaptest.Config) { c.Groups = []ldaptest.Group{{DN: "CN=G,DC=fabrikam,DC=com"}} }, "Groups[0]"},
		{"group DN invalid", func(c *ldaptest.Config) { c.Groups = []ldaptest.Group{{DN: "not a dn"}} }, "Groups[0]"},
		{"duplicate group", func(c *ldaptest.Config) { c.Groups = []ldaptest.Group{{DN: financeDN}, {DN: financeDN}} }, "Groups[1]"},
		{"group DN of a user", func(c *ldaptest.Config) { c.Groups = []ldaptest.Group{{DN: aliceDN}} }, "already used"},
		{"bad ConsistencyGUID", func(c *ldaptest.Config) { c.Users[0].ConsistencyGUID = []byte("short") }, "ConsistencyGUID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ldaptest.Config{Users: ldaptest.Contoso()}
			tt.mutate(&cfg)
			d, err := ldaptest.Start(cfg)
			if err == nil {
				_ = d.Close()
				t.Fatal("Start accepted the config")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start error %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestRelay_DownRefusesAndUpRestoresSameAddress(t *testing.T) {
	d := ldaptest.NewT(t)
	r := ldaptest.NewRelayT(t, d.Addr())
	cfg := &tls.Config{RootCAs: d.RootCAs(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	dialRelay := func() (*ldap.Conn, error) {
		return ldap.DialURL("ldaps://"+r.Addr(), ldap.DialWithTLSConfig(cfg))
	}

	conn, err := dialRelay()
	if err != nil {
		t.Fatalf("dial through relay: %v", err)
	}
	if err := conn.Bind(d.BindDN(), d.BindPassword()); err != nil {
		t.Fatalf("bind through relay: %v", err)
	}
	addr := r.Addr()
	r.Down()
	if err := conn.Bind(d.BindDN(), d.BindPassword()); err == nil {
		t.Error("a relayed connection survived Down")
	}
	_ = conn.Close()
	if c, err := dialRelay(); err == nil {
		_ = c.Close()
		t.Fatal("dial succeeded while the relay is down")
	}
	if err := r.Up(); err != nil {
		t.Fatalf("Up: %v", err)
	}
	if r.Addr() != addr {
		t.Errorf("address changed from %s to %s", addr, r.Addr())
	}
	conn, err = dialRelay()
	if err != nil {
		t.Fatalf("dial after Up: %v", err)
	}
	defer conn.Close()
	if err := conn.Bind(d.BindDN(), d.BindPassword()); err != nil {
		t.Fatalf("bind after Up: %v", err)
	}
	if got := r.Accepted(); got != 2 {
		t.Errorf("Accepted = %d, want 2", got)
	}
}
