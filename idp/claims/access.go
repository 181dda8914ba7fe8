package claims

import (
	"errors"
	"fmt"
	"strconv"
)

// Access is a relying party's issuance authorization: who may receive a
// token. The zero value permits every user who authenticates (AD FS's
// "Permit access to all users"). Otherwise a member of any DenyGroups
// group is refused, whatever else holds (deny wins), and when PermitGroups
// is non-empty only members of at least one of them are admitted.
// Membership is the group list the directory client reads (nested per its
// group lookup), compared by normalised, case-folded DN.
type Access struct {
	// PermitGroups lists the DNs of the groups whose members may sign in.
	// Default empty: everyone (subject to DenyGroups). At most
	// MaxAccessGroups.
	PermitGroups []string `yaml:"permit_groups,omitempty"`
	// DenyGroups lists the DNs of the groups whose members may never sign
	// in. Default empty. At most MaxAccessGroups.
	DenyGroups []string `yaml:"deny_groups,omitempty"`
}

// IsZero reports whether a permits everyone (no groups listed). YAML
// encoding uses it to omit an empty policy.
func (a Access) IsZero() bool { return len(a.PermitGroups) == 0 && len(a.DenyGroups) == 0 }

// Validate reports every problem with a, joined with errors.Join; each is
// a *FieldError whose Field is "access.<key>[i]".
func (a Access) Validate() error {
	var errs []error
	for _, list := range []struct {
		key string
		dns []string
	}{{"permit_groups", a.PermitGroups}, {"deny_groups", a.DenyGroups}} {
		if len(list.dns) > MaxAccessGroups {
			errs = append(errs, &FieldError{Field: "access." + list.key,
				Err: fmt.Errorf("lists %d groups; the limit is %d (use a group that nests the others)", len(list.dns), MaxAccessGroups)})
			continue
		}
		seen := map[string]int{}
		for i, dn := range list.dns {
			field := "access." + list.key + "[" + strconv.Itoa(i) + "]"
			if _, err := parseGroupDN(dn); err != nil {
				errs = append(errs, &FieldError{Field: field, Err: err})
				continue
			}
			k := dnKey(dn)
			if j, dup := seen[k]; dup {
				errs = append(errs, &FieldError{Field: field, Err: fmt.Errorf("repeats %s[%d]; list each group once", list.key, j)})
			}
			seen[k] = i
		}
	}
	return errors.Join(errs...)
}

// Decision is the outcome of an access check.
type Decision struct {
	// Permit is true when a token may be issued.
	Permit bool
	// Reason says why, for logs and audit detail: "no_access_rules",
	// "no_deny_group" (only deny groups are listed and the user is in
	// none), "deny_group:<DN>", "permit_group:<DN>" or
	// "not_in_permit_groups".
	// It names configured group DNs only, never user data.
	Reason string
}

// Decide applies a to s. s.Groups must be the complete list as read from
// the directory: a Subject without groups passes every deny list.
func (a Access) Decide(s *Subject) Decision {
	if a.IsZero() {
		return Decision{Permit: true, Reason: "no_access_rules"}
	}
	member := s.groupKeys()
	for _, dn := range a.DenyGroups {
		if member[dnKey(dn)] {
			return Decision{Permit: false, Reason: "deny_group:" + dn}
		}
	}
	if len(a.PermitGroups) == 0 {
		return Decision{Permit: true, Reason: "no_deny_group"}
	}
	for _, dn := range a.PermitGroups {
		if member[dnKey(dn)] {
			return Decision{Permit: true, Reason: "permit_group:" + dn}
		}
	}
	return Decision{Permit: false, Reason: "not_in_permit_groups"}
}

// NeedsGroups reports whether rules or a use the user's group memberships:
// an access policy, a member_of rule or a groups rule. A sign-in for a
// party that needs none of them can skip the directory's group lookup.
func NeedsGroups(rules []Rule, a Access) bool {
	if !a.IsZero() {
		return true
	}
	for _, r := range rules {
		if r.MemberOf != "" || r.Groups != "" {
			return true
		}
	}
	return false
}

// NeedsDirectory reports whether evaluating rules or a needs more than
// the single sign-on cookie holds (UPN, ImmutableID, display name):
// groups, another attribute, or an access decision. The caller must then
// read the user from the directory before issuing a token.
func NeedsDirectory(rules []Rule, a Access) bool {
	if !a.IsZero() {
		return true
	}
	for _, r := range rules {
		switch {
		case r.MemberOf != "", r.Groups != "":
			return true
		case r.Attribute != "":
			switch canonicalAttribute(r.Attribute) {
			case AttrUPN, AttrImmutableID, AttrDisplayName:
			default:
				return true
			}
		}
	}
	return false
}
