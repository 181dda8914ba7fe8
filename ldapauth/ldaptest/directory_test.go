package ldaptest_test

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

const (
	aliceDN = "CN=Alice Anderson,CN=Users,DC=contoso,DC=com"
	carolDN = "CN=Carol Clark,CN=Users,DC=contoso,DC=com"
)

// stateUsers adds accounts in every state AD reports at bind time.
func stateUsers() []ldaptest.User {
	mk := func(sam string, set func(*ldaptest.User)) ldaptest.User {
		u := ldaptest.User{
			DN:             "CN=" + sam + ",CN=Users,DC=contoso,DC=com",
			UPN:            sam + "@contoso.com",
			SAMAccountName: sam,
			Password:       "Pw-" + sam,
		}
		set(&u)
		return u
	}
	return append(ldaptest.Contoso(),
		mk("erin", func(u *ldaptest.User) { u.MustChangePassword = true }),
		mk("frank", func(u *ldaptest.User) { u.LockedOut = true }),
		mk("grace", func(u *ldaptest.User) { u.AccountExpired = true }),
	)
}

// dial opens a raw LDAP connection to d, trusting its CA.
func dial(t *testing.T, d *ldaptest.Directory) *ldap.Conn {
	t.Helper()
	cfg := &tls.Config{RootCAs: d.RootCAs(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	conn, err := ldap.DialURL(d.URL(), ldap.DialWithTLSConfig(cfg))
	if err != nil {
		t.Fatalf("dial %s: %v", d.URL(), err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// dialService returns a connection bound as the service account.
func dialService(t *testing.T, d *ldaptest.Directory) *ldap.Conn {
	t.Helper()
	conn := dial(t, d)
	if err := conn.Bind(d.BindDN(), d.BindPassword()); err != nil {
		t.Fatalf("service bind: %v", err)
	}
	return conn
}

func resultCode(err error) uint16 {
	var le *ldap.Error
	if errors.As(err, &le) {
		return le.ResultCode
	}
	return 0
}

func adDiag(code string) string {
	return "80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data " + code + ", v3839"
}

func TestDirectory_BindAnswersLikeAD(t *testing.T) {
	d := ldaptest.NewT(t, stateUsers()...)
	tests := []struct {
		name, user, password string
		wantCode             string // "" = success
	}{
		{"DN", aliceDN, "Alice-Passw0rd!", ""},
		{"UPN", "alice@contoso.com", "Alice-Passw0rd!", ""},
		{"UPN is case-insensitive", "ALICE@Contoso.com", "Alice-Passw0rd!", ""},
		{"down-level", `CORP\alice`, "Alice-Passw0rd!", ""},
		{"DN is case-insensitive", strings.ToLower(aliceDN), "Alice-Passw0rd!", ""},
		{"service account", ldaptest.DefaultBindDN, ldaptest.DefaultBindPassword, ""},
		{"wrong password", "alice@contoso.com", "nope", "52e"},
		{"password is case-sensitive", "alice@contoso.com", "alice-passw0rd!", "52e"},
		{"unknown user", "nobody@contoso.com", "whatever", "52e"},
		{"unknown DN", "CN=Nobody,CN=Users,DC=contoso,DC=com", "whatever", "52e"},
		{"wrong service password", ldaptest.DefaultBindDN, "nope", "52e"},
		{"disabled, right password", "carol@contoso.com", "Carol-Passw0rd!", "533"},
		{"disabled, wrong password", "carol@contoso.com", "nope", "52e"},
		{"password expired", "dave@contoso.com", "Dave-Passw0rd!", "532"},
		{"must change password", "erin@contoso.com", "Pw-erin", "773"},
		{"locked out, right password", "frank@contoso.com", "Pw-frank", "775"},
		{"locked out, wrong password", "frank@contoso.com", "nope", "775"},
		{"account expired", "grace@contoso.com", "Pw-grace", "701"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dial(t, d).Bind(tt.user, tt.password)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Bind: %v, want success", err)
				}
				return
			}
			var le *ldap.Error
			if !errors.As(err, &le) || le.ResultCode != ldap.LDAPResultInvalidCredentials {
				t.Fatalf("Bind: %v, want result 49", err)
			}
			if got, want := le.Err.Error(), adDiag(tt.wantCode); got != want {
				t.Errorf("diagnostic = %q, want %q", got, want)
			}
		})
	}
}

func TestDirectory_EmptyPasswordBindIsAnonymousSuccess(t *testing.T) {
	d := ldaptest.NewT(t)
	conn := dial(t, d)
	req := ldap.NewSimpleBindRequest(aliceDN, "", nil)
	req.AllowEmptyPassword = true
	if _, err := conn.SimpleBind(req); err != nil {
		t.Fatalf("empty-password bind: %v, want anonymous success (AD behaviour)", err)
	}
	// ...but the connection is anonymous, so it may not search.
	_, err := conn.Search(ldap.NewSearchRequest(d.BaseDN(), ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 0, false, "(objectClass=user)", nil, nil))
	if got := resultCode(err); got != ldap.LDAPResultInsufficientAccessRights {
		t.Fatalf("search after anonymous bind: %v (code %d), want 50", err, got)
	}
}

func TestDirectory_SearchRequiresBind(t *testing.T) {
	d := ldaptest.NewT(t)
	conn := dial(t, d)
	before := d.Searches()
	_, err := conn.Search(ldap.NewSearchRequest(d.BaseDN(), ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 0, false, "(sAMAccountName=alice)", nil, nil))
	if got := resultCode(err); got != ldap.LDAPResultInsufficientAccessRights {
		t.Fatalf("anonymous search: %v, want code 50", err)
	}
	if got := d.Searches() - before; got != 1 {
		t.Errorf("Searches() moved by %d, want 1", got)
	}
	if got := d.LastFilter(); got != "(sAMAccountName=alice)" {
		t.Errorf("LastFilter() = %q", got)
	}

	// A failed bind drops a previously bound identity, as in AD.
	conn = dialService(t, d)
	if err := conn.Bind("alice@contoso.com", "wrong"); err == nil {
		t.Fatal("wrong password bind succeeded")
	}
	_, err = conn.Search(ldap.NewSearchRequest(d.BaseDN(), ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 0, false, "(sAMAccountName=alice)", nil, nil))
	if got := resultCode(err); got != ldap.LDAPResultInsufficientAccessRights {
		t.Fatalf("search after failed bind: %v, want code 50", err)
	}
}

func TestDirectory_RootDSEIsAnonymous(t *testing.T) {
	d := ldaptest.NewT(t)
	res, err := dial(t, d).Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases,
		0, 0, false, "(objectClass=*)", []string{"defaultNamingContext"}, nil))
	if err != nil {
		t.Fatalf("RootDSE: %v", err)
	}
	if len(res.Entries) != 1 || res.Entries[0].GetAttributeValue("defaultNamingContext") != d.BaseDN() {
		t.Fatalf("RootDSE entries = %+v", res.Entries)
	}
}

