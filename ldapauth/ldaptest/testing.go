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

// StartT starts a directory with cfg and closes it when the test ends. It
// fails the test if the directory cannot start.
func StartT(t testing.TB, cfg Config) *Directory {
	t.Helper()
	d, err := Start(cfg)
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

// NewRelayT starts a Relay to target and closes it when the test ends.
func NewRelayT(t testing.TB, target string) *Relay {
	t.Helper()
	r, err := StartRelay(target)
	if err != nil {
		t.Fatalf("ldaptest: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}
