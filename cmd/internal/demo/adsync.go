package demo

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/fedgate/fedgate/idp/o365"
)

// Limits of the user sync. A lab has a handful of users; the caps keep a
// demo pointed at a large directory by mistake from reading all of it.
const (
	// maxSyncedUsers is the most cloud users the sync accepts.
	maxSyncedUsers = 5000
	// syncPageSize is the RFC 2696 page size (AD's MaxPageSize is 1000).
	syncPageSize = 500
	// syncDialTimeout bounds the TCP and TLS handshake with the DC.
	syncDialTimeout = 10 * time.Second
	// syncOpTimeout bounds each LDAP operation.
	syncOpTimeout = 30 * time.Second
)

// syncSource is the directory the cloud users are read from.
type syncSource struct {
	// URL is an ldaps:// URL; TLS trusts its CA and names its host.
	URL string
	TLS *tls.Config
	// BindDN and BindPassword are the service account (secret; never
	// logged).
	BindDN, BindPassword string
	// BaseDN is the subtree searched.
	BaseDN string
	// Domain is the lower-case UPN suffix of the users synced.
	Domain string
}

// syncCloudUsers reads the users whose userPrincipalName ends in
// "@"+src.Domain, the way Entra Connect (Azure AD Connect) syncs them to
// Entra ID: UPN, display name, and the ImmutableID made from objectGUID,
// the source anchor of the generated config (directory.immutable_id_source
// at its default). Disabled accounts are synced too, as Entra Connect
// does; fedgate refuses them at sign-in. Computer accounts are not users.
// Entries without a 16-byte objectGUID are skipped with a warning. The
// result is sorted by UPN.
func syncCloudUsers(ctx context.Context, src syncSource, log *slog.Logger) ([]o365.CloudUser, error) {
	if src.Domain == "" || strings.ContainsAny(src.Domain, "@*()\\\x00") {
		return nil, fmt.Errorf("sync: UPN suffix %q is not a domain name", src.Domain)
	}
	conn, err := ldap.DialURL(src.URL, ldap.DialWithTLSConfig(src.TLS), ldap.DialWithDialer(&net.Dialer{Timeout: syncDialTimeout}))
	if err != nil {
		return nil, fmt.Errorf("sync: connect to %s: %w", src.URL, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	conn.SetTimeout(syncOpTimeout)
	if src.BindPassword == "" {
		// An empty simple bind is an anonymous bind that AD accepts.
		return nil, fmt.Errorf("sync: the service account %q has no password", src.BindDN)
	}
	if err := conn.Bind(src.BindDN, src.BindPassword); err != nil {
		return nil, fmt.Errorf("sync: bind as %q on %s: %w", src.BindDN, src.URL, ctxErr(ctx, err))
	}
	suffix := "@" + src.Domain
	filter := "(&(objectClass=user)(!(objectClass=computer))(userPrincipalName=*" + ldap.EscapeFilter(suffix) + "))"
	log.DebugContext(ctx, "demo: syncing cloud users", "dc", src.URL, "base_dn", src.BaseDN, "filter", filter)

	paging := ldap.NewControlPaging(syncPageSize)
	req := ldap.NewSearchRequest(src.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, int(syncOpTimeout/time.Second), false,
		filter, []string{"userPrincipalName", "objectGUID", "displayName"}, []ldap.Control{paging})
	var users []o365.CloudUser
	seen := map[string]bool{}
	skipped := 0
	for {
		res, err := conn.Search(req)
		if err != nil {
			return nil, fmt.Errorf("sync: search %s under %q: %w", src.URL, src.BaseDN, ctxErr(ctx, err))
		}
		for _, e := range res.Entries {
			u, ok := cloudUser(e, suffix)
			if !ok {
				skipped++
				log.DebugContext(ctx, "demo: entry not synced: no 16-byte objectGUID or no UPN in the domain", "dn", e.DN)
				continue
			}
			key := strings.ToLower(u.UPN)
			if seen[key] {
				return nil, fmt.Errorf("sync: UPN %q is on two directory entries; AD requires it unique", u.UPN)
			}
			seen[key] = true
			users = append(users, u)
			if len(users) > maxSyncedUsers {
				return nil, fmt.Errorf("sync: more than %d users with UPN suffix %s under %q; the demo is for labs, point it at a smaller base DN", maxSyncedUsers, suffix, src.BaseDN)
			}
		}
		cookie := pagingCookie(res.Controls)
		if len(cookie) == 0 {
			break
		}
		paging.SetCookie(cookie)
	}
	if skipped > 0 {
		log.WarnContext(ctx, "demo: directory entries not synced (no 16-byte objectGUID or no UPN in the domain; names at debug level)", "skipped", skipped)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("sync: no user under %q has a UPN ending in %s; check the env file's FEDGATE_AD_BASE_DN and FEDGATE_AD_UPN_SUFFIX", src.BaseDN, suffix)
	}
	slices.SortFunc(users, func(a, b o365.CloudUser) int { return strings.Compare(strings.ToLower(a.UPN), strings.ToLower(b.UPN)) })
	log.InfoContext(ctx, "demo: synced cloud users from the directory", "dc", src.URL, "users", len(users))
	return users, nil
}

// cloudUser maps a search entry; ok is false for entries the sync skips.
// The suffix is checked here too: the filter match is the server's.
func cloudUser(e *ldap.Entry, suffix string) (o365.CloudUser, bool) {
	guid := e.GetEqualFoldRawAttributeValue("objectGUID")
	upn := e.GetEqualFoldAttributeValue("userPrincipalName")
	if len(guid) != 16 || len(upn) <= len(suffix) || !strings.EqualFold(upn[len(upn)-len(suffix):], suffix) {
		return o365.CloudUser{}, false
	}
	return o365.CloudUser{UPN: upn, ImmutableID: o365.ImmutableID(guid), DisplayName: e.GetEqualFoldAttributeValue("displayName")}, true
}

// pagingCookie returns the RFC 2696 cookie of a paged search response, or
// nil when the server has no more pages (or ignored the control).
func pagingCookie(controls []ldap.Control) []byte {
	c, ok := ldap.FindControl(controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
	if !ok {
		return nil
	}
	return c.Cookie
}

// ctxErr reports a cancelled context instead of the closed-connection
// error its AfterFunc caused.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return errors.Join(cerr, err)
	}
	return err
}