func TestDirectory_SearchEvaluatesFilters(t *testing.T) {
	d := ldaptest.NewT(t, stateUsers()...)
	conn := dialService(t, d)
	tests := []struct {
		name, base, filter string
		scope              int
		want               []string // sAMAccountName of matches, in directory order
	}{
		{"equality", "", "(sAMAccountName=alice)", ldap.ScopeWholeSubtree, []string{"alice"}},
		{"equality is case-insensitive", "", "(userPrincipalName=ALICE@CONTOSO.COM)", ldap.ScopeWholeSubtree, []string{"alice"}},
		{"default ldapauth filter", "", "(&(objectClass=user)(|(userPrincipalName=bob)(sAMAccountName=bob)))", ldap.ScopeWholeSubtree, []string{"bob"}},
		{"escaped star is literal", "", `(sAMAccountName=\2a)`, ldap.ScopeWholeSubtree, nil},
		{"substring initial", "", "(sAMAccountName=a*)", ldap.ScopeWholeSubtree, []string{"alice"}},
		{"substring any and final", "", "(userPrincipalName=*r*@contoso.com)", ldap.ScopeWholeSubtree, []string{"carol", "erin", "frank", "grace"}},
		{"presence", "", "(&(objectClass=user)(mail=*))", ldap.ScopeWholeSubtree, []string{"alice", "bob", "carol", "dave"}},
		{"not", "", "(&(objectClass=user)(!(mail=*)))", ldap.ScopeWholeSubtree, []string{"erin", "frank", "grace"}},
		{"AD bit-and rule: disabled", "", "(userAccountControl:1.2.840.113556.1.4.803:=2)", ldap.ScopeWholeSubtree, []string{"carol"}},
		{"AD bit-or rule", "", "(&(objectClass=user)(msDS-User-Account-Control-Computed:1.2.840.113556.1.4.804:=8388624))", ldap.ScopeWholeSubtree, []string{"dave", "frank"}},
		{"objectCategory=person shorthand", "", "(&(objectCategory=person)(sAMAccountName=bob))", ldap.ScopeWholeSubtree, []string{"bob"}},
		{"greater-or-equal numeric", "", "(&(objectClass=user)(userAccountControl>=514))", ldap.ScopeWholeSubtree, []string{"carol"}},
		{"groups are entries", "", "(&(objectClass=group)(member=" + aliceDN + "))", ldap.ScopeWholeSubtree, []string{"O365 Users"}},
		{"memberOf", "", "(memberOf=" + ldaptest.O365UsersGroup + ")", ldap.ScopeWholeSubtree, []string{"alice", "bob", "carol", "dave"}},
		{"base scope", aliceDN, "(objectClass=*)", ldap.ScopeBaseObject, []string{"alice"}},
		{"one-level scope", "CN=Users,DC=contoso,DC=com", "(sAMAccountName=alice)", ldap.ScopeSingleLevel, []string{"alice"}},
		{"one-level from the root misses users", "", "(sAMAccountName=alice)", ldap.ScopeSingleLevel, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tt.base
			if base == "" {
				base = d.BaseDN()
			}
			res, err := conn.Search(ldap.NewSearchRequest(base, tt.scope, ldap.NeverDerefAliases,
				0, 0, false, tt.filter, []string{"sAMAccountName"}, nil))
			if err != nil {
				t.Fatalf("Search(%s): %v", tt.filter, err)
			}
			var got []string
			for _, e := range res.Entries {
				got = append(got, e.GetAttributeValue("sAMAccountName"))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Search(%s) = %q, want %q", tt.filter, got, tt.want)
			}
		})
	}
}

