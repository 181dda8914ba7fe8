package wstrust_test

import (
	"bytes"
	"testing"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/wstrust"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

// TestUsernameMixed_AccessRules: the party's group-based access applies to
// rich clients as it does in the browser. A refused user gets the generic
// access-denied fault, the audit trail says access_denied, and the right
// password counts as a good one for extranet lockout.
func TestUsernameMixed_AccessRules(t *testing.T) {
	tests := []struct {
		name   string
		access claims.Access
		permit bool
	}{
		{"member of a permit group", claims.Access{PermitGroups: []string{ldaptest.O365UsersGroup}}, true},
		{"not in any permit group", claims.Access{PermitGroups: []string{"CN=Finance,CN=Users,DC=contoso,DC=com"}}, false},
		{"in a deny group", claims.Access{DenyGroups: []string{"cn=o365 users,cn=users,dc=contoso,dc=com"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			office := rp.Office365(rp.MFAAlways)
			office.Access = tt.access
			parties, err := rp.NewRegistry(office)
			if err != nil {
				t.Fatal(err)
			}
			env := newTestEnv(t, func(c *wstrust.Config) { c.Parties = parties })
			res := env.post(t, wstrust.Trust13, bytes.NewReader(env.msal(wstrust.Trust13, aliceUPN, alicePass).bytes()))
			if tt.permit {
				env.checkToken(t, res)
				return
			}
			assertFault(t, res, 500, "s:Sender", wstrust.NSTrust13, "FailedAuthentication", "MSIS7068: Access denied.")
			assertAudit(t, env, "failure", "access_denied")
			if got := env.lockout.outcomes(); got != [3]int{0, 1, 0} {
				t.Errorf("lockout outcomes (failure, success, release) = %v, want the good password recorded", got)
			}
		})
	}
}
