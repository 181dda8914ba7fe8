package ldapauth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Attributes of the domain object (MS-ADTS 6.1.1.1, MS-SAMR 2.2.3.15)
// that hold the domain's account lockout policy.
const (
	attrLockoutThreshold  = "lockoutThreshold"
	attrObservationWindow = "lockOutObservationWindow"
	attrLockoutDuration   = "lockoutDuration"
)

// Limits of the lockout policy parser.
const (
	// maxLockoutThreshold is the largest lockoutThreshold AD stores
	// (MS-SAMR DOMAIN_LOCKOUT_INFORMATION.LockoutThreshold is an unsigned
	// short).
	maxLockoutThreshold = math.MaxUint16
	// maxIntervalText is the longest interval value read:
	// len("-9223372036854775808").
	maxIntervalText = 20
	// intervalNever is the interval AD stores for "never" / "forever"
	// (0x8000000000000000); lockoutDuration holds it for accounts that
	// stay locked until an administrator unlocks them.
	intervalNever = math.MinInt64
	// intervalUnit is AD's interval unit: 100 nanoseconds.
	intervalUnit = 100 * time.Nanosecond
)

// DomainLockoutPolicy is Active Directory's account lockout policy as the
// domain object stores it (the Default Domain Policy's "Account Lockout
// Policy"). Fine-grained password policies (PSOs), which can override it
// for some users, are not read.
type DomainLockoutPolicy struct {
	// Threshold is lockoutThreshold, "Account lockout threshold": the bad
	// passwords in a row that lock an account. 0 means AD never locks
	// accounts.
	Threshold int
	// ObservationWindow is lockOutObservationWindow, "Reset account
	// lockout counter after": how long after a bad password AD resets the
	// account's count.
	ObservationWindow time.Duration
	// Duration is lockoutDuration, "Account lockout duration": how long a
	// locked account stays locked. 0 means until an administrator unlocks
	// it (AD stores that as -2^63, shown as 0 by Group Policy and
	// samba-tool).
	Duration time.Duration
}

// ReadDomainLockoutPolicy reads the account lockout policy from the domain
// object at the head of BaseDN (its trailing DC= components, such as
// DC=corp,DC=contoso,DC=com for OU=Staff,DC=corp,DC=contoso,DC=com) with
// one base-object search on the search pool. Every domain user may read
// these attributes, so the service account needs no extra rights.
//
// When the directory cannot be asked the error matches ErrUnavailable; a
// missing domain object, a missing attribute or a value AD would not
// store is an error naming the attribute.
func (c *Client) ReadDomainLockoutPolicy(ctx context.Context) (DomainLockoutPolicy, error) {
	dn, err := domainHead(c.cfg.BaseDN)
	if err != nil {
		return DomainLockoutPolicy{}, fmt.Errorf("ldapauth: read domain lockout policy: %w", err)
	}
	req := ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, c.timeLimit(), false,
		"(objectClass=*)", []string{attrLockoutThreshold, attrObservationWindow, attrLockoutDuration}, nil)
	res, dcURL, err := c.searchAll(ctx, req)
	if err != nil {
		var e *Error
		switch {
		case errors.As(err, &e):
			return DomainLockoutPolicy{}, e
		case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
			return DomainLockoutPolicy{}, fmt.Errorf("ldapauth: read domain lockout policy: domain object %s not found on %s: %w", dn, dcURL, err)
		}
		return DomainLockoutPolicy{}, unavailableError(dcURL, ldapDiagnostic(err), fmt.Errorf("read domain lockout policy from %s: %w", dn, err))
	}
	if len(res.Entries) != 1 {
		return DomainLockoutPolicy{}, fmt.Errorf("ldapauth: read domain lockout policy: %s on %s returned %d entries, want 1", dn, dcURL, len(res.Entries))
	}
	p, err := policyFromEntry(res.Entries[0])
	if err != nil {
		return DomainLockoutPolicy{}, fmt.Errorf("ldapauth: read domain lockout policy from %s on %s: %w", dn, dcURL, err)
	}
	return p, nil
}