func TestDirectory_SearchOutsideBaseIsNoSuchObject(t *testing.T) {
	d := ldaptest.NewT(t)
	_, err := dialService(t, d).Search(ldap.NewSearchRequest("DC=fabrikam,DC=com", ldap.ScopeWholeSubtree,
		ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", nil, nil))
	if got := resultCode(err); got != ldap.LDAPResultNoSuchObject {
		t.Fatalf("search outside base: %v, want code 32", err)
	}
}

func TestDirectory_SizeLimitIsResult4(t *testing.T) {
	d := ldaptest.NewT(t)
	res, err := dialService(t, d).Search(ldap.NewSearchRequest(d.BaseDN(), ldap.ScopeWholeSubtree,
		ldap.NeverDerefAliases, 2, 0, false, "(objectClass=user)", []string{"cn"}, nil))
	if got := resultCode(err); got != ldap.LDAPResultSizeLimitExceeded {
		t.Fatalf("search: %v, want code 4", err)
	}
	if len(res.Entries) != 2 {
		t.Errorf("got %d entries, want 2", len(res.Entries))
	}
}

func TestDirectory_ReturnsADAttributes(t *testing.T) {
	d := ldaptest.NewT(t)
	res, err := dialService(t, d).Search(ldap.NewSearchRequest(d.BaseDN(), ldap.ScopeWholeSubtree,
		ldap.NeverDerefAliases, 0, 0, false, "(|(sAMAccountName=alice)(sAMAccountName=carol))",
		[]string{"objectGUID", "userAccountControl", "memberOf", "displayName", "givenName", "sn", "mail", "objectClass"}, nil))
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	if len(res.Entries) != 2 {
		t.Fatalf("got %d entries, want 2", len(res.Entries))
	}
	alice, carol := res.Entries[0], res.Entries[1]
	if got := base64.StdEncoding.EncodeToString(alice.GetRawAttributeValue("objectGUID")); got != "RW+aKiwLHUqeP11se4qfAQ==" {
		t.Errorf("alice objectGUID base64 = %q, want RW+aKiwLHUqeP11se4qfAQ==", got)
	}
	checks := []struct {
		e          *ldap.Entry
		attr, want string
	}{
		{alice, "userAccountControl", "512"},
		{carol, "userAccountControl", "514"},
		{alice, "memberOf", ldaptest.O365UsersGroup},
		{alice, "displayName", "Alice Anderson"},
		{alice, "givenName", "Alice"},
		{alice, "sn", "Anderson"},
		{alice, "mail", "alice@contoso.com"},
	}
	for _, c := range checks {
		if got := c.e.GetAttributeValue(c.attr); got != c.want {
			t.Errorf("%s %s = %q, want %q", c.e.DN, c.attr, got, c.want)
		}
	}
	if got := alice.GetAttributeValues("objectClass"); !slices.Contains(got, "user") || !slices.Contains(got, "person") {
		t.Errorf("objectClass = %q, want user and person", got)
	}
	if got := alice.GetAttributeValue("pwdLastSet"); got != "" {
		t.Errorf("unrequested attribute pwdLastSet returned: %q", got)
	}
}

func TestDirectory_StartTLSModeRequiresTLS(t *testing.T) {
	d, err := ldaptest.Start(ldaptest.Config{StartTLS: true, Users: ldaptest.Contoso()})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if !strings.HasPrefix(d.URL(), "ldap://") {
		t.Fatalf("URL() = %q, want ldap://", d.URL())
	}

	plain, err := ldap.DialURL(d.URL())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer plain.Close()
	if got := resultCode(plain.Bind("alice@contoso.com", "Alice-Passw0rd!")); got != ldap.LDAPResultStrongAuthRequired {
		t.Fatalf("bind before StartTLS: code %d, want 8", got)
	}

	conn, err := ldap.DialURL(d.URL())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	if err := conn.StartTLS(&tls.Config{RootCAs: d.RootCAs(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}); err != nil {
		t.Fatalf("StartTLS: %v", err)
	}
	if err := conn.Bind("alice@contoso.com", "Alice-Passw0rd!"); err != nil {
		t.Fatalf("bind after StartTLS: %v", err)
	}
	if cfg := d.ClientConfig(); !cfg.StartTLS {
		t.Error("ClientConfig().StartTLS = false in StartTLS mode")
	}
}

func TestDirectory_RefusesOldTLS(t *testing.T) {
	d := ldaptest.NewT(t)
	_, err := ldap.DialURL(d.URL(), ldap.DialWithTLSConfig(&tls.Config{
		RootCAs: d.RootCAs(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11,
	}))
	if err == nil {
		t.Fatal("TLS 1.1 handshake succeeded, want refusal")
	}
}

func TestDirectory_CloseCutsIdleClients(t *testing.T) {
	d, err := ldaptest.Start(ldaptest.Config{Users: ldaptest.Contoso()})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	idle := dialService(t, d) // an idle, bound connection must not block Close

	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := idle.Bind(d.BindDN(), d.BindPassword()); err == nil {
		t.Fatal("bind on a connection cut by Close succeeded")
	}
	if _, err := net.Dial("tcp", strings.TrimPrefix(d.URL(), "ldaps://")); err == nil {
		t.Fatal("listener still accepts connections after Close")
	}
}

func TestDirectory_DropConnectionsKeepsServing(t *testing.T) {
	d := ldaptest.NewT(t)
	old := dialService(t, d)
	if n := d.DropConnections(); n < 1 {
		t.Fatalf("DropConnections() = %d, want >= 1", n)
	}
	if err := old.Bind(d.BindDN(), d.BindPassword()); err == nil {
		t.Fatal("bind on a dropped connection succeeded")
	}
	dialService(t, d) // a new connection still works
}

func TestStart_RejectsBadConfig(t *testing.T) {
	valid := func() ldaptest.Config { return ldaptest.Config{Users: ldaptest.Contoso()} }
	tests := []struct {
		name   string
		mutate func(*ldaptest.Config)
		want   string
	}{
		{"bad base DN", func(c *ldaptest.Config) { c.BaseDN = "not a dn" }, "BaseDN"},
		{"bad bind DN", func(c *ldaptest.Config) { c.BindDN = "=,=" }, "BindDN"},
		{"user outside base", func(c *ldaptest.Config) { c.Users[0].DN = "CN=X,DC=fabrikam,DC=com" }, "not under BaseDN"},
		{"duplicate UPN", func(c *ldaptest.Config) { c.Users[1].UPN = "ALICE@contoso.com" }, "UPN"},
		{"duplicate DN", func(c *ldaptest.Config) { c.Users[1].DN = c.Users[0].DN }, "DN"},
		{"short GUID", func(c *ldaptest.Config) { c.Users[0].ObjectGUID = []byte{1, 2, 3} }, "ObjectGUID"},
		{"bad address", func(c *ldaptest.Config) { c.Addr = "127.0.0.1" }, "Addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.mutate(&cfg)
			d, err := ldaptest.Start(cfg)
			if err == nil {
				_ = d.Close()
				t.Fatal("Start succeeded, want error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestDirectory_AccessorsAndCopies(t *testing.T) {
	d := ldaptest.NewT(t, ldaptest.User{DN: "CN=NoGUID,CN=Users,DC=contoso,DC=com", UPN: "noguid@contoso.com", Password: "x"})
	users := d.Users()
	if len(users) != 1 || len(users[0].ObjectGUID) != 16 {
		t.Fatalf("Users() = %+v, want one user with a derived 16-byte GUID", users)
	}
	again := d.Users()[0].ObjectGUID
	users[0].ObjectGUID[0] ^= 0xff
	if bytes.Equal(users[0].ObjectGUID, again) {
		t.Error("Users() returned shared GUID storage")
	}
	if !bytes.Contains(d.CACertPEM(), []byte("BEGIN CERTIFICATE")) {
		t.Error("CACertPEM() is not PEM")
	}
	cfg := d.ClientConfig()
	if err := cfg.Validate(); err != nil {
		t.Errorf("ClientConfig().Validate() = %v", err)
	}
	if cfg.URLs[0] != d.URL() || cfg.BaseDN != d.BaseDN() || cfg.BindDN != d.BindDN() || cfg.BindPassword != d.BindPassword() {
		t.Errorf("ClientConfig() = %+v does not match the directory", cfg)
	}
}

func TestContoso_IsDeterministic(t *testing.T) {
	a, b := ldaptest.Contoso(), ldaptest.Contoso()
	if len(a) != 4 {
		t.Fatalf("Contoso() has %d users, want 4", len(a))
	}
	want := map[string]string{"alice": "RW+aKiwLHUqeP11se4qfAQ==", "bob": "JLX2E74/mk2m9Jf30wGM3Q=="}
	for i := range a {
		if !bytes.Equal(a[i].ObjectGUID, b[i].ObjectGUID) {
			t.Errorf("%s: GUID differs between calls", a[i].SAMAccountName)
		}
		if w, ok := want[a[i].SAMAccountName]; ok {
			if got := base64.StdEncoding.EncodeToString(a[i].ObjectGUID); got != w {
				t.Errorf("%s ImmutableID = %s, want %s", a[i].SAMAccountName, got, w)
			}
		}
		if !slices.Contains(a[i].MemberOf, ldaptest.O365UsersGroup) {
			t.Errorf("%s is not in %s", a[i].SAMAccountName, ldaptest.O365UsersGroup)
		}
		if wantDN := fmt.Sprintf("CN=%s,CN=Users,DC=contoso,DC=com", a[i].DisplayName); a[i].DN != wantDN {
			t.Errorf("DN = %q, want %q", a[i].DN, wantDN)
		}
	}
	if !a[2].Disabled || !a[3].PasswordExpired {
		t.Error("carol must be disabled and dave's password expired")
	}
}
