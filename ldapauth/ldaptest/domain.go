package ldaptest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// The domain object's default account lockout policy: the Microsoft
// security baseline's (10 bad passwords; counter reset and lockout
// duration 15 minutes).
const (
	DefaultLockoutThreshold  = 10
	DefaultObservationWindow = 15 * time.Minute
	DefaultLockoutDuration   = 15 * time.Minute
)

// ADInterval renders d as AD stores relative intervals such as
// lockOutObservationWindow: a negative count of 100-nanosecond units.
func ADInterval(d time.Duration) string {
	return strconv.FormatInt(-int64(d/(100*time.Nanosecond)), 10)
}

// ADIntervalNever is the interval AD stores for "never" (-2^63); on
// lockoutDuration it means "until an administrator unlocks the account".
const ADIntervalNever = "-9223372036854775808"

// domainEntry builds the domain object served at baseDN (objectClass
// domainDNS) with the default lockout policy, then applies overrides:
// each named attribute is replaced by its values, or removed when they
// are empty.
func domainEntry(baseDN string, overrides map[string][]string) (*entry, error) {
	pdn, err := ldap.ParseDN(baseDN)
	if err != nil {
		return nil, fmt.Errorf("ldaptest: BaseDN %q: %w", baseDN, err)
	}
	dc := firstRDNValue(pdn)
	attrs := []attribute{
		{name: "objectClass", values: []string{"top", "domain", "domainDNS"}},
		{name: "dc", values: []string{dc}},
		{name: "name", values: []string{dc}},
		{name: "distinguishedName", values: []string{baseDN}},
		{name: "lockoutThreshold", values: []string{strconv.Itoa(DefaultLockoutThreshold)}},
		{name: "lockOutObservationWindow", values: []string{ADInterval(DefaultObservationWindow)}},
		{name: "lockoutDuration", values: []string{ADInterval(DefaultLockoutDuration)}},
	}
	names := make([]string, 0, len(overrides))
	for name := range overrides {
		names = append(names, name)
	}
	slices.Sort(names) // deterministic attribute order
	for _, name := range names {
		values := overrides[name]
		attrs = slices.DeleteFunc(attrs, func(a attribute) bool { return strings.EqualFold(a.name, name) })
		if len(values) > 0 {
			attrs = append(attrs, attribute{name: name, values: slices.Clone(values)})
		}
	}
	return &entry{dn: baseDN, pdn: pdn, attrs: attrs}, nil
}

// addDomain puts the domain object first in t, as AD returns the search
// base before its subordinates.
func (t *tree) addDomain(e *entry) {
	t.entries = slices.Insert(t.entries, 0, e)
	t.byDN[dnKey(e.dn)] = e
}
