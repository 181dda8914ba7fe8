package ldapauth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func validConfig() Config {
	return Config{
		URLs:         []string{"ldaps://dc1.contoso.com:636", "ldaps://dc2.contoso.com"},
		BindDN:       "CN=svc-fedgate,CN=Users,DC=contoso,DC=com",
		BindPassword: "Svc-Passw0rd!",
		BaseDN:       "DC=contoso,DC=com",
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string // substrings of the error; nil = valid
	}{
		{"valid", func(*Config) {}, nil},
		{"StartTLS with ldap://", func(c *Config) { c.URLs = []string{"ldap://dc1:389"}; c.StartTLS = true }, nil},
		{"StartTLS leaves ldaps:// alone", func(c *Config) { c.StartTLS = true }, nil},
		{"custom filter", func(c *Config) { c.UserFilter = "(&(objectClass=user)(mail={username}))" }, nil},
		{"no URLs", func(c *Config) { c.URLs = nil }, []string{"URLs: at least one"}},
		{"plain ldap", func(c *Config) { c.URLs = []string{"ldap://dc1:389"} }, []string{`URLs[0] "ldap://dc1:389"`, "StartTLS"}},
		{"unknown scheme", func(c *Config) { c.URLs[1] = "ldapx://dc2" }, []string{`URLs[1] "ldapx://dc2"`, `scheme "ldapx"`}},
		{"credentials in URL", func(c *Config) { c.URLs[0] = "ldaps://u:p@dc1" }, []string{"URLs[0]", "credentials"}},
		{"path in URL", func(c *Config) { c.URLs[0] = "ldaps://dc1/DC=contoso,DC=com" }, []string{"URLs[0]", "paths"}},
		{"no host", func(c *Config) { c.URLs[0] = "ldaps://:636" }, []string{"URLs[0]", "host"}},
		{"bad port", func(c *Config) { c.URLs[0] = "ldaps://dc1:99999" }, []string{"URLs[0]", "port"}},
		{"no BindDN", func(c *Config) { c.BindDN = "" }, []string{"BindDN"}},
		{"bad BindDN", func(c *Config) { c.BindDN = "svc-fedgate" }, []string{"BindDN", "valid DN"}},
		{"no BindPassword", func(c *Config) { c.BindPassword = "" }, []string{"BindPassword", "anonymous"}},
		{"no BaseDN", func(c *Config) { c.BaseDN = " " }, []string{"BaseDN"}},
		{"filter without placeholder", func(c *Config) { c.UserFilter = "(uid=alice)" }, []string{"UserFilter", "{username}"}},
		{"filter does not parse", func(c *Config) { c.UserFilter = "(uid={username}" }, []string{"UserFilter", "not a valid LDAP filter"}},
		{"insecure plaintext allowed only with the flag", func(c *Config) { c.URLs = []string{"ldap://dc1"}; c.InsecurePlaintextLDAP = true }, nil},
		{"alternate login ID", func(c *Config) { c.AlternateLoginID = "mail" }, nil},
		{"alternate login ID not an attribute", func(c *Config) { c.AlternateLoginID = "mail)(uid=*" }, []string{"AlternateLoginID", "not an attribute name"}},
		{"alternate login ID already matched", func(c *Config) { c.AlternateLoginID = "userprincipalname" }, []string{"AlternateLoginID", "already matched"}},
		{"alternate login ID with custom filter", func(c *Config) {
			c.AlternateLoginID = "mail"
			c.UserFilter = "(&(objectClass=user)(cn={username}))"
		}, []string{"AlternateLoginID", "UserFilter", "(mail={username})"}},
		{"ImmutableIDSource objectGUID", func(c *Config) { c.ImmutableIDSource = "objectGUID" }, nil},
		{"ImmutableIDSource ConsistencyGuid any case", func(c *Config) { c.ImmutableIDSource = "ms-DS-ConsistencyGuid" }, nil},
		{"ImmutableIDSource unknown", func(c *Config) { c.ImmutableIDSource = "employeeID" }, []string{"ImmutableIDSource", `"employeeID"`, "objectGUID"}},
		{"GroupLookup in_chain", func(c *Config) { c.GroupLookup = GroupLookupInChain }, nil},
		{"GroupLookup unknown", func(c *Config) { c.GroupLookup = "nested" }, []string{"GroupLookup", "token_groups"}},
		{"MaxGroups too big", func(c *Config) { c.MaxGroups = MaxMaxGroups + 1 }, []string{"MaxGroups"}},
		{"negative MaxGroups", func(c *Config) { c.MaxGroups = -1 }, []string{"MaxGroups"}},
		{"negative AcquireTimeout", func(c *Config) { c.AcquireTimeout = -time.Second }, []string{"AcquireTimeout"}},
		{"negative RetryInterval", func(c *Config) { c.RetryInterval = -time.Second }, []string{"RetryInterval"}},
		{"negative DialTimeout", func(c *Config) { c.DialTimeout = -time.Second }, []string{"DialTimeout"}},
		{"negative Timeout", func(c *Config) { c.Timeout = -time.Second }, []string{"Timeout"}},
		{"PoolSize too big", func(c *Config) { c.PoolSize = MaxPoolSize + 1 }, []string{"PoolSize"}},
		{"negative PoolSize", func(c *Config) { c.PoolSize = -1 }, []string{"PoolSize"}},
		{"extra attributes", func(c *Config) { c.ExtraAttributes = []string{"department", "givenName", "employeeID"} }, nil},
		{"extra attribute not a name", func(c *Config) { c.ExtraAttributes = []string{"dept)(x=*"} }, []string{"ExtraAttributes[0]", "not an LDAP attribute name"}},
		{"extra attribute is a secret", func(c *Config) { c.ExtraAttributes = []string{"department", "unicodePwd"} }, []string{"ExtraAttributes[1]", "secret"}},
		{"extra attribute is LAPS", func(c *Config) { c.ExtraAttributes = []string{"ms-Mcs-AdmPwd"} }, []string{"ExtraAttributes[0]", "secret"}},
		{"extra attribute is userPassword any case", func(c *Config) { c.ExtraAttributes = []string{"USERPASSWORD"} }, []string{"secret"}},
		{"extra attribute is binary", func(c *Config) { c.ExtraAttributes = []string{"thumbnailPhoto"} }, []string{"ExtraAttributes[0]", "binary"}},
		{"extra attribute always read", func(c *Config) { c.ExtraAttributes = []string{"mail"} }, []string{"ExtraAttributes[0]", "always read"}},
		{"extra attribute memberOf", func(c *Config) { c.ExtraAttributes = []string{"memberOf"} }, []string{"always read"}},
		{"extra attribute repeated", func(c *Config) { c.ExtraAttributes = []string{"department", "Department"} }, []string{"ExtraAttributes[1]", "repeats ExtraAttributes[0]"}},
		{"too many extra attributes", func(c *Config) {
			for i := range MaxExtraAttributes + 1 {
				c.ExtraAttributes = append(c.ExtraAttributes, "extensionAttribute"+string(rune('a'+i%26))+string(rune('a'+i/26)))
			}
		}, []string{"ExtraAttributes: 33 attributes"}},
		{"reports every problem", func(c *Config) { c.URLs = nil; c.BindPassword = ""; c.BaseDN = "" },
			[]string{"URLs", "BindPassword", "BaseDN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			tt.mutate(&cfg)
			err := cfg.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate() = nil, want error")
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Validate() = %q, missing %q", err, s)
				}
			}
			if !strings.HasPrefix(err.Error(), "ldapauth: ") {
				t.Errorf("Validate() = %q, want the ldapauth: prefix", err)
			}
			if _, err := New(cfg); err == nil {
				t.Error("New accepted a config that Validate rejects")
			}
		})
	}
}

