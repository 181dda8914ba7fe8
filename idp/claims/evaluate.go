package claims

import "fmt"

// Limits on what Evaluate issues.
const (
	// MaxValueBytes bounds one directory value issued as a claim value.
	MaxValueBytes = 8 << 10
	// MaxValuesPerClaim bounds the values of one claim type (for example
	// every group of a user; ldapauth caps groups at 10000).
	MaxValuesPerClaim = 10000
)

// Claim is one claim type with its values, as a token carries it: a SAML
// 2.0 Attribute (Name = Type) or, split with SplitType, a SAML 1.1
// attribute.
type Claim struct {
	// Type is the claim type URI or name.
	Type string
	// Values holds at least one value, in rule order, without duplicates.
	Values []string
}

// Evaluate applies rules to s in order and returns the claims: one Claim
// per type in order of first appearance, values de-duplicated (exact
// match), empty values skipped. A value XML cannot carry, a value longer
// than MaxValueBytes, a group DN that does not parse (for groups: cn) or
// more than MaxValuesPerClaim values for one type is an error naming the
// rule, never the value: the token is not issued rather than issued
// incomplete. rules are assumed valid (ValidateRules).
func Evaluate(rules []Rule, s *Subject) ([]Claim, error) {
	var out []Claim
	index := map[string]int{}
	seen := map[string]map[string]bool{}
	emit := func(i int, typ, v string) error {
		if v == "" {
			return nil
		}
		if len(v) > MaxValueBytes {
			return fmt.Errorf("claims: claims[%d] (%s): a value is %d bytes long; the limit is %d", i, typ, len(v), MaxValueBytes)
		}
		if err := xmlSafe(v); err != nil {
			return fmt.Errorf("claims: claims[%d] (%s): a value %w", i, typ, err)
		}
		j, ok := index[typ]
		if !ok {
			j = len(out)
			index[typ] = j
			out = append(out, Claim{Type: typ})
			seen[typ] = map[string]bool{}
		}
		if seen[typ][v] {
			return nil
		}
		if len(out[j].Values) >= MaxValuesPerClaim {
			return fmt.Errorf("claims: claims[%d] (%s): more than %d values", i, typ, MaxValuesPerClaim)
		}
		seen[typ][v] = true
		out[j].Values = append(out[j].Values, v)
		return nil
	}
	var member map[string]bool // group keys, computed once when needed
	for i, r := range rules {
		var err error
		switch {
		case r.Attribute != "":
			for _, v := range s.Values(r.Attribute) {
				if err = emit(i, r.Claim, v); err != nil {
					break
				}
			}
		case r.MemberOf != "":
			if member == nil {
				member = s.groupKeys()
			}
			if member[dnKey(r.MemberOf)] {
				err = emit(i, r.Claim, r.Value)
			}
		case r.Groups != "":
			for _, g := range s.Groups {
				v := g
				if r.Groups == GroupsCN {
					if v, err = commonName(g); err != nil {
						err = fmt.Errorf("claims: claims[%d] (%s): %w", i, r.Claim, err)
						break
					}
				}
				if err = emit(i, r.Claim, v); err != nil {
					break
				}
			}
		default:
			err = emit(i, r.Claim, r.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
