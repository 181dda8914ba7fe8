package demo_test

import (
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/internal/testclock"
)

// TestDemo_StoredRelyingPartyIsServedWithoutRestart adds a SAML 2.0 trust
// to the running node's store (what `fedgate rp add` does from another
// process or another farm node), lets the node refresh, and signs in at
// it; removing it refuses the SP again. No restart in between.
func TestDemo_StoredRelyingPartyIsServedWithoutRestart(t *testing.T) {
	const (
		entity = "https://stored-sp.example.test/metadata"
		acs    = "https://stored-sp.example.test/acs"
	)
	clk := testclock.New(time.Now().UTC())
	d, _ := startDemo(t, clk)
	signInPage := func() bool {
		t.Helper()
		return newBrowser(t, d).get(d.FedgateURL + "/adfs/ls/?" + redirectQuery(t, entity, clk.Now())).Has("loginForm")
	}
	if signInPage() {
		t.Fatal("an SP that is in no trust got the sign-in form")
	}

	def, err := yaml.Marshal(rp.Definition{Name: "Stored SP", Protocol: string(rp.SAML2), Metadata: spMetadata(entity, acs), MFA: "always"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := d.App.Store.PutRelyingParty(ctx, store.RelyingPartyRecord{
		Name: "Stored SP", Protocol: string(rp.SAML2), Identifiers: []string{entity}, Definition: def, UpdatedAt: clk.Now(),
	}); err != nil {
		t.Fatal(err)
	}
	if err := d.App.Refresher.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !signInPage() {
		t.Fatal("the stored trust was not picked up")
	}
	if _, err := d.App.Parties.Lookup(entity); err != nil {
		t.Fatalf("the node's registry does not have the stored party: %v", err)
	}

	if err := d.App.Store.DeleteRelyingParty(ctx, "Stored SP"); err != nil {
		t.Fatal(err)
	}
	if err := d.App.Refresher.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if signInPage() {
		t.Fatal("a removed trust still gets the sign-in form")
	}
}
