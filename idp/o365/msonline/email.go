package msonline

import (
	"errors"
	"strings"
)

// maxLoginLen is the longest sign-in name accepted (RFC 5321 path limit).
const maxLoginLen = 254

// loginError is a problem with what the user typed; its text is shown on
// the sign-in page.
type loginError struct{ msg string }

func (e *loginError) Error() string { return "msonline: " + e.msg }

// parseLogin validates a sign-in name as a UPN-shaped email address and
// returns it with the domain lower-cased, plus the domain.
func parseLogin(s string) (email, domain string, err error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", "", &loginError{"Enter your email address."}
	case len(s) > maxLoginLen:
		return "", "", &loginError{"That email address is too long: the limit is 254 characters."}
	case strings.Count(s, "@") != 1:
		return "", "", &loginError{"Enter an email address in the form alias@domain.com, with exactly one @."}
	}
	local, dom, _ := strings.Cut(s, "@")
	if err := checkLocal(local); err != nil {
		return "", "", err
	}
	dom = strings.ToLower(dom)
	if err := checkDomain(dom); err != nil {
		return "", "", err
	}
	return local + "@" + dom, dom, nil
}

// checkLocal applies Entra's userPrincipalName rules to the part before @:
// 1–64 characters from A–Z a–z 0–9 ' . - _ ! # ^ ~ + & $ % * / = ? ` { | },
// not starting or ending with a period and without two periods in a row.
func checkLocal(local string) error {
	if local == "" || len(local) > 64 {
		return &loginError{"The part before the @ must be 1 to 64 characters long."}
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return &loginError{"The part before the @ cannot start or end with a period or contain two periods in a row."}
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if isAlnum(c) || strings.IndexByte("'.-_!#^~+&$%*/=?`{|}", c) >= 0 {
			continue
		}
		if c == ' ' || c < 0x20 || c == 0x7f {
			return &loginError{"An email address cannot contain spaces or control characters."}
		}
		if c >= 0x80 {
			return &loginError{"The part before the @ must be plain ASCII: letters, digits and ' . - _ ! # ^ ~ are allowed."}
		}
		return &loginError{"The part before the @ contains " + string(rune(c)) + ", which is not allowed in a user name."}
	}
	return nil
}

// checkDomain requires a lower-case ASCII DNS name with at least two labels.
func checkDomain(dom string) error {
	if dom == "" {
		return &loginError{"Enter the domain after the @, for example contoso.com."}
	}
	if len(dom) > 253 {
		return &loginError{"The domain after the @ is longer than 253 characters."}
	}
	labels := strings.Split(dom, ".")
	if len(labels) < 2 {
		return &loginError{"The domain after the @ needs at least one dot, for example contoso.com."}
	}
	for _, l := range labels {
		if err := checkLabel(l); err != nil {
			return &loginError{"The domain " + quoteASCII(dom) + " is not a valid DNS name: " + err.Error()}
		}
	}
	return nil
}

func checkLabel(l string) error {
	if l == "" || len(l) > 63 {
		return errors.New("each part between dots must be 1 to 63 characters")
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return errors.New("a part cannot start or end with a hyphen")
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if c >= 0x80 {
			return errors.New("use the ASCII (xn--) form of an internationalized domain name")
		}
		if !isAlnum(c) && c != '-' {
			return errors.New("only letters, digits and hyphens are allowed")
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// quoteASCII shows a user-typed domain in a message; the page escapes HTML.
func quoteASCII(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return "\"" + strings.ToValidUTF8(s, "?") + "\""
}