func TestConfig_DefaultsAndSecretsInErrors(t *testing.T) {
	cfg := validConfig().withDefaults()
	if cfg.UserFilter != DefaultUserFilter || cfg.DialTimeout != DefaultDialTimeout ||
		cfg.Timeout != DefaultTimeout || cfg.PoolSize != DefaultPoolSize || cfg.Logger == nil ||
		cfg.AcquireTimeout != DefaultAcquireTimeout || cfg.RetryInterval != DefaultRetryInterval ||
		cfg.MaxGroups != DefaultMaxGroups || cfg.GroupLookup != GroupLookupTokenGroups ||
		cfg.ImmutableIDSource != ImmutableIDObjectGUID || cfg.Now == nil {
		t.Errorf("withDefaults() = %+v", cfg)
	}
	alt := validConfig()
	alt.AlternateLoginID = "mail"
	alt.ImmutableIDSource = "MS-DS-CONSISTENCYGUID"
	alt = alt.withDefaults()
	if want := "(&(objectClass=user)(|(userPrincipalName={username})(sAMAccountName={username})(mail={username})))"; alt.UserFilter != want {
		t.Errorf("UserFilter with AlternateLoginID = %s, want %s", alt.UserFilter, want)
	}
	if alt.ImmutableIDSource != ImmutableIDConsistencyGUID {
		t.Errorf("ImmutableIDSource = %q, want the canonical %q", alt.ImmutableIDSource, ImmutableIDConsistencyGUID)
	}
	bad := validConfig()
	bad.URLs = []string{"ldap://dc1"}
	bad.BindDN = "bad"
	if err := bad.Validate(); err == nil || strings.Contains(err.Error(), bad.BindPassword) {
		t.Errorf("Validate() = %v: must fail and never echo the password", err)
	}
}

func TestNew_DoesNoIO(t *testing.T) {
	cfg := validConfig()
	cfg.URLs = []string{"ldaps://192.0.2.1:636"} // TEST-NET-1: would hang if dialed
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err = c.Lookup(t.Context(), "alice")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Lookup after Close = %v, want ErrUnavailable", err)
	}
}
