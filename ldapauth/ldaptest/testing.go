package ldaptest

import "testing"

// NewT starts a directory serving users (Contoso() when none are given)
// with default settings and closes it when the test ends. It fails the
// test if the directory cannot start.
func NewT(t testing.TB, users ...User) *Directory {
	t.Helper()
	if len(users) == 0 {
		users = Contoso()
	}
	d, err := Start(Config{Users: users})
	if err != nil {
		t.Fatalf("ldaptest: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("ldaptest: close: %v", err)
		}
	})
	return d
}
