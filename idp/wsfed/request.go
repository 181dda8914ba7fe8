package wsfed

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Size limits. They are far above what Entra ID and other relying parties
// send (Entra's wctx is about 1–2 KiB) and far below what would let one
// request cost real memory.
const (
	// MaxQueryBytes bounds the query string as received and its canonical
	// re-encoding (Request.Encode), so a request fedgate accepts can always
	// be sent back to itself, e.g. after an MFA detour: 8 KiB.
	MaxQueryBytes = 8 << 10
	// MaxContextBytes bounds wctx after percent-decoding: 4 KiB.
	MaxContextBytes = 4 << 10
	// MaxURIBytes bounds wtrealm, wreply, whr, wauth and wct after
	// percent-decoding: 1 KiB.
	MaxURIBytes = 1 << 10
	// MaxFreshMinutes is the largest wfresh accepted: one year.
	MaxFreshMinutes = 525600
)

// Action is the value of the wa parameter.
type Action string

// The actions of MS-WSFED §2.2.2 that fedgate serves.
const (
	SignIn         Action = "wsignin1.0"
	SignOut        Action = "wsignout1.0"
	SignOutCleanup Action = "wsignoutcleanup1.0"
)

// Request is a parsed passive requestor query.
type Request struct {
	// Action is wa. Required.
	Action Action
	// Realm is wtrealm, the relying party identifier (for Office 365
	// "urn:federation:MicrosoftOnline"). Required for SignIn.
	Realm string
	// Reply is wreply, "" if absent. It is only syntactically checked: the
	// caller must match it against the relying party's registered reply URLs.
	Reply string
	// Context is wctx, "" if absent. Return it byte for byte.
	Context string
	// Fresh is wfresh in minutes; nil if absent, 0 = authenticate again.
	Fresh *int
	// HomeRealm, AuthMethod and CurrentTime are whr, wauth and wct; "" if
	// absent. AuthMethod "http://schemas.microsoft.com/claims/multipleauthn"
	// asks for MFA.
	HomeRealm, AuthMethod, CurrentTime string
}

// ParseError reports why a query was refused. Param is the offending
// parameter ("" for the query as a whole); Problem says what is wrong and
// what is expected. Neither ever contains the offending value, except a
// quoted and shortened wa, so both are safe to log and to show.
type ParseError struct {
	Param, Problem string
}

func (e *ParseError) Error() string {
	if e.Param == "" {
		return "wsfed: query " + e.Problem
	}
	return "wsfed: parameter " + e.Param + " " + e.Problem
}

func problem(param, format string, args ...any) *ParseError {
	return &ParseError{Param: param, Problem: fmt.Sprintf(format, args...)}
}

// params are the parameters ParseRequest reads, in Encode order. Others
// (Entra adds username, cbcxt, mkt, lc, …) are ignored.
var params = [...]string{"wa", "wtrealm", "wreply", "wctx", "wfresh", "whr", "wauth", "wct"}

func paramIndex(name string) int {
	for i, p := range params {
		if p == name {
			return i
		}
	}
	return -1
}

// ParseRequest parses the raw query of a GET to the passive endpoint. It
// enforces: MaxQueryBytes; valid percent-encoding; ";" is not a separator;
// each known parameter at most once; valid UTF-8 without control
// characters; the per-parameter limits; wa one of the three actions;
// wtrealm present for wsignin1.0 and an absolute URI; wreply an absolute
// https URL (http only for localhost and loopback addresses) without user
// info or fragment; wfresh a whole number 0…MaxFreshMinutes. An empty
// optional parameter counts as absent. Every error is a *ParseError.
func ParseRequest(rawQuery string) (*Request, error) {
	if len(rawQuery) > MaxQueryBytes {
		return nil, problem("", "is %d bytes; the limit is %d", len(rawQuery), MaxQueryBytes)
	}
	var values [len(params)]string
	var seen [len(params)]bool
	for rest := rawQuery; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue
		}
		if strings.Contains(pair, ";") {
			return nil, problem("", `contains ";"; separate parameters with "&" and percent-encode ";" as %%3B`)
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return nil, problem("", "has a parameter name that is not valid percent-encoding")
		}
		i := paramIndex(name)
		if i < 0 {
			continue
		}
		if seen[i] {
			return nil, problem(name, "appears more than once; send each parameter once")
		}
		seen[i] = true
		if values[i], err = url.QueryUnescape(rawValue); err != nil {
			return nil, problem(name, "is not valid percent-encoding")
		}
		if err := checkText(name, values[i]); err != nil {
			return nil, err
		}
	}

	r := &Request{
		Action:      Action(values[0]),
		Realm:       values[1],
		Reply:       values[2],
		Context:     values[3],
		HomeRealm:   values[5],
		AuthMethod:  values[6],
		CurrentTime: values[7],
	}
	switch r.Action {
	case SignIn, SignOut, SignOutCleanup:
	case "":
		return nil, problem("wa", "is missing; expected %s, %s or %s", SignIn, SignOut, SignOutCleanup)
	default:
		shown := string(r.Action)
		if len(shown) > 32 {
			shown = shown[:32] + "…"
		}
		return nil, problem("wa", "%q is not supported; expected %s, %s or %s", shown, SignIn, SignOut, SignOutCleanup)
	}
	if err := r.checkFields(values[4]); err != nil {
		return nil, err
	}
	if n := len(r.Encode()); n > MaxQueryBytes {
		return nil, problem("", "is %d bytes once re-encoded; the limit is %d", n, MaxQueryBytes)
	}
	return r, nil
}

