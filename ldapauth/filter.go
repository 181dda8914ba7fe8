package ldapauth

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

// MaxUsernameLen is the longest username, in bytes, that is sent to the
// directory. AD's userPrincipalName is limited to 1024 characters in the
// schema but real sign-in names are far shorter; longer input is refused
// before any I/O.
const MaxUsernameLen = 256

// MaxPasswordLen is the longest password, in bytes, that is sent to the
// directory. AD passwords are at most 256 UTF-16 characters, i.e. at most
// 1024 bytes of UTF-8; longer input cannot be correct and is refused as a
// bad password before any I/O.
const MaxPasswordLen = 1024

// defaultUserFilter is DefaultUserFilter, with alt (Config.AlternateLoginID,
// an attribute name checked by Validate) as a third alternative when set.
func defaultUserFilter(alt string) string {
	if alt == "" {
		return DefaultUserFilter
	}
	return "(&(objectClass=user)(|(userPrincipalName={username})(sAMAccountName={username})(" + alt + "={username})))"
}

// buildUserFilter substitutes every {username} placeholder in template with
// input escaped once by ldap.EscapeFilter (RFC 4515 section 3). This is the
// only place user input enters a filter; callers must pass the raw value
// and never escape it themselves (escaping twice would make "\2a" match a
// literal backslash sequence instead of "*", as in dex's connector).
func buildUserFilter(template, input string) string {
	return strings.ReplaceAll(template, UsernamePlaceholder, ldap.EscapeFilter(input))
}

// searchName turns what the user typed into the value searched for:
//
//	alice@contoso.com  -> alice@contoso.com  (userPrincipalName)
//	CORP\alice         -> alice              (sAMAccountName; domain part dropped)
//	alice              -> alice
//
// Only a single backslash after a plausible domain name is treated as the
// down-level separator; any other backslash stays in the value and is
// escaped, so it matches nothing. Leading and trailing spaces are dropped
// (AD and Samba ignore them when matching). Empty, over-long and non-UTF-8
// input is rejected, and so is input with control characters: Samba
// compares values as C strings, so "alice\x00anything" would find alice,
// and every such variant would count as a different sign-in name for
// per-name lockout.
func searchName(username string) (string, error) {
	if len(username) > MaxUsernameLen {
		return "", errors.New("username is longer than 256 bytes")
	}
	username = strings.Trim(username, " ")
	switch {
	case username == "":
		return "", errors.New("username is empty")
	case !utf8.ValidString(username):
		return "", errors.New("username is not valid UTF-8")
	case strings.ContainsFunc(username, isControl):
		return "", errors.New("username contains control characters")
	}
	domain, name, found := strings.Cut(username, `\`)
	if found && name != "" && !strings.Contains(name, `\`) && isDomainName(domain) {
		return name, nil
	}
	return username, nil
}

// isDomainName accepts NetBIOS ("CORP") and DNS ("corp.contoso.com")
// domain names: 1-255 bytes of letters, digits, '.', '-' and '_', starting
// with a letter or digit.
func isDomainName(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '-' && c != '_') {
			return false
		}
	}
	return true
}

// isControl reports C0 and C1 control characters and DEL.
func isControl(r rune) bool { return r < 0x20 || 0x7f <= r && r < 0xa0 }
