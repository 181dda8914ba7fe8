package demo

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/fedgate/fedgate/idp/o365"
	"github.com/fedgate/fedgate/ldapauth/adlab"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
)

// directory is what the generated config and the simulated Microsoft
// Online need from the demo's user directory: the in-process ldaptest
// directory (default) or a real Active Directory described by an adlab env
// file (--directory-env).
type directory struct {
	// Description names the directory in the banner and the config.
	Description string
	// URLs, StartTLS, CAPEM, BindDN, BindPassword and BaseDN become the
	// config's directory: section. BindPassword is a secret: it only ever
	// goes to a 0600 file.
	URLs         []string
	StartTLS     bool
	CAPEM        []byte
	BindDN       string
	BindPassword string
	BaseDN       string
	// Domain is the federated domain: the UPN suffix of the users.
	Domain string
	// Users are the cloud users the simulated Microsoft Online knows.
	Users []o365.CloudUser
	// Accounts are the banner's account lines.
	Accounts []bannerAccount

	// inProcess is the running ldaptest directory, nil for a real AD.
	inProcess *ldaptest.Directory
}

// bannerAccount is one account line of the banner. Password is set only
// for accounts whose password the demo itself created.
type bannerAccount struct {
	UPN, Password, Note string
}

// openDirectory starts the in-process directory, or, when envFile is set,
// reads the lab's env file and syncs its users.
func openDirectory(ctx context.Context, envFile string, log *slog.Logger) (*directory, error) {
	if envFile == "" {
		return startInProcessDirectory(log)
	}
	env, err := adlab.Load(envFile)
	if err != nil {
		return nil, fmt.Errorf("demo: --directory-env %s: %w", envFile, err)
	}
	return labDirectory(ctx, env, log)
}

// startInProcessDirectory starts ldaptest with the Contoso accounts.
func startInProcessDirectory(log *slog.Logger) (*directory, error) {
	dir, err := ldaptest.Start(ldaptest.Config{Users: ldaptest.Contoso(), Logger: log.With("component", "demo-directory")})
	if err != nil {
		return nil, fmt.Errorf("demo: directory: %w", err)
	}
	d := &directory{
		Description:  "the demo's in-process directory at " + dir.URL() + " (a new port each run)",
		URLs:         []string{dir.URL()},
		CAPEM:        dir.CACertPEM(),
		BindDN:       dir.BindDN(),
		BindPassword: dir.BindPassword(),
		BaseDN:       dir.BaseDN(),
		Domain:       FederatedDomain,
		inProcess:    dir,
	}
	for _, u := range dir.Users() {
		d.Users = append(d.Users, o365.CloudUser{UPN: u.UPN, ImmutableID: o365.ImmutableID(u.ObjectGUID), DisplayName: u.DisplayName})
	}
	for _, u := range ldaptest.Contoso() {
		note := ""
		switch {
		case u.Disabled:
			note = "disabled: refused"
		case u.PasswordExpired:
			note = "password expired: told to change it"
		}
		d.Accounts = append(d.Accounts, bannerAccount{UPN: u.UPN, Password: u.Password, Note: note})
	}
	return d, nil
}

// labDirectory points the demo at the AD an adlab env file describes: its
// LDAPS URL first, then its StartTLS URL, the lab CA and service account;
// users are synced from it the way Entra Connect would have.
func labDirectory(ctx context.Context, env *adlab.Env, log *slog.Logger) (*directory, error) {
	caPEM, err := readLimited(env.CAFile, maxCAFile)
	if err != nil {
		return nil, fmt.Errorf("demo: --directory-env: CA file %s: %w", env.CAFile, err)
	}
	domain := strings.ToLower(env.UPNSuffix)
	users, err := syncCloudUsers(ctx, syncSource{
		URL: env.LDAPSURL, TLS: env.TLSConfig(), BindDN: env.BindDN, BindPassword: env.BindPassword,
		BaseDN: env.BaseDN, Domain: domain,
	}, log.With("component", "demo-sync"))
	if err != nil {
		return nil, fmt.Errorf("demo: --directory-env: %w", err)
	}
	d := &directory{
		Description:  "Active Directory at " + redactURL(env.LDAPSURL),
		URLs:         []string{env.LDAPSURL, env.StartTLSURL},
		StartTLS:     true,
		CAPEM:        caPEM,
		BindDN:       env.BindDN,
		BindPassword: env.BindPassword,
		BaseDN:       env.BaseDN,
		Domain:       domain,
		Users:        users,
	}
	for _, u := range users {
		d.Accounts = append(d.Accounts, bannerAccount{UPN: u.UPN})
	}
	return d, nil
}

// maxCAFile bounds the directory CA bundle copied into the data directory.
const maxCAFile = 1 << 20

// redactURL drops any user information from an LDAP URL before it is
// printed; adlab URLs carry none, but the banner must never show one.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// Close stops the in-process directory, if any.
func (d *directory) Close() error {
	if d == nil || d.inProcess == nil {
		return nil
	}
	return d.inProcess.Close()
}
