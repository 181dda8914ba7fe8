package ldapauth

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/go-ldap/ldap/v3"
)

// sidBatch is how many SIDs one resolving search asks for. It keeps the
// filter a few KiB long, far below AD's MaxReceiveBuffer.
const sidBatch = 64

// ruleInChain is LDAP_MATCHING_RULE_IN_CHAIN (MS-ADTS 3.1.1.3.4.4.3): the
// match walks the DN-valued attribute transitively.
const ruleInChain = "1.2.840.113556.1.4.1941"

// loadGroups fills u.Groups as Config.GroupLookup says, with the service
// account. It fails closed: a user in more than MaxGroups groups is an
// error, not a truncated list.
func (c *Client) loadGroups(ctx context.Context, u *User) *Error {
	var (
		dns []string
		err *Error
	)
	switch c.cfg.GroupLookup {
	case GroupLookupMemberOf:
		dns = u.Groups
	case GroupLookupInChain:
		dns, err = c.inChainGroups(ctx, u.DN)
	default:
		dns, err = c.tokenGroups(ctx, u.DN)
	}
	if err != nil {
		return err
	}
	if len(dns) > c.cfg.MaxGroups {
		return tooManyGroups(c.cfg.MaxGroups)
	}
	slices.Sort(dns)
	u.Groups = slices.Compact(dns)
	return nil
}

func tooManyGroups(limit int) *Error {
	return &Error{Reason: ReasonUnknown, Err: fmt.Errorf("the user is in more than %d groups (MaxGroups)", limit)}
}

// searchBinary finds the entries under BaseDN whose binary attribute attr
// equals one of values, in one search on the search pool that returns
// attrs and at most len(values) entries (more is an error, never a
// silently cut result).
func (c *Client) searchBinary(ctx context.Context, attr string, values [][]byte, attrs []string) (*ldap.SearchResult, string, error) {
	req := ldap.NewSearchRequest(c.cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		len(values), c.timeLimit(), false, anyBinaryFilter(attr, values), attrs, nil)
	req.EnforceSizeLimit = true
	return c.searchAll(ctx, req)
}

// searchAll runs req on the search pool.
func (c *Client) searchAll(ctx context.Context, req *ldap.SearchRequest) (*ldap.SearchResult, string, error) {
	var res *ldap.SearchResult
	dcURL, err := c.withConn(ctx, c.search, func(conn *ldap.Conn) error {
		var err error
		res, err = conn.Search(req)
		return err
	})
	return res, dcURL, err
}

// groupSearchError maps a failed group search. The user's entry vanishing
// between the user search and this one reads as ReasonNoSuchUser.
func groupSearchError(dcURL, what string, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return credentialError(ReasonNoSuchUser, dcURL, ldapDiagnostic(err), "entry vanished during "+what)
	}
	return unavailableError(dcURL, ldapDiagnostic(err), fmt.Errorf("%s: %w", what, err))
}

// tokenGroups reads the constructed tokenGroups attribute of userDN (AD
// computes it only for base-object searches) and resolves the SIDs to
// group DNs under BaseDN, through the SID cache and one search per
// sidBatch unknown SIDs. SIDs without an entry there (other domains,
// well-known SIDs) are dropped.
func (c *Client) tokenGroups(ctx context.Context, userDN string) ([]string, *Error) {
	req := ldap.NewSearchRequest(userDN, ldap.ScopeBaseObject, ldap.NeverDerefAliases,
		1, c.timeLimit(), false, "(objectClass=*)", []string{"tokenGroups"}, nil)
	res, dcURL, err := c.searchAll(ctx, req)
	if err != nil {
		return nil, groupSearchError(dcURL, "read tokenGroups", err)
	}
	if len(res.Entries) != 1 {
		return nil, credentialError(ReasonNoSuchUser, dcURL, "", "entry vanished during read tokenGroups")
	}
	raw := res.Entries[0].GetEqualFoldRawAttributeValues("tokenGroups")
	if len(raw) == 0 {
		// Every account has at least its primary group, so an empty
		// answer means the service account may not read the attribute.
		return nil, unavailableError(dcURL, "", errors.New(
			"tokenGroups came back empty: grant the service account read access to it, or set GroupLookup to in_chain or member_of"))
	}
	if len(raw) > c.cfg.MaxGroups {
		return nil, tooManyGroups(c.cfg.MaxGroups)
	}
	for i, sid := range raw {
		if _, err := parseSID(sid); err != nil {
			return nil, &Error{Reason: ReasonUnknown, DC: dcURL, Err: fmt.Errorf("entry %q: tokenGroups value %d: %w", userDN, i, err)}
		}
	}

	now := c.cfg.Now()
	dns := make([]string, 0, len(raw))
	var unknown [][]byte
	for _, sid := range raw {
		if e, ok := c.sids.get(sid, now); !ok {
			unknown = append(unknown, sid)
		} else if e.found {
			dns = append(dns, e.dn)
		}
	}
	for batch := range slices.Chunk(unknown, sidBatch) {
		found, err := c.resolveSIDs(ctx, batch)
		if err != nil {
			return nil, err
		}
		for _, sid := range batch {
			dn, ok := found[string(sid)]
			c.sids.put(sid, dn, ok, now)
			if ok {
				dns = append(dns, dn)
			}
		}
	}
	return dns, nil
}

// resolveSIDs looks up the entries under BaseDN whose objectSid is one of
// sids, in one search, and returns their DNs by binary SID.
func (c *Client) resolveSIDs(ctx context.Context, sids [][]byte) (map[string]string, *Error) {
	res, dcURL, err := c.searchBinary(ctx, "objectSid", sids, []string{"objectSid"})
	if err != nil {
		return nil, groupSearchError(dcURL, "resolve tokenGroups", err)
	}
	found := make(map[string]string, len(res.Entries))
	for _, e := range res.Entries {
		if sid := e.GetEqualFoldRawAttributeValue("objectSid"); len(sid) > 0 {
			found[string(sid)] = e.DN
		}
	}
	return found, nil
}

// inChainGroups finds every group under BaseDN whose member attribute
// reaches userDN through nesting.
func (c *Client) inChainGroups(ctx context.Context, userDN string) ([]string, *Error) {
	filter := "(&(objectClass=group)(member:" + ruleInChain + ":=" + ldap.EscapeFilter(userDN) + "))"
	req := ldap.NewSearchRequest(c.cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		c.cfg.MaxGroups+1, c.timeLimit(), false, filter, []string{"1.1"}, nil)
	req.EnforceSizeLimit = true
	res, dcURL, err := c.searchAll(ctx, req)
	if errors.Is(err, ldap.ErrSizeLimitExceeded) || ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return nil, tooManyGroups(c.cfg.MaxGroups)
	}
	if err != nil {
		return nil, groupSearchError(dcURL, "search nested groups", err)
	}
	dns := make([]string, 0, len(res.Entries))
	for _, e := range res.Entries {
		dns = append(dns, e.DN)
	}
	return dns, nil
}

// timeLimit is the server-side time limit of a search, in whole seconds
// (at least 1), matching the client-side Timeout.
func (c *Client) timeLimit() int {
	return max(1, int(c.cfg.Timeout.Seconds()))
}
