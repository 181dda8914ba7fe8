package ldapauth

import (
	"encoding/base64"
	"fmt"
	"strconv"

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
	// ImmutableID is base64.StdEncoding of ObjectGUID: the Office 365
	// sourceAnchor (o365-reference section 4).
	ImmutableID string
	// UserAccountControl is the AD flag word (512 normal, 514 disabled).
	UserAccountControl int
	// Groups lists the memberOf DNs (direct memberships only).
	Groups []string
}

// userAttributes are requested by every user search.
var userAttributes = []string{
	"objectGUID", "userPrincipalName", "sAMAccountName", "displayName",
	"mail", "userAccountControl", "memberOf",
}

// guidLen is the size of an AD objectGUID.
const guidLen = 16

// userFromEntry maps a search entry to a User. A missing or malformed
// objectGUID is an error because the ImmutableID depends on it.
func userFromEntry(e *ldap.Entry) (*User, error) {
	if e.DN == "" {
		return nil, fmt.Errorf("ldapauth: search returned an entry without a DN")
	}
	guid := e.GetEqualFoldRawAttributeValue("objectGUID")
	if len(guid) != guidLen {
		return nil, fmt.Errorf("ldapauth: entry %q: objectGUID has %d bytes, want %d", e.DN, len(guid), guidLen)
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
	if uac := e.GetEqualFoldAttributeValue("userAccountControl"); uac != "" {
		n, err := strconv.ParseInt(uac, 10, 64)
		if err != nil || n < -1<<31 || n > 1<<32-1 {
			return nil, fmt.Errorf("ldapauth: entry %q: userAccountControl %q is not a 32-bit integer", e.DN, uac)
		}
		// AD stores the flag word as a signed 32-bit INTEGER; keep its bits.
		u.UserAccountControl = int(uint32(n))
	}
	return u, nil
}
