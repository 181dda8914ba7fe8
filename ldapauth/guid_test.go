package ldapauth_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

func TestLookupObjectGUIDs(t *testing.T) {
	users := ldaptest.Contoso()
	// A GUID full of filter metacharacters must match only itself.
	tricky := ldaptest.User{DN: "CN=Tricky,CN=Users,DC=contoso,DC=com", UPN: "tricky@contoso.com", SAMAccountName: "tricky", Password: "x",
		ObjectGUID: []byte("*)(|(cn=*)\\\x00abcd")}
	d := ldaptest.NewT(t, append(users, tricky)...)
	c := newClient(t, d, nil)
	unknown := bytes.Repeat([]byte{0xee}, 16)

	tests := []struct {
		name  string
		guids [][]byte
		want  []string // UPNs, sorted
	}{
		{"none", nil, nil},
		{"one", [][]byte{users[0].ObjectGUID}, []string{"alice@contoso.com"}},
		{"several and an unknown one", [][]byte{users[1].ObjectGUID, unknown, users[0].ObjectGUID}, []string{"alice@contoso.com", "bob@contoso.com"}},
		{"metacharacters are literal", [][]byte{tricky.ObjectGUID}, []string{"tricky@contoso.com"}},
		{"unknown only", [][]byte{unknown}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.LookupObjectGUIDs(t.Context(), tt.guids)
			if err != nil {
				t.Fatal(err)
			}
			var upns []string
			for _, u := range got {
				upns = append(upns, u.UPN)
				if u.Groups != nil || len(u.ObjectGUID) != 16 {
					t.Errorf("user %+v", u)
				}
			}
			slices.Sort(upns)
			if !slices.Equal(upns, tt.want) {
				t.Fatalf("LookupObjectGUIDs = %q, want %q", upns, tt.want)
			}
		})
	}
}

func TestLookupObjectGUIDs_BatchesLargeLists(t *testing.T) {
	d := ldaptest.NewT(t)
	c := newClient(t, d, nil)
	guids := make([][]byte, 150)
	for i := range guids {
		guids[i] = bytes.Repeat([]byte{byte(i)}, 16)
	}
	guids[149] = ldaptest.Contoso()[1].ObjectGUID
	before := d.Searches()
	got, err := c.LookupObjectGUIDs(t.Context(), guids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].UPN != "bob@contoso.com" {
		t.Fatalf("got %d users", len(got))
	}
	if n := d.Searches() - before; n != 3 {
		t.Fatalf("%d searches for 150 GUIDs, want 3", n)
	}
}

func TestLookupObjectGUIDs_Failures(t *testing.T) {
	d := ldaptest.NewT(t)
	c := newClient(t, d, nil)
	before := d.Searches()
	_, err := c.LookupObjectGUIDs(t.Context(), [][]byte{make([]byte, 16), make([]byte, 15)})
	if err == nil || !strings.Contains(err.Error(), "objectGUID 1 has 15 bytes") || d.Searches() != before {
		t.Fatalf("err = %v after %d searches", err, d.Searches()-before)
	}
	down := newClient(t, d, func(cfg *ldapauth.Config) { cfg.URLs = []string{closedPortURL(t)} })
	if _, err := down.LookupObjectGUIDs(t.Context(), [][]byte{make([]byte, 16)}); !errors.Is(err, ldapauth.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}
