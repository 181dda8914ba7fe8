package ldapauth

import (
	"context"
	"errors"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Authenticate checks username and password against the directory and
// returns the user on success. username may be a UPN (alice@contoso.com),
// a down-level name (CORP\alice) or a bare sAMAccountName (alice).
//
// On success the User carries its groups (Config.GroupLookup), read
// alongside the bind and returned only when the bind succeeded, unless ctx
// comes from WithoutGroups. Every
// failure is an *Error. Empty passwords
// (including passwords made only of NUL bytes) are refused before any
// network I/O with ReasonEmptyPassword, because AD accepts an empty simple
// bind as an anonymous bind. Credential failures wrap
// ErrInvalidCredentials; outages wrap ErrUnavailable.
func (c *Client) Authenticate(ctx context.Context, username, password string) (*User, error) {
	if strings.Trim(password, "\x00") == "" {
		return nil, c.fail(ctx, username, credentialError(ReasonEmptyPassword, "", "", "empty password"))
	}
	if len(password) > MaxPasswordLen {
		return nil, c.fail(ctx, username, credentialError(ReasonBadPassword, "", "", "password longer than 1024 bytes"))
	}
	u, ferr := c.find(ctx, username)
	if ferr != nil {
		return nil, c.fail(ctx, username, ferr)
	}
	if groupsSkipped(ctx) {
		dcURL, err := c.withConn(ctx, c.bind, func(conn *ldap.Conn) error {
			return conn.Bind(u.DN, password)
		})
		if err != nil {
			e := bindError(dcURL, err)
			e.UserDN = u.DN
			return nil, c.fail(ctx, username, e)
		}
		u.Groups = nil
		c.log.DebugContext(ctx, "ldapauth: authenticated", "user", username, "dn", u.DN, "dc", dcURL, "groups", "skipped")
		return u, nil
	}

	// The group lookup needs only the DN, so it runs on the search pool
	// while the bind runs on the bind pool: a sign-in then takes about
	// search + bind, where the bind dominates. After a failed bind its
	// result is discarded (it is awaited, not cancelled, so the pooled
	// search connection survives).
	groups := make(chan *Error, 1)
	go func() { groups <- c.loadGroups(ctx, u) }()
	dcURL, err := c.withConn(ctx, c.bind, func(conn *ldap.Conn) error {
		return conn.Bind(u.DN, password)
	})
	gerr := <-groups
	if err != nil {
		e := bindError(dcURL, err)
		e.UserDN = u.DN
		return nil, c.fail(ctx, username, e)
	}
	if gerr != nil {
		gerr.UserDN = u.DN
		return nil, c.fail(ctx, username, gerr)
	}
	c.log.DebugContext(ctx, "ldapauth: authenticated", "user", username, "dn", u.DN, "dc", dcURL)
	return u, nil
}

// Lookup finds a user, with groups, without checking a password (for MFA
// enrolment pages and token refresh). It fails with ReasonNoSuchUser or
// ReasonAmbiguousUser like Authenticate, and never binds as the user.
func (c *Client) Lookup(ctx context.Context, username string) (*User, error) {
	u, err := c.find(ctx, username)
	if err == nil {
		err = c.loadGroups(ctx, u)
	}
	if err != nil {
		return nil, c.fail(ctx, username, err)
	}
	return u, nil
}

// Resolve finds the account username names with the service-account
// search alone: one operation, no groups (User.Groups is nil whatever
// GroupLookup says), no bind. It is the cheap way to key per-account state
// such as lockout counters by ObjectGUID before a password is checked. It
// fails like Lookup.
func (c *Client) Resolve(ctx context.Context, username string) (*User, error) {
	u, err := c.find(ctx, username)
	if err != nil {
		return nil, c.fail(ctx, username, err)
	}
	u.Groups = nil
	return u, nil
}

// find runs the service-account search for username.
func (c *Client) find(ctx context.Context, username string) (*User, *Error) {
	name, err := searchName(username)
	if err != nil {
		return nil, credentialError(ReasonNoSuchUser, "", "", err.Error())
	}
	filter := buildUserFilter(c.cfg.UserFilter, name)
	c.log.DebugContext(ctx, "ldapauth: searching user", "user", username, "filter", filter)

	// Size limit 2: one entry is the user, a second makes it ambiguous.
	// Referrals (AD returns some for the configuration partition on
	// searches from the domain root) are ignored, never chased.
	req := ldap.NewSearchRequest(c.cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		2, c.timeLimit(), false, filter, c.userAttr, nil)
	// Stop reading if a server ignores the size limit.
	req.EnforceSizeLimit = true

	res, dcURL, err := c.searchAll(ctx, req)
	var entries []*ldap.Entry
	if res != nil {
		entries = res.Entries
	}
	switch {
	case err == nil && len(entries) == 1:
		u, err := userFromEntry(entries[0], c.cfg.ImmutableIDSource)
		if err != nil {
			return nil, &Error{Reason: ReasonUnknown, DC: dcURL, Err: err}
		}
		return u, nil
	case err == nil && len(entries) == 0:
		return nil, credentialError(ReasonNoSuchUser, dcURL, "", "no matching entry")
	case err == nil, errors.Is(err, ldap.ErrSizeLimitExceeded), ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded):
		return nil, credentialError(ReasonAmbiguousUser, dcURL, "", "more than one entry matches")
	default:
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, unavailableError(dcURL, ldapDiagnostic(err), err)
	}
}

// bindError maps a failed user bind to an *Error. Result 49 is a
// credential failure whose Reason comes from AD's "data XXX" sub-code;
// servers without sub-codes (or with unknown ones) give ReasonBadPassword.
// Everything else means the directory could not answer.
func bindError(dcURL string, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	diag := ldapDiagnostic(err)
	if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		reason := ReasonBadPassword
		if _, r, ok := ParseDiagnostic(diag); ok && r != ReasonUnknown {
			reason = r
		}
		return credentialError(reason, dcURL, diag, "")
	}
	return unavailableError(dcURL, diag, err)
}

// ldapDiagnostic returns the server's diagnostic message from an LDAP
// result error, or "" for client-side errors.
func ldapDiagnostic(err error) string {
	var le *ldap.Error
	if errors.As(err, &le) && le.ResultCode < 200 && le.Err != nil {
		return le.Err.Error()
	}
	return ""
}

// fail logs a failure at Debug (Warn for outages, without the username)
// and returns it.
func (c *Client) fail(ctx context.Context, username string, e *Error) *Error {
	if e.Reason == ReasonUnavailable {
		c.log.WarnContext(ctx, "ldapauth: directory unavailable", "dc", e.DC, "err", e)
	}
	c.log.DebugContext(ctx, "ldapauth: authentication failed", "user", username, "dc", e.DC, "reason", e.Reason)
	return e
}

// skipGroupsKey marks a context under which Authenticate skips the group
// lookup.
type skipGroupsKey struct{}

// WithoutGroups returns a context under which Authenticate does not read
// the user's group memberships: a sign-in is then the user search and the
// bind alone, and User.Groups is nil whatever Config.GroupLookup says.
// Callers use it when nothing downstream needs groups (a relying party
// without group-based claim rules or access policy), as AD FS queries its
// attribute store only for what the rules use.
func WithoutGroups(ctx context.Context) context.Context {
	return context.WithValue(ctx, skipGroupsKey{}, true)
}

func groupsSkipped(ctx context.Context) bool {
	skip, _ := ctx.Value(skipGroupsKey{}).(bool)
	return skip
}
