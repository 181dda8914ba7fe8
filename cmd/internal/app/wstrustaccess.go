package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/wstrust"
	"github.com/fedgate/fedgate/ldapauth"
)

// wstrustParties returns the trusts the WS-Trust endpoints issue to:
// Office 365 alone (nil when it is off). WS-Trust builds the Office 365
// claim set, so any other WS-Fed party reached through it would bypass
// its own claim rules and access policy; such AppliesTo values are
// refused as unknown instead.
func wstrustParties(all *rp.Registry) (*rp.Registry, *rp.Party, error) {
	office, err := all.Lookup(rp.Office365Realm)
	if err != nil {
		reg, err := rp.NewRegistry()
		return reg, nil, err
	}
	reg, err := rp.NewRegistry(*office)
	if err != nil {
		return nil, nil, err
	}
	office, err = reg.Lookup(rp.Office365Realm)
	return reg, office, err
}

// accessGuard applies Office 365's access policy to WS-Trust sign-ins,
// which the wstrust package does not evaluate itself: a user the policy
// refuses fails like an account AD will not let sign in here (an
// *ldapauth.Error with ReasonWorkstation, which wstrust answers with its
// generic "Access denied" fault and never counts as a bad password). The
// audit record therefore says reason "workstation"; the log line names
// the access decision.
type accessGuard struct {
	dir interface {
		wstrust.Authenticator
		wstrust.UserFinder
	}
	party *rp.Party
	log   *slog.Logger
}

var (
	_ wstrust.Authenticator = (*accessGuard)(nil)
	_ wstrust.UserFinder    = (*accessGuard)(nil)
)

// Authenticate checks the password, then the access policy.
func (g *accessGuard) Authenticate(ctx context.Context, username, password string) (*ldapauth.User, error) {
	u, err := g.dir.Authenticate(ctx, username, password)
	if err != nil {
		return nil, err
	}
	return g.check(ctx, u)
}

// Lookup finds the user (app-password path), then checks the policy.
func (g *accessGuard) Lookup(ctx context.Context, username string) (*ldapauth.User, error) {
	u, err := g.dir.Lookup(ctx, username)
	if err != nil {
		return nil, err
	}
	return g.check(ctx, u)
}

func (g *accessGuard) check(ctx context.Context, u *ldapauth.User) (*ldapauth.User, error) {
	d := g.party.Access.Decide(claims.NewSubject(u))
	if d.Permit {
		return u, nil
	}
	g.log.InfoContext(ctx, "WS-Trust sign-in refused by access rules", slog.String("rp", g.party.Name), slog.String("decision", d.Reason))
	return nil, &ldapauth.Error{Reason: ldapauth.ReasonWorkstation, UserDN: u.DN,
		Err: fmt.Errorf("%w: the access rules of %q refuse this user", ldapauth.ErrInvalidCredentials, g.party.Name)}
}