// domainHead returns the domain DN at the end of baseDN: its trailing run
// of single-valued DC= RDNs.
func domainHead(baseDN string) (string, error) {
	dn, err := ldap.ParseDN(baseDN)
	if err != nil {
		return "", fmt.Errorf("BaseDN %q: %w", baseDN, err)
	}
	first := len(dn.RDNs)
	for first > 0 {
		r := dn.RDNs[first-1]
		if len(r.Attributes) != 1 || !strings.EqualFold(r.Attributes[0].Type, "DC") {
			break
		}
		first--
	}
	if first == len(dn.RDNs) {
		return "", fmt.Errorf("BaseDN %q does not end in DC= components, so its domain object is unknown; set base_dn to a DN inside the AD domain", baseDN)
	}
	parts := make([]string, 0, len(dn.RDNs)-first)
	for _, r := range dn.RDNs[first:] {
		parts = append(parts, "DC="+ldap.EscapeDN(r.Attributes[0].Value))
	}
	return strings.Join(parts, ","), nil
}

// policyFromEntry reads the three attributes of the domain object, each
// of which must have exactly one value.
func policyFromEntry(e *ldap.Entry) (DomainLockoutPolicy, error) {
	var vals [3]string
	for i, name := range []string{attrLockoutThreshold, attrObservationWindow, attrLockoutDuration} {
		v := e.GetEqualFoldAttributeValues(name)
		if len(v) != 1 {
			return DomainLockoutPolicy{}, fmt.Errorf("%s has %d values, want 1 (is the base DN's head an AD domain object, readable by the service account?)", name, len(v))
		}
		vals[i] = v[0]
	}
	return parseLockoutPolicy(vals[0], vals[1], vals[2])
}

// parseLockoutPolicy parses the stored values of lockoutThreshold,
// lockOutObservationWindow and lockoutDuration.
func parseLockoutPolicy(threshold, window, duration string) (DomainLockoutPolicy, error) {
	var (
		p    DomainLockoutPolicy
		errs []error
		err  error
	)
	if p.Threshold, err = parseThreshold(threshold); err != nil {
		errs = append(errs, err)
	}
	if p.ObservationWindow, err = parseInterval(attrObservationWindow, window, false); err != nil {
		errs = append(errs, err)
	}
	if p.Duration, err = parseInterval(attrLockoutDuration, duration, true); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return DomainLockoutPolicy{}, errors.Join(errs...)
	}
	return p, nil
}

func parseThreshold(v string) (int, error) {
	if len(v) > maxIntervalText {
		return 0, fmt.Errorf("%s is %d bytes long, not an integer", attrLockoutThreshold, len(v))
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 0 || n > maxLockoutThreshold {
		return 0, fmt.Errorf("%s %q is not an integer from 0 to %d", attrLockoutThreshold, v, maxLockoutThreshold)
	}
	return int(n), nil
}

// parseInterval parses an AD relative interval: a negative count of 100 ns
// units, or 0. never (-2^63) is accepted as 0 when allowNever is set.
// Positive values (absolute times) and magnitudes that do not fit a
// time.Duration are refused.
func parseInterval(attr, v string, allowNever bool) (time.Duration, error) {
	if len(v) > maxIntervalText {
		return 0, fmt.Errorf("%s is %d bytes long, not an interval", attr, len(v))
	}
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%s %q is not a 64-bit integer", attr, v)
	case n == intervalNever && allowNever:
		return 0, nil
	case n == intervalNever:
		return 0, fmt.Errorf("%s is -2^63 (never), which is not a valid value for it", attr)
	case n > 0:
		return 0, fmt.Errorf("%s %q is positive; AD stores it as a negative count of 100-nanosecond units", attr, v)
	case -n > int64(math.MaxInt64/intervalUnit):
		return 0, fmt.Errorf("%s %q is longer than %s", attr, v, time.Duration(math.MaxInt64).Truncate(time.Hour))
	}
	return time.Duration(-n) * intervalUnit, nil
}
