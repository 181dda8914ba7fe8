package ldapauth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// User is a directory account as read by the service-account search.
type User struct {
	// DN is the entry's distinguished name, used for the user bind.
	DN string
	// UPN is userPrincipalName; SAMAccountName is the down-level logon name.
	UPN, SAMAccountName string
	// DisplayName and Mail are copied as stored; either may be empty.
	DisplayName, Mail string
	// ObjectGUID holds the 16 raw bytes exactly as stored in AD (the first
	// three GUID fields little-endian, as .NET Guid.ToByteArray).
	ObjectGUID []byte
	// ConsistencyGUID holds the raw mS-DS-ConsistencyGuid (16 bytes), or
	// nil when it is empty or Config.ImmutableIDSource does not read it.
	ConsistencyGUID []byte
	// ImmutableID is the Office 365 sourceAnchor: base64.StdEncoding of
	// ObjectGUID, or of ConsistencyGUID when Config.ImmutableIDSource is
	// ImmutableIDConsistencyGUID and it is set (o365-reference section 4).
	ImmutableID string
	// UserAccountControl is the AD flag word (512 normal, 514 disabled).
	UserAccountControl int
	// Groups lists the DNs of the user's groups, sorted, as selected by
	// Config.GroupLookup: nested security groups including the primary
	// group (token_groups, the default), nested groups of every type
	// (in_chain) or direct memberships (member_of). Groups outside BaseDN
	// are not listed. At most Config.MaxGroups.
	Groups []string
	// Attributes holds the values of Config.ExtraAttributes, keyed by the
	// lower-cased attribute name; an attribute the entry does not have is
	// absent. Nil when no extra attributes are configured. Values are the
	// directory's strings as stored.
	Attributes map[string][]string
}

// baseUserAttributes are requested by every user search; ExtraAttributes
// may not repeat them.
var baseUserAttributes = []string{
	"objectGUID", "userPrincipalName", "sAMAccountName", "displayName",
	"mail", "userAccountControl",
}

// userAttributes lists the attributes every user search requests under
// cfg (defaults applied).
func userAttributes(cfg Config) []string {
	attrs := append([]string(nil), baseUserAttributes...)
	if cfg.ImmutableIDSource == ImmutableIDConsistencyGUID {
		attrs = append(attrs, ImmutableIDConsistencyGUID)
	}
	if cfg.GroupLookup == GroupLookupMemberOf {
		attrs = append(attrs, "memberOf")
	}
	return append(attrs, cfg.ExtraAttributes...)
}

// guidLen is the size of an AD objectGUID and mS-DS-ConsistencyGuid.
const guidLen = 16

// userFromEntry maps a search entry to a User. A missing or malformed
// objectGUID (or a set but malformed mS-DS-ConsistencyGuid, when that is
// the source) is an error because the ImmutableID depends on it: issuing a
// token with the wrong anchor could sign the user in as someone else.
func userFromEntry(e *ldap.Entry, source string) (*User, error) {
	if e.DN == "" {
		return nil, errors.New("search returned an entry without a DN")
	}
	guid := e.GetEqualFoldRawAttributeValue("objectGUID")
	if len(guid) != guidLen {
		return nil, fmt.Errorf("entry %q: objectGUID has %d bytes, want %d", e.DN, len(guid), guidLen)
	}
	u := &User{
		DN:             e.DN,
		UPN:            e.GetEqualFoldAttributeValue("userPrincipalName"),
		SAMAccountName: e.GetEqualFoldAttributeValue("sAMAccountName"),
		DisplayName:    e.GetEqualFoldAttributeValue("displayName"),
		Mail:           e.GetEqualFoldAttributeValue("mail"),
		ObjectGUID:     append([]byte(nil), guid...),
		ImmutableID:    base64.StdEncoding.EncodeToString(guid),
		Groups:         e.GetEqualFoldAttributeValues("memberOf"),
	}
	if source == ImmutableIDConsistencyGUID {
		if cg := e.GetEqualFoldRawAttributeValue(ImmutableIDConsistencyGUID); len(cg) > 0 {
			if len(cg) != guidLen {
				return nil, fmt.Errorf("entry %q: %s has %d bytes, want %d", e.DN, ImmutableIDConsistencyGUID, len(cg), guidLen)
			}
			u.ConsistencyGUID = append([]byte(nil), cg...)
			u.ImmutableID = base64.StdEncoding.EncodeToString(cg)
		}
	}
	u.Attributes = extraAttributes(e)
	if uac := e.GetEqualFoldAttributeValue("userAccountControl"); uac != "" {
		n, err := strconv.ParseInt(uac, 10, 64)
		if err != nil || n < -1<<31 || n > 1<<32-1 {
			return nil, fmt.Errorf("entry %q: userAccountControl %q is not a 32-bit integer", e.DN, uac)
		}
		// AD stores the flag word as a signed 32-bit INTEGER; keep its bits.
		u.UserAccountControl = int(uint32(n))
	}
	return u, nil
}

// mappedAttributes are the attributes userFromEntry maps to User fields
// (lower case); every other attribute of the entry is an extra one.
var mappedAttributes = func() map[string]bool {
	m := map[string]bool{"memberof": true, strings.ToLower(ImmutableIDConsistencyGUID): true}
	for _, a := range baseUserAttributes {
		m[strings.ToLower(a)] = true
	}
	return m
}()

// extraAttributes collects the entry's attributes that are not mapped to
// User fields: the search requests those only when they are in
// Config.ExtraAttributes. Keys are lower case; attributes without values
// are skipped. Nil when there are none.
func extraAttributes(e *ldap.Entry) map[string][]string {
	var out map[string][]string
	for _, a := range e.Attributes {
		name := strings.ToLower(a.Name)
		if mappedAttributes[name] || len(a.Values) == 0 {
			continue
		}
		if out == nil {
			out = map[string][]string{}
		}
		out[name] = append(out[name], a.Values...)
	}
	return out
}
