package ldaptest

import (
	"errors"
	"strconv"
	"strings"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// maxFilterLen bounds the filter text the directory evaluates; larger
// filters get unwillingToPerform. AD's own limit (MaxQueryDuration aside)
// is far above anything a sign-in sends.
const maxFilterLen = 16 << 10

// AD matching rules for bitwise tests on integer attributes
// (MS-ADTS 3.1.1.3.4.4.1).
const (
	ruleBitAnd = "1.2.840.113556.1.4.803"
	ruleBitOr  = "1.2.840.113556.1.4.804"
	// ruleInChain is LDAP_MATCHING_RULE_IN_CHAIN (MS-ADTS 3.1.1.3.4.4.3):
	// the DN-valued attribute is followed transitively.
	ruleInChain = "1.2.840.113556.1.4.1941"
)

// compileFilter parses an RFC 4515 filter string into go-ldap's BER form.
func compileFilter(s string) (*ber.Packet, error) {
	if len(s) > maxFilterLen {
		return nil, errors.New("filter longer than 16 KiB")
	}
	return ldap.CompileFilter(s)
}

// matches evaluates a compiled filter against e, an entry of t. Unsupported
// filter items evaluate to false (AD returns "Undefined", which a search
// treats as no match).
func matches(f *ber.Packet, e *entry, t *tree) bool {
	switch f.Tag {
	case ldap.FilterAnd:
		for _, c := range f.Children {
			if !matches(c, e, t) {
				return false
			}
		}
		return true
	case ldap.FilterOr:
		for _, c := range f.Children {
			if matches(c, e, t) {
				return true
			}
		}
		return false
	case ldap.FilterNot:
		return len(f.Children) == 1 && !matches(f.Children[0], e, t)
	case ldap.FilterPresent:
		_, ok := e.get(string(f.Data.Bytes()))
		return ok
	case ldap.FilterEqualityMatch, ldap.FilterApproxMatch:
		attr, value, ok := assertion(f)
		return ok && anyValue(e, attr, func(v string, binary bool) bool {
			if binary {
				return v == value
			}
			if strings.EqualFold(attr, "objectCategory") && strings.EqualFold(value, "person") {
				return strings.HasPrefix(strings.ToLower(v), "cn=person,")
			}
			return strings.EqualFold(v, value)
		})
	case ldap.FilterGreaterOrEqual, ldap.FilterLessOrEqual:
		attr, value, ok := assertion(f)
		ge := f.Tag == ldap.FilterGreaterOrEqual
		return ok && anyValue(e, attr, func(v string, _ bool) bool {
			c := compareValues(v, value)
			return c == 0 || (c > 0) == ge
		})
	case ldap.FilterSubstrings:
		return matchSubstrings(f, e)
	case ldap.FilterExtensibleMatch:
		return matchExtensible(f, e, t)
	}
	return false
}

func assertion(f *ber.Packet) (attr, value string, ok bool) {
	if len(f.Children) != 2 {
		return "", "", false
	}
	return string(f.Children[0].Data.Bytes()), string(f.Children[1].Data.Bytes()), true
}

func anyValue(e *entry, attr string, pred func(v string, binary bool) bool) bool {
	a, ok := e.get(attr)
	if !ok {
		return false
	}
	for _, v := range a.values {
		if pred(v, a.binary) {
			return true
		}
	}
	return false
}

// compareValues orders integers numerically and everything else
// case-insensitively.
func compareValues(a, b string) int {
	x, errX := strconv.ParseInt(a, 10, 64)
	y, errY := strconv.ParseInt(b, 10, 64)
	if errX == nil && errY == nil {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

func matchSubstrings(f *ber.Packet, e *entry) bool {
	if len(f.Children) != 2 {
		return false
	}
	attr := string(f.Children[0].Data.Bytes())
	parts := f.Children[1].Children
	return anyValue(e, attr, func(v string, _ bool) bool {
		rest := strings.ToLower(v)
		for i, p := range parts {
			s := strings.ToLower(string(p.Data.Bytes()))
			switch p.Tag {
			case ldap.FilterSubstringsInitial:
				if i != 0 || !strings.HasPrefix(rest, s) {
					return false
				}
				rest = rest[len(s):]
			case ldap.FilterSubstringsAny:
				j := strings.Index(rest, s)
				if j < 0 {
					return false
				}
				rest = rest[j+len(s):]
			case ldap.FilterSubstringsFinal:
				if i != len(parts)-1 || !strings.HasSuffix(rest, s) {
					return false
				}
				rest = ""
			default:
				return false
			}
		}
		return true
	})
}

// matchExtensible supports AD's bitwise matching rules on an attribute,
// e.g. (userAccountControl:1.2.840.113556.1.4.803:=2) for disabled
// accounts, and the in-chain rule on member and memberOf, e.g.
// (member:1.2.840.113556.1.4.1941:=<user DN>) for every group the user is
// in through nesting. Other extensible matches are undefined (false).
func matchExtensible(f *ber.Packet, e *entry, t *tree) bool {
	var rule, attr, value string
	for _, c := range f.Children {
		switch c.Tag {
		case ldap.MatchingRuleAssertionMatchingRule:
			rule = string(c.Data.Bytes())
		case ldap.MatchingRuleAssertionType:
			attr = string(c.Data.Bytes())
		case ldap.MatchingRuleAssertionMatchValue:
			value = string(c.Data.Bytes())
		case ldap.MatchingRuleAssertionDNAttributes:
			return false
		}
	}
	if rule == ruleInChain {
		return (strings.EqualFold(attr, "member") || strings.EqualFold(attr, "memberOf")) && t.inChain(e, attr, value)
	}
	mask, err := strconv.ParseUint(value, 10, 64)
	if attr == "" || err != nil || (rule != ruleBitAnd && rule != ruleBitOr) {
		return false
	}
	return anyValue(e, attr, func(v string, _ bool) bool {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return false
		}
		bits := uint64(n) & mask
		if rule == ruleBitAnd {
			return bits == mask
		}
		return bits != 0
	})
}

// inChain reports whether target is reachable from e by following the
// DN-valued attribute attr from entry to entry. Cycles end the walk.
func (t *tree) inChain(e *entry, attr, target string) bool {
	want := dnKey(target)
	seen := map[string]bool{}
	var queue []string
	if a, ok := e.get(attr); ok {
		queue = append(queue, a.values...)
	}
	for len(queue) > 0 {
		k := dnKey(queue[0])
		queue = queue[1:]
		if k == want {
			return true
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		if next, ok := t.byDN[k]; ok {
			if a, ok := next.get(attr); ok {
				queue = append(queue, a.values...)
			}
		}
	}
	return false
}
