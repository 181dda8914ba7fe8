package bindbench

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"

	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/adlab"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

// LdaptestTarget measures d (Contoso users) as alice.
func LdaptestTarget(d *ldaptest.Directory) Target {
	var alice ldaptest.User
	for _, u := range d.Users() {
		if u.SAMAccountName == "alice" {
			alice = u
		}
	}
	return Target{
		Name:   "ldaptest",
		Config: d.ClientConfig(),
		URL:    d.URL(),
		TLS:    &tls.Config{RootCAs: d.RootCAs(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12},
		User:   alice.UPN, UserDN: alice.DN, Password: alice.Password,
	}
}

// SambaTarget measures the Samba lab of env as alice, whose DN it looks up
// with a throwaway Client.
func SambaTarget(ctx context.Context, env *adlab.Env) (Target, error) {
	user := "alice@" + env.UPNSuffix
	c, err := ldapauth.New(env.Config())
	if err != nil {
		return Target{}, fmt.Errorf("bindbench: %w", err)
	}
	defer c.Close()
	u, err := c.Lookup(ctx, user)
	if err != nil {
		return Target{}, fmt.Errorf("bindbench: look up %s: %w", user, err)
	}
	return Target{
		Name:   "samba",
		Config: env.Config(),
		URL:    env.LDAPSURL,
		TLS:    env.TLSConfig(),
		User:   user, UserDN: u.DN, Password: env.Password("alice"),
	}, nil
}

// SambaFromEnv loads the lab named by FEDGATE_AD_ENV; ok is false when the
// variable is unset.
func SambaFromEnv() (env *adlab.Env, ok bool, err error) {
	path := os.Getenv(adlab.EnvVar)
	if path == "" {
		return nil, false, nil
	}
	env, err = adlab.Load(path)
	if err != nil {
		return nil, true, fmt.Errorf("bindbench: %w", err)
	}
	return env, true, nil
}
