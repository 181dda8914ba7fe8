package rp

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
)

// NameIDSource names the directory value a party's subject identifier
// (SAML NameID, SAML 1.1 NameIdentifier) is made of.
type NameIDSource string

// NameID sources. The zero value selects the default (see
// Party.NameIDSource).
const (
	NameIDImmutableID    NameIDSource = "immutable_id"
	NameIDUPN            NameIDSource = "upn"
	NameIDMail           NameIDSource = "mail"
	NameIDSAMAccountName NameIDSource = "samaccountname"
	NameIDObjectGUID     NameIDSource = "objectguid"
)

// nameIDAttributes maps each source to its claims.Subject attribute.
var nameIDAttributes = map[NameIDSource]string{
	NameIDImmutableID:    claims.AttrImmutableID,
	NameIDUPN:            claims.AttrUPN,
	NameIDMail:           claims.AttrMail,
	NameIDSAMAccountName: claims.AttrSAMAccountName,
	NameIDObjectGUID:     claims.AttrObjectGUID,
}

// ParseNameIDSource returns the source named s: "immutable_id", "upn",
// "mail", "samaccountname" or "objectguid".
func ParseNameIDSource(s string) (NameIDSource, error) {
	if _, ok := nameIDAttributes[NameIDSource(s)]; ok {
		return NameIDSource(s), nil
	}
	return "", fmt.Errorf("%q is not a NameID source; use %s, %s, %s, %s or %s", s,
		NameIDImmutableID, NameIDUPN, NameIDMail, NameIDSAMAccountName, NameIDObjectGUID)
}

// Claim types of the authentication context that no claim rule may issue:
// fedgate alone states how the user authenticated.
var reservedClaimTypes = []string{
	token.NSMSClaims + "/authnmethodsreferences",
	"http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod",
	"http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationinstant",
}

// microsoftClaimTypes are the built-in Office 365 / Entra ID claim types
// (o365-reference §2 and §3); extra rules of Microsoft's parties may not
// issue them, so UPN, ImmutableID and network location always come from
// the built-in set.
var microsoftClaimTypes = []string{
	token.NSClaims + "/UPN",
	token.NSLiveID + "/ImmutableID",
	token.NSWS2012 + "/insidecorporatenetwork",
	"IDPEmail",
}

// IsMicrosoftOnline reports whether p is Microsoft Entra ID / Office 365:
// the WS-Fed realm urn:federation:MicrosoftOnline or the Entra SAML 2.0
// entity ID. Such a party gets the built-in Microsoft claim set.
func (p *Party) IsMicrosoftOnline() bool {
	if p.Protocol == SAML2 {
		return p.SAML != nil && p.SAML.EntityID == samlp.EntraEntityID
	}
	return slices.Contains(p.Identifiers, Office365Realm)
}

// ClaimRules returns the rules whose claims p receives (besides the
// Microsoft built-ins for IsMicrosoftOnline parties): p.Claims, or
// claims.DefaultRules when a non-Microsoft party has none.
func (p *Party) ClaimRules() []claims.Rule {
	if len(p.Claims) == 0 && !p.IsMicrosoftOnline() {
		return claims.DefaultRules()
	}
	return p.Claims
}

// NameIDAttribute returns the claims.Subject attribute of p's subject
// identifier: NameIDSource's, or by default the ImmutableID (the UPN for
// a SAML 2.0 party whose NameID format is emailAddress).
func (p *Party) NameIDAttribute() string {
	if p.IsMicrosoftOnline() {
		return claims.AttrImmutableID
	}
	if a, ok := nameIDAttributes[p.NameIDSource]; ok {
		return a
	}
	if p.Protocol == SAML2 && p.SAML != nil && p.SAML.NameIDFormat == samlp.NameIDFormatEmailAddress {
		return claims.AttrUPN
	}
	return claims.AttrImmutableID
}

// NeedsGroups reports whether p's claim rules or access policy use the
// user's group memberships; a password sign-in for a party that does not
// can skip the directory's group lookup (ldapauth.WithoutGroups).
func (p *Party) NeedsGroups() bool {
	return claims.NeedsGroups(p.ClaimRules(), p.Access)
}

// NeedsDirectory reports whether issuing to p needs the user read from
// the directory (groups or attributes the single sign-on cookie does not
// hold, or an access decision), rather than the cookie alone.
func (p *Party) NeedsDirectory() bool {
	switch p.NameIDAttribute() {
	case claims.AttrImmutableID, claims.AttrUPN:
	default:
		return true
	}
	return claims.NeedsDirectory(p.ClaimRules(), p.Access)
}