func (r *Request) checkFields(fresh string) error {
	if r.Realm == "" && r.Action == SignIn {
		return problem("wtrealm", "is missing; wsignin1.0 needs the relying party identifier, e.g. urn:federation:MicrosoftOnline")
	}
	if r.Realm != "" {
		if err := checkURI("wtrealm", r.Realm); err != nil {
			return err
		}
		if u, err := url.Parse(r.Realm); err != nil || u.Scheme == "" {
			return problem("wtrealm", "is not an absolute URI; expected e.g. urn:federation:MicrosoftOnline or https://app.contoso.com/")
		}
	}
	if r.Reply != "" {
		if err := checkReply(r.Reply); err != nil {
			return err
		}
	}
	if len(r.Context) > MaxContextBytes {
		return problem("wctx", "is %d bytes; the limit is %d", len(r.Context), MaxContextBytes)
	}
	if fresh != "" {
		n, ok := parseFresh(fresh)
		if !ok {
			return problem("wfresh", "must be a whole number of minutes from 0 to %d", MaxFreshMinutes)
		}
		r.Fresh = &n
	}
	for _, f := range []struct{ name, value string }{
		{"whr", r.HomeRealm}, {"wauth", r.AuthMethod}, {"wct", r.CurrentTime},
	} {
		if err := checkURI(f.name, f.value); err != nil {
			return err
		}
	}
	return nil
}

// parseFresh accepts ASCII digits (leading zeros allowed) whose value is at
// most MaxFreshMinutes. Signs, spaces and fractions are refused.
func parseFresh(s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return 0, true
	}
	if len(s) > 6 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > MaxFreshMinutes {
		return 0, false
	}
	return n, true
}

// checkText refuses invalid UTF-8 and control characters (C0, DEL, C1).
// Control characters have no business in any of these parameters, and wctx
// is echoed in an HTML form, where line breaks would not survive byte for
// byte.
func checkText(name, v string) error {
	if !utf8.ValidString(v) {
		return problem(name, "is not valid UTF-8")
	}
	for i, c := range v {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) {
			return problem(name, "contains a control character at byte %d", i)
		}
	}
	return nil
}

// checkURI applies the MaxURIBytes limit and refuses whitespace and
// backslashes, which no URI contains and which browsers and servers parse
// differently.
func checkURI(name, v string) error {
	if len(v) > MaxURIBytes {
		return problem(name, "is %d bytes; the limit is %d", len(v), MaxURIBytes)
	}
	if i := strings.IndexAny(v, " \\\u00a0"); i >= 0 {
		return problem(name, "contains a space or backslash at byte %d; percent-encode it", i)
	}
	return nil
}

// checkReply enforces the syntax of a safe wreply target.
func checkReply(v string) error {
	if err := checkURI("wreply", v); err != nil {
		return err
	}
	u, err := url.Parse(v)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		return problem("wreply", "is not an absolute URL; expected e.g. https://app.contoso.com/signin")
	}
	host := u.Hostname()
	if host == "" {
		return problem("wreply", "has no host")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return problem("wreply", "uses http; tokens are only sent over https, except to localhost or a loopback address")
		}
	default:
		return problem("wreply", "has scheme %q; only https (or http to loopback) is allowed", u.Scheme)
	}
	if u.User != nil {
		return problem("wreply", "contains user information (user@host); remove it")
	}
	if u.Fragment != "" || strings.Contains(v, "#") {
		return problem("wreply", "contains a fragment (#…); remove it")
	}
	return nil
}

// Encode returns the canonical query string for r: the set parameters in
// the order wa, wtrealm, wreply, wctx, wfresh, whr, wauth, wct, each value
// escaped with url.QueryEscape. ParseRequest(r.Encode()) yields r again for
// every r ParseRequest returned.
func (r *Request) Encode() string {
	var b strings.Builder
	add := func(name, value string) {
		if value == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(value))
	}
	add("wa", string(r.Action))
	add("wtrealm", r.Realm)
	add("wreply", r.Reply)
	add("wctx", r.Context)
	if r.Fresh != nil {
		add("wfresh", strconv.Itoa(*r.Fresh))
	}
	add("whr", r.HomeRealm)
	add("wauth", r.AuthMethod)
	add("wct", r.CurrentTime)
	return b.String()
}
