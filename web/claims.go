package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/o365"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/ldapauth"
)

// UserDirectory reads a user again, with groups and claim attributes,
// without a password (*ldapauth.Client's Lookup). The server uses
// Config.Auth for it when Auth also implements this interface, as
// *ldapauth.Client does. It is called at token issuance when the sign-in
// did not just read the user (single sign-on, or a second factor after
// the password page) and the relying party needs more than the session
// cookie holds (NeedsDirectory: groups, attributes, access rules).
// Errors follow Authenticator's contract: a credential failure
// (ldapauth.ErrInvalidCredentials: no such user, ambiguous name) means
// the account is gone, anything else that the directory could not answer.
type UserDirectory interface {
	Lookup(ctx context.Context, username string) (*ldapauth.User, error)
}

var _ UserDirectory = (*ldapauth.Client)(nil)

// uacAccountDisable is the userAccountControl ACCOUNTDISABLE flag.
const uacAccountDisable = 0x2

// signInAgain means the session's user cannot be issued a token without
// a new password sign-in: the directory no longer has the account under
// that name, it is disabled, or the name now belongs to another account.
type signInAgain struct{ reason string }

func (e *signInAgain) Error() string { return "web: sign in again: " + e.reason }

// issuanceSubject returns who a token for party is about. dir is the
// directory user the request has just read (the password step), or nil;
// then a party that needs directory data gets the user read again
// (UserDirectory), and every other party the session's UPN, ImmutableID
// and display name. A *signInAgain error means the session cannot be
// used; an *Error that the directory is unavailable.
func (s *Server) issuanceSubject(ctx context.Context, party *rp.Party, user sessionUser, dir *ldapauth.User) (*claims.Subject, error) {
	var subject *claims.Subject
	switch {
	case dir != nil:
		if dir.ImmutableID != user.ID {
			return nil, &signInAgain{reason: "user_changed"}
		}
		subject = claims.NewSubject(dir)
	case !party.NeedsDirectory():
		return &claims.Subject{UPN: user.UPN, ImmutableID: user.ID, DisplayName: user.DisplayName}, nil
	default:
		var err error
		if subject, err = s.lookupSubject(ctx, user); err != nil {
			return nil, fmt.Errorf("web: relying party %q: %w", party.Name, err)
		}
	}
	if subject.UPN == "" {
		// An account without userPrincipalName signed in with another
		// name; the session (and Office 365) know it by that name.
		subject.UPN = user.UPN
	}
	return subject, nil
}

// lookupSubject reads the session's user from the directory again (see
// issuanceSubject for the errors).
func (s *Server) lookupSubject(ctx context.Context, user sessionUser) (*claims.Subject, error) {
	ud, ok := s.auth.(UserDirectory)
	if !ok {
		return nil, errors.New("web: the user's directory data is needed, but the authenticator cannot look users up")
	}
	u, err := ud.Lookup(ctx, user.UPN)
	switch {
	case errors.Is(err, ldapauth.ErrInvalidCredentials):
		reason := "no_such_user"
		var le *ldapauth.Error
		if errors.As(err, &le) {
			reason = le.Reason.String()
		}
		return nil, &signInAgain{reason: reason}
	case err != nil:
		return nil, &Error{Status: http.StatusServiceUnavailable, Public: directoryUnavailableMessage,
			Err: fmt.Errorf("web: read user: %w", err)}
	case u.ImmutableID != user.ID:
		// The UPN now names another account (renamed, reused): never
		// issue that account's claims on this session.
		return nil, &signInAgain{reason: "user_changed"}
	case u.UserAccountControl&uacAccountDisable != 0:
		return nil, &signInAgain{reason: ldapauth.ReasonDisabled.String()}
	}
	return claims.NewSubject(u), nil
}

// restartSignIn handles a *signInAgain: the SSO session is dropped, the
// attempt audited as a failure, and the password page shown again for
// the same request.
func (s *Server) restartSignIn(w http.ResponseWriter, r *http.Request, st *flowState, party *rp.Party, user sessionUser, again *signInAgain) error {
	s.clearSession(w)
	s.recordFailure(r, party, user.UPN, again.reason)
	st.Step, st.User, st.PasswordAt, st.EnrollSecret = stepPassword, nil, time.Time{}, ""
	st.Username = user.UPN
	return s.renderStep(w, r, st, party, "Sign in again to continue.")
}

