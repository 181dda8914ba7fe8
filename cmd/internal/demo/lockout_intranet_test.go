package demo_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/internal/testclock"
)

// TestProxy_LockoutSkipsIntranetSignIns runs the configuration `serve`
// builds (extranet_lockout.intranet defaults to skip) with proxy trust on:
// bad passwords typed inside reach AD and are not counted, so the
// extranet budget stays whole; a locked extranet location does not refuse
// the intranet, and the internal address never becomes familiar.
func TestProxy_LockoutSkipsIntranetSignIns(t *testing.T) {
	p := publish(t, "extranet_only", testclock.New(time.Now().UTC()))
	// attempt submits alice's password from b and reports whether it
	// reached the directory.
	attempt := func(b *browser, pass string) (*page, bool) {
		t.Helper()
		binds := p.d.Directory.Binds()
		pg := b.submit(p.toFedgate(b, "alice@contoso.com"), "loginForm", map[string]string{"UserName": "alice@contoso.com", "Password": pass})
		return pg, p.d.Directory.Binds() > binds
	}
	inside := p.browserAt(t, insideIP, false)
	for i := range 2 * lockout.DefaultThreshold {
		pg, reached := attempt(inside, fmt.Sprintf("typo-%d", i))
		if !strings.HasPrefix(pg.Text("error"), "Incorrect") || !reached {
			t.Fatalf("intranet bad password %d: reached the directory %v: %s", i+1, reached, pg.body)
		}
	}
	attacker := p.browserAt(t, attackerIP, true)
	for i := range lockout.DefaultThreshold {
		if _, reached := attempt(attacker, fmt.Sprintf("guess-%d", i)); !reached {
			t.Fatalf("extranet guess %d refused: intranet typos were counted", i+1)
		}
	}
	if pg, reached := attempt(attacker, "Alice-Passw0rd!"); reached || pg.Has("enrollForm") {
		t.Fatalf("the locked extranet location reached the directory: %s", pg.body)
	}
	// extranet_only: inside, the right password is all it takes.
	if pg, reached := attempt(p.browserAt(t, insideIP, false), "Alice-Passw0rd!"); !reached || !pg.Has("autopost") {
		t.Fatalf("intranet sign-in refused while the extranet location is locked: %s", pg.body)
	}
	entries, err := p.d.App.Store.ListLockouts(t.Context(), lockout.MaxList)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].State.Unfamiliar.Count != lockout.DefaultThreshold || slices.Contains(entries[0].State.FamiliarIPs, insideIP) {
		t.Fatalf("lockout state %+v, want one account: the attacker's %d guesses, no intranet address", entries, lockout.DefaultThreshold)
	}
	for _, e := range p.audit(t) {
		if strings.HasPrefix(e.Reason, "extranet_lockout") && e.ClientIP != attackerIP {
			t.Errorf("lockout event %+v for a client other than the attacker", e)
		}
	}
}