// ValidateClaims reports every problem with p's claim rules and access
// policy, joined with errors.Join, each a *FieldError ("claims[i].<key>",
// "access.<key>[i]"): rule syntax, claim types the protocol cannot carry
// or no rule may issue (the authentication context; Microsoft's built-in
// claims for IsMicrosoftOnline parties), attributes that are neither
// built-in nor among attributes (the extra directory attributes read),
// and group DNs. Validate runs the same checks except attribute
// availability, which it cannot know.
func (p *Party) ValidateClaims(attributes []string) error {
	return errors.Join(append(p.claimErrors(), claims.CheckAttributes(p.Claims, attributes))...)
}

// claimErrors checks rules and access without attribute availability.
func (p *Party) claimErrors() []error {
	errs := []error{claims.ValidateRules(p.Claims)}
	errs = append(errs, checkClaimTypes(p.Protocol, p.IsMicrosoftOnline(), p.Claims)...)
	return append(errs, p.Access.Validate())
}

// validateIssuance checks the claim rules, access policy and token
// settings against the protocol.
func (p *Party) validateIssuance() []error {
	var errs []error
	for _, err := range p.claimErrors() {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if p.NameIDSource != "" {
		if _, err := ParseNameIDSource(string(p.NameIDSource)); err != nil {
			errs = append(errs, fmt.Errorf("nameid_source: %w", err))
		} else if p.IsMicrosoftOnline() && p.NameIDSource != NameIDImmutableID {
			errs = append(errs, errors.New("nameid_source: Microsoft Entra ID identifies users by ImmutableID only; remove it"))
		}
	}
	if p.Protocol == SAML2 {
		if p.SignatureAlgorithm != "" {
			errs = append(errs, errors.New("signature_algorithm: a SAML 2.0 party's algorithm is its service provider's (SAML.SignatureAlgorithm)"))
		}
		if p.NameIDFormat != "" {
			errs = append(errs, errors.New("nameid_format: a SAML 2.0 party's format is its service provider's (SAML.NameIDFormat)"))
		}
		return errs
	}
	if p.SignatureAlgorithm != "" {
		if _, err := p.SignatureAlgorithm.SignatureMethod(); err != nil {
			errs = append(errs, fmt.Errorf("signature_algorithm: %w", err))
		}
	}
	if p.NameIDFormat != "" && !isURIToken(p.NameIDFormat) {
		errs = append(errs, fmt.Errorf("nameid_format: %q is not a URI", p.NameIDFormat))
	}
	return errs
}

// checkClaimTypes refuses claim types no rule may issue (reserved for
// the authentication context and, for Microsoft's parties, the built-in
// claims) and, for WS-Fed, types SAML 1.1 cannot carry.
func checkClaimTypes(proto Protocol, microsoft bool, rules []claims.Rule) []error {
	var errs []error
	for i, r := range rules {
		field := fmt.Sprintf("claims[%d].claim", i)
		switch {
		case r.Claim == "":
			continue // ValidateRules reports it
		case slices.ContainsFunc(reservedClaimTypes, func(t string) bool { return strings.EqualFold(t, r.Claim) }):
			errs = append(errs, &FieldError{Field: field, Err: fmt.Errorf("%q describes how the user authenticated; fedgate issues it itself", r.Claim)})
		case microsoft && slices.ContainsFunc(microsoftClaimTypes, func(t string) bool { return strings.EqualFold(t, r.Claim) }):
			errs = append(errs, &FieldError{Field: field, Err: fmt.Errorf("%q is issued by the built-in Microsoft claim set and cannot be overridden", r.Claim)})
		case proto == WSFed:
			if _, _, ok := claims.SplitType(r.Claim); !ok {
				errs = append(errs, &FieldError{Field: field,
					Err: fmt.Errorf("%q cannot be sent in a SAML 1.1 token; WS-Federation claim types are URIs with a path, such as %s", r.Claim, claims.ClaimRole)})
			}
		}
	}
	return errs
}

// isURIToken accepts a non-empty URI without whitespace or control
// characters of at most 256 bytes.
func isURIToken(s string) bool {
	return s != "" && len(s) <= 256 && strings.Contains(s, ":") &&
		!strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

// FieldError is one problem with one field of a Definition (or of a
// party's claim rules), whose Field is the YAML key path below the party,
// such as "reply_urls[1]" or "claims[0].attribute". It is the same type
// claims uses, so a caller walks one type.
type FieldError = claims.FieldError