// authorize applies party's access policy (issuance authorization) to
// subject before any token is issued. A refusal is audited as result
// "failure", reason "access_denied", and shown as the error page naming
// the application; no token and no session change follow.
func (s *Server) authorize(r *http.Request, party *rp.Party, subject *claims.Subject, upn string) error {
	d := party.Access.Decide(subject)
	if d.Permit {
		return nil
	}
	s.logAttempt(r, slog.LevelInfo, "access denied by the relying party's access rules",
		slog.String("rp", party.Name), slog.String("decision", d.Reason))
	s.recordFailure(r, party, upn, "access_denied")
	return &Error{Status: http.StatusForbidden,
		Public: "You are not allowed to sign in to " + party.Name + ". If you need access, contact your help desk and give them the activity ID below.",
		Err:    fmt.Errorf("web: access rules of %q refuse the user: %s", party.Name, d.Reason)}
}

// errNoClaims is returned when a party's rules issue nothing to a user
// and its token needs at least one claim.
var errNoClaims = errors.New("web: the claim rules issued no claims for this user")

// wsfedClaims is the SAML 1.1 claim set for party: the Office 365 set
// (plus the party's extra rules) for Microsoft Online, else the party's
// rules with the NameIdentifier from its NameID source and the MFA
// authnmethodsreferences claim when a second factor was used.
func wsfedClaims(party *rp.Party, subject *claims.Subject, authnAt time.Time, mfaDone, inside bool) (token.Claims, error) {
	rules, err := claims.Evaluate(party.ClaimRules(), subject)
	if err != nil {
		return token.Claims{}, err
	}
	var tc token.Claims
	if party.IsMicrosoftOnline() {
		tc = o365.Claims(o365.SignIn{ImmutableID: subject.ImmutableID, UPN: subject.UPN, AuthnInstant: authnAt, MFA: mfaDone, InsideCorporateNetwork: inside})
	} else {
		if tc.NameID, err = nameID(party, subject); err != nil {
			return token.Claims{}, err
		}
		tc.NameIDFormat, tc.AuthnInstant = party.NameIDFormat, authnAt
	}
	for _, c := range rules {
		ns, name, ok := claims.SplitType(c.Type)
		if !ok { // Party.Validate refuses such types for WS-Fed parties
			return token.Claims{}, fmt.Errorf("web: claim type %q cannot be sent in SAML 1.1", c.Type)
		}
		tc.Attributes = append(tc.Attributes, token.Attribute{Namespace: ns, Name: name, Values: c.Values})
	}
	if mfaDone && !party.IsMicrosoftOnline() { // the Office 365 set states it already
		tc.Attributes = append(tc.Attributes, token.Attribute{Namespace: token.NSMSClaims, Name: "authnmethodsreferences", Values: []string{token.MultipleAuthn}})
	}
	if len(tc.Attributes) == 0 {
		return token.Claims{}, errNoClaims // a SAML 1.1 AttributeStatement needs one
	}
	return tc, nil
}

// samlSubject fills in's NameID and attributes for a SAML 2.0 party: the
// Entra profile (plus extra rules) for Microsoft Online, else the party's
// rules as attributes named by claim type and the NameID from its source.
func samlSubject(in *samlp.ResponseInput, party *rp.Party, subject *claims.Subject, mfaDone bool) error {
	rules, err := claims.Evaluate(party.ClaimRules(), subject)
	if err != nil {
		return err
	}
	if party.IsMicrosoftOnline() {
		*in = samlp.EntraProfile(*in, subject.ImmutableID, subject.UPN)
	} else if in.NameID, err = nameID(party, subject); err != nil {
		return err
	}
	for _, c := range rules {
		in.Attributes = append(in.Attributes, samlp.Attribute{Name: c.Type, Values: c.Values})
	}
	if mfaDone {
		in.Attributes = append(in.Attributes, samlp.Attribute{Name: samlAttrMethods, Values: []string{token.MultipleAuthn}})
	}
	return nil
}

// nameID returns the subject identifier from party's NameID source; an
// empty value (a user without mail, say) is an error rather than a token
// naming nobody.
func nameID(party *rp.Party, subject *claims.Subject) (string, error) {
	attr := party.NameIDAttribute()
	if v := subject.Values(attr); len(v) > 0 {
		return v[0], nil
	}
	return "", fmt.Errorf("web: the user has no %s, which %q uses as NameID: %w", attr, party.Name, errNoClaims)
}

// issuanceError turns a claim-evaluation failure into the error page: the
// user's account lacks or holds something the rules cannot issue, which
// only an administrator can fix.
func issuanceError(party *rp.Party, err error) error {
	return &Error{Status: http.StatusInternalServerError,
		Public: "Your account's directory information cannot be sent to " + party.Name + ". Contact your help desk and give them the activity ID below.",
		Err:    fmt.Errorf("web: claims for %q: %w", party.Name, err)}
}
