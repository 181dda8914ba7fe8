package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Field checks shared by the sections of Validate. Each one adds at most
// one problem for its path.

// required reports an empty value.
func (p *problems) required(path, value, hint string) bool {
	if value == "" {
		p.add(path, "is required", hint)
		return false
	}
	return true
}

// durationRange reports a duration outside [lo, hi].
func (p *problems) durationRange(path string, d Duration, lo, hi time.Duration) {
	if time.Duration(d) < lo || time.Duration(d) > hi {
		p.add(path, d.String()+" is out of range",
			fmt.Sprintf("use a duration from %s to %s", Duration(lo), Duration(hi)))
	}
}

// intRange reports an integer outside [lo, hi].
func (p *problems) intRange(path string, v, lo, hi int64, unit string) {
	if v < lo || v > hi {
		p.add(path, fmt.Sprintf("%d is out of range", v), fmt.Sprintf("use %d to %d%s", lo, hi, unit))
	}
}

// oneOf reports a value that is not in allowed.
func (p *problems) oneOf(path, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	p.add(path, fmt.Sprintf("%s is not supported", quote(value)), "use "+orList(allowed))
}

// secretPair checks a value/file pair: at most one may be set, and one
// must be set when required.
func (p *problems) secretPair(path string, value Secret, file string, required bool, why string) {
	filePath := path + "_file"
	switch {
	case value.IsSet() && file != "":
		p.add(path, "is set together with "+lastSegment(filePath), "set exactly one of "+lastSegment(path)+" or "+lastSegment(filePath))
	case required && !value.IsSet() && file == "":
		p.add(path, "is required", "set "+lastSegment(path)+" or "+lastSegment(filePath)+" ("+why+")")
	}
}

// key32 checks an inline base64 key; keys read from files are checked by
// ResolveSecrets.
func (p *problems) key32(path string, value Secret) {
	if !value.IsSet() {
		return
	}
	if _, err := decodeKey32(value.Reveal()); err != nil {
		p.add(path, err.problem, keyHint)
	}
}

// hostPort checks a listen address such as ":443" or "10.0.0.5:8443".
func (p *problems) hostPort(path, addr string) {
	hint := `use host:port, such as ":443" or "10.0.0.5:443"`
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		p.add(path, quote(addr)+" is not host:port", hint)
		return
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || port == "" || n > 65535 {
		p.add(path, "port "+quote(port)+" is not a number from 0 to 65535", hint)
		return
	}
	if host != "" && !isHostname(host) && net.ParseIP(host) == nil {
		p.add(path, "host "+quote(host)+" is not a host name or IP address", hint)
	}
}

// isHostname reports whether s is a DNS host name (RFC 1123 labels).
func isHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// urlRules describes what checkURL accepts.
type urlRules struct {
	schemes   []string // allowed schemes, lowercase
	hint      string   // the "what is allowed" text
	allowPath bool     // a path other than "" or "/" is allowed
	allowQry  bool     // a query is allowed
}

// checkURL parses raw and reports the first problem with it. Problems
// never quote the whole URL, which could hold credentials.
func (p *problems) checkURL(path, raw string, r urlRules) (*url.URL, bool) {
	if raw == "" {
		p.add(path, "is empty", r.hint)
		return nil, false
	}
	if len(raw) > 2048 || strings.ContainsFunc(raw, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) }) {
		p.add(path, "is not a valid URL (too long, or holds spaces or control characters)", r.hint)
		return nil, false
	}
	u, err := url.Parse(raw)
	if err != nil {
		p.add(path, "is not a valid URL", r.hint)
		return nil, false
	}
	schemeOK := false
	for _, s := range r.schemes {
		schemeOK = schemeOK || u.Scheme == s
	}
	switch {
	case !schemeOK:
		p.add(path, "scheme "+quote(u.Scheme)+" is not supported", r.hint)
	case u.User != nil:
		p.add(path, "holds credentials (user:password@)", "remove them; credentials belong in their own secret settings")
	case u.Opaque != "" || u.Host == "":
		p.add(path, "has no host", r.hint)
	case !isHostname(u.Hostname()) && net.ParseIP(u.Hostname()) == nil:
		p.add(path, "host "+quote(u.Hostname())+" is not a host name or IP address", r.hint)
	case u.Port() != "" && !validPort(u.Port()):
		p.add(path, "port "+quote(u.Port())+" is not a number from 1 to 65535", r.hint)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		p.add(path, "has a #fragment", r.hint)
	case !r.allowQry && (u.RawQuery != "" || u.ForceQuery):
		p.add(path, "has a ?query", r.hint)
	case !r.allowPath && u.Path != "" && u.Path != "/":
		p.add(path, "has a path ("+quote(u.Path)+")", r.hint)
	default:
		return u, true
	}
	return u, false
}

func validPort(s string) bool {
	n, err := strconv.ParseUint(s, 10, 16)
	return err == nil && n >= 1
}

// plainText reports control characters and overlong values in names that
// are shown to users.
func (p *problems) plainText(path, s string, maxLen int) bool {
	if len(s) > maxLen {
		p.add(path, fmt.Sprintf("is %d characters long", len(s)), fmt.Sprintf("use at most %d", maxLen))
		return false
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		p.add(path, "holds control characters", "use printable text on one line")
		return false
	}
	return true
}

// quote quotes a user-supplied value for a message, shortened so that a
// message stays on one readable line.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strconv.Quote(s)
}

// orList formats ["a","b","c"] as "a, b or c".
func orList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
