package ldapauth_test

import (
	"slices"
	"testing"

	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

// TestExtraAttributes_ReadWithTheUser: configured extra attributes come
// back in User.Attributes under lower-cased names, from Authenticate,
// Lookup and Resolve alike; attributes not configured never do.
func TestExtraAttributes_ReadWithTheUser(t *testing.T) {
	users := ldaptest.Contoso()
	users[0].Attributes = map[string][]string{
		"department":     {"Finance"},
		"proxyAddresses": {"SMTP:alice@contoso.com", "smtp:a@contoso.com"},
		"employeeID":     {"E-1001"},
	}
	d := ldaptest.StartT(t, ldaptest.Config{Users: users})
	tests := []struct {
		name  string
		extra []string
		want  map[string][]string
	}{
		{"none configured", nil, nil},
		{"configured, any case", []string{"Department", "proxyaddresses", "givenName"}, map[string][]string{
			"department":     {"Finance"},
			"proxyaddresses": {"SMTP:alice@contoso.com", "smtp:a@contoso.com"},
			"givenname":      {"Alice"},
		}},
		{"attribute the user lacks is absent", []string{"telephoneNumber"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, d, func(cfg *ldapauth.Config) { cfg.ExtraAttributes = tt.extra })
			au, err := c.Authenticate(t.Context(), "alice@contoso.com", alicePassword)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			lu, err := c.Lookup(t.Context(), "alice")
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			ru, err := c.Resolve(t.Context(), "alice")
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			for name, u := range map[string]*ldapauth.User{"Authenticate": au, "Lookup": lu, "Resolve": ru} {
				if !equalAttributes(u.Attributes, tt.want) {
					t.Errorf("%s: Attributes = %q, want %q", name, u.Attributes, tt.want)
				}
				if u.Mail != "alice@contoso.com" || u.UPN != "alice@contoso.com" {
					t.Errorf("%s: built-in attributes lost: %+v", name, u)
				}
			}
		})
	}
}

func equalAttributes(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestCheckExtraAttribute_RefusesSecretsAndBinaries is the rule claim
// configuration relies on: no password-bearing attribute can be read.
func TestCheckExtraAttribute_RefusesSecretsAndBinaries(t *testing.T) {
	for _, name := range []string{"userPassword", "unicodePwd", "ms-Mcs-AdmPwd", "msLAPS-Password", "msFVE-RecoveryPassword",
		"supplementalCredentials", "msDS-ManagedPassword", "objectSid", "thumbnailPhoto", "objectGUID", "sAMAccountName"} {
		t.Run(name, func(t *testing.T) {
			if err := ldapauth.CheckExtraAttribute(name); err == nil {
				t.Errorf("CheckExtraAttribute(%q) = nil, want refusal", name)
			}
		})
	}
	for _, name := range []string{"department", "givenName", "employeeID", "extensionAttribute1", "c"} {
		if err := ldapauth.CheckExtraAttribute(name); err != nil {
			t.Errorf("CheckExtraAttribute(%q) = %v", name, err)
		}
	}
}
