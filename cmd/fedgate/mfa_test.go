package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/fedgate/fedgate/cmd/internal/demo"
)

// TestMFA_ListAndReset enrolls a user through the real MFA service on the
// demo's store, then lists and resets it with `fedgate mfa`.
func TestMFA_ListAndReset(t *testing.T) {
	d, err := demo.Start(t.Context(), demo.Options{Listen: "127.0.0.1:0", MSOnlineListen: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	enr, err := d.App.MFA.NewEnrollment(t.Context(), "RW+aKiwLHUqeP11se4qfAQ==", "alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(enr.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.App.MFA.Confirm(t.Context(), "RW+aKiwLHUqeP11se4qfAQ==", "alice@contoso.com", enr.Secret, code); err != nil {
		t.Fatal(err)
	}

	var out, errOut bytes.Buffer
	if rc := run(t.Context(), []string{"mfa", "list", "--config", d.ConfigPath}, &out, &errOut); rc != 0 {
		t.Fatalf("list: exit %d: %s", rc, errOut.String())
	}
	if !strings.Contains(out.String(), "RW+aKiwLHUqeP11se4qfAQ==") || !strings.Contains(out.String(), "alice@contoso.com") {
		t.Fatalf("list output: %s", out.String())
	}
	if strings.Contains(out.String(), enr.Secret) {
		t.Fatal("list printed the TOTP seed")
	}
	out.Reset()
	if rc := run(t.Context(), []string{"mfa", "reset", "--config", d.ConfigPath, "RW+aKiwLHUqeP11se4qfAQ=="}, &out, &errOut); rc != 0 {
		t.Fatalf("reset: exit %d: %s", rc, errOut.String())
	}
	if enrolled, err := d.App.MFA.Enrolled(t.Context(), "RW+aKiwLHUqeP11se4qfAQ=="); err != nil || enrolled {
		t.Fatalf("still enrolled after reset: %v %v", enrolled, err)
	}
	events, err := d.App.Store.ListAudit(t.Context(), time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if e := events[len(events)-1]; e.Result != auditMFAReset || e.Protocol != auditProtocolAdmin ||
		e.User != "RW+aKiwLHUqeP11se4qfAQ==" || e.Reason != "operator="+adminOperator() {
		t.Errorf("last audit event %+v, want the reset and who ran it", e)
	}
	errOut.Reset()
	if rc := run(t.Context(), []string{"mfa", "reset", "--config", d.ConfigPath, "nobody"}, &out, &errOut); rc != 1 || !strings.Contains(errOut.String(), "has no enrollment") {
		t.Fatalf("reset of an unknown user: exit %d: %s", rc, errOut.String())
	}
	if rc := run(t.Context(), []string{"mfa", "frobnicate"}, &out, &errOut); rc != 2 {
		t.Fatalf("unknown verb: exit %d", rc)
	}
}
