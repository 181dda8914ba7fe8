package adlab

import (
	"context"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Environment variables read by Require.
const (
	// EnvVar names the env file written by deploy/samba-ad-lab.sh.
	EnvVar = "FEDGATE_AD_ENV"
	// RequiredVar set to "1" makes a missing lab a test failure (CI).
	RequiredVar = "FEDGATE_AD_REQUIRED"
)

// dialTimeout bounds Unlock's connection to the lab.
const dialTimeout = 5 * time.Second

// verdict is what Require does, decided from the environment alone.
type verdict struct {
	path string // load this env file
	skip string // or skip with this message
	fail string // or fail with this message
}

func decide(getenv func(string) string) verdict {
	if p := getenv(EnvVar); p != "" {
		return verdict{path: p}
	}
	how := fmt.Sprintf("start the lab with `bash deploy/samba-ad-lab.sh start` and set %s=/tmp/fedgate-ad/env (`make test-ad` does both)", EnvVar)
	if getenv(RequiredVar) == "1" {
		return verdict{fail: fmt.Sprintf("adlab: %s=1 but %s is not set: %s", RequiredVar, EnvVar, how)}
	}
	return verdict{skip: "adlab: Samba AD suite not run: " + how}
}

// Require returns the lab for a test that needs it: it loads the file
// named by FEDGATE_AD_ENV, skips the test when that is unset, and fails it
// instead when FEDGATE_AD_REQUIRED=1 or the file is unusable.
func Require(t testing.TB) *Env {
	t.Helper()
	v := decide(os.Getenv)
	switch {
	case v.fail != "":
		t.Fatal(v.fail)
	case v.skip != "":
		t.Skip(v.skip)
	}
	env, err := Load(v.path)
	if err != nil {
		t.Fatalf("%s=%s: %v", EnvVar, v.path, err)
	}
	return env
}

// Unlock clears AD's lockout of the account at dn, as an administrator
// does: it writes lockoutTime 0 over LDAPS as the lab's admin.
func (e *Env) Unlock(ctx context.Context, dn string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("adlab: unlock %s: %w", dn, err)
	}
	conn, err := ldap.DialURL(e.LDAPSURL, ldap.DialWithTLSConfig(e.TLSConfig()),
		ldap.DialWithDialer(&net.Dialer{Timeout: dialTimeout}))
	if err != nil {
		return fmt.Errorf("adlab: unlock %s: %w", dn, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	if err := conn.Bind(e.AdminDN, e.AdminPassword); err != nil {
		return fmt.Errorf("adlab: unlock %s: admin bind: %w", dn, err)
	}
	req := ldap.NewModifyRequest(dn, nil)
	req.Replace("lockoutTime", []string{"0"})
	if err := conn.Modify(req); err != nil {
		return fmt.Errorf("adlab: unlock %s: %w", dn, err)
	}
	return nil
}
