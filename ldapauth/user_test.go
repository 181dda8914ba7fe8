package ldapauth

import (
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestUserFromEntry_ImmutableIDSource(t *testing.T) {
	guid := string([]byte{0x45, 0x6f, 0x9a, 0x2a, 0x2c, 0x0b, 0x1d, 0x4a, 0x9e, 0x3f, 0x5d, 0x6c, 0x7b, 0x8a, 0x9f, 0x01})
	entry := func(attrs map[string][]string) *ldap.Entry {
		return ldap.NewEntry("CN=Alice,DC=contoso,DC=com", attrs)
	}
	tests := []struct {
		name    string
		source  string
		attrs   map[string][]string
		want    string
		wantErr string
	}{
		{"objectGUID", ImmutableIDObjectGUID, map[string][]string{"objectGUID": {guid}}, "RW+aKiwLHUqeP11se4qfAQ==", ""},
		{"objectGUID ignores ConsistencyGuid", ImmutableIDObjectGUID,
			map[string][]string{"objectGUID": {guid}, "mS-DS-ConsistencyGuid": {"fedgate-lab-guid"}}, "RW+aKiwLHUqeP11se4qfAQ==", ""},
		{"ConsistencyGuid", ImmutableIDConsistencyGUID,
			map[string][]string{"objectGUID": {guid}, "ms-ds-consistencyguid": {"fedgate-lab-guid"}}, "ZmVkZ2F0ZS1sYWItZ3VpZA==", ""},
		{"ConsistencyGuid empty falls back", ImmutableIDConsistencyGUID, map[string][]string{"objectGUID": {guid}}, "RW+aKiwLHUqeP11se4qfAQ==", ""},
		{"ConsistencyGuid malformed", ImmutableIDConsistencyGUID,
			map[string][]string{"objectGUID": {guid}, "mS-DS-ConsistencyGuid": {"short"}}, "", "mS-DS-ConsistencyGuid has 5 bytes"},
		{"objectGUID missing", ImmutableIDConsistencyGUID, map[string][]string{"mS-DS-ConsistencyGuid": {"fedgate-lab-guid"}}, "", "objectGUID has 0 bytes"},
		{"userAccountControl not a number", ImmutableIDObjectGUID,
			map[string][]string{"objectGUID": {guid}, "userAccountControl": {"x"}}, "", "userAccountControl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := userFromEntry(entry(tt.attrs), tt.source)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("userFromEntry error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("userFromEntry: %v", err)
			}
			if u.ImmutableID != tt.want {
				t.Errorf("ImmutableID = %q, want %q", u.ImmutableID, tt.want)
			}
		})
	}
}

func TestUserAttributes_FollowConfig(t *testing.T) {
	base := userAttributes(validConfig().withDefaults())
	for _, a := range []string{"memberOf", ImmutableIDConsistencyGUID, "tokenGroups"} {
		for _, got := range base {
			if got == a {
				t.Errorf("default search requests %s", a)
			}
		}
	}
	cfg := validConfig()
	cfg.ImmutableIDSource = "MS-DS-CONSISTENCYGUID"
	cfg.GroupLookup = GroupLookupMemberOf
	got := strings.Join(userAttributes(cfg.withDefaults()), ",")
	if !strings.Contains(got, ImmutableIDConsistencyGUID) || !strings.Contains(got, "memberOf") {
		t.Errorf("attributes = %s, want mS-DS-ConsistencyGuid and memberOf", got)
	}
}
