package o365

import (
	"crypto/x509"
	"strings"
	"sync"
	"time"
)

// DefaultClockSkew is the clock tolerance Checker applies when ClockSkew is
// zero: 5 minutes, as Entra does.
const DefaultClockSkew = 5 * time.Minute

// CloudUser is a user synced to Entra (by Entra Connect) from AD.
type CloudUser struct {
	// UPN is the cloud userPrincipalName; the token's UPN claim must equal
	// it, compared case-insensitively.
	UPN string
	// ImmutableID is the sourceAnchor (see ImmutableID); the token's
	// NameIdentifier and ImmutableID claim must equal it exactly.
	ImmutableID string
	// DisplayName is only shown; it is not checked.
	DisplayName string
}

// Federation is one federated domain's settings as Entra stores them
// (Graph internalDomainFederation, o365-reference §5).
type Federation struct {
	// Domain is the federated domain, e.g. "contoso.com". Users in it and
	// in its subdomains sign in through this federation.
	Domain string
	// IssuerURI is the token Issuer this domain accepts, compared exactly,
	// e.g. "http://sts.contoso.com/adfs/services/trust".
	IssuerURI string
	// PassiveSignInURI is where home-realm discovery sends the browser,
	// e.g. "https://sts.contoso.com/adfs/ls/".
	PassiveSignInURI string
	// SigningCertificates are signingCertificate and, during a rollover,
	// nextSigningCertificate. Tokens must be signed by one of them; a
	// certificate in the token's KeyInfo is never trusted by itself.
	SigningCertificates []*x509.Certificate
}

// Checker validates a WS-Federation wresult the way Entra ID does for a
// federated domain. The zero value accepts nothing; set Federations and
// Users. Do not modify Federations or Users while CheckWResult may run.
// A Checker is safe for concurrent use and must not be copied after first use.
type Checker struct {
	// Federations are the tenant's federated domains. An IssuerURI must
	// appear in at most one of them.
	Federations []Federation
	// Users are the synced cloud users.
	Users []CloudUser
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// ClockSkew is the tolerance applied to NotBefore, NotOnOrAfter,
	// IssueInstant and AuthenticationInstant. Default (zero or negative):
	// DefaultClockSkew.
	ClockSkew time.Duration

	mu          sync.Mutex
	seen        map[string]time.Time // replay key -> forget after
	replayLimit int                  // 0 = defaultReplayLimit; set by white-box tests
}

// Result is a token Checker accepted, with the claims Entra would use.
type Result struct {
	UPN, ImmutableID, DisplayName string // DisplayName from the CloudUser
	Issuer                        string
	// MFA reports an authnmethodsreferences claim containing
	// http://schemas.microsoft.com/claims/multipleauthn: the IdP did MFA.
	MFA bool
	// InsideCorporateNetwork is the insidecorporatenetwork claim; nil when
	// the token does not carry it.
	InsideCorporateNetwork *bool
	AuthnInstant           time.Time
	NotOnOrAfter           time.Time
	AssertionID            string
	// AuthnContextClassRef is the SAML 2.0 AuthnStatement's class ("" for
	// WS-Federation). It is informational: Entra takes MFA only from the
	// authnmethodsreferences claim.
	AuthnContextClassRef string
}

// CheckWResult validates a wresult (the RSTR XML a browser POSTs to
// login.srf) and returns the signed-in user. Every failure is a
// *RejectError. A token is accepted at most once: a second CheckWResult of
// the same assertion fails as a replay until NotOnOrAfter + ClockSkew.
func (c *Checker) CheckWResult(wresult []byte) (*Result, error) {
	now := c.now()
	skew := c.skew()

	doc, err := parseWResult(wresult)
	if err != nil {
		return nil, err
	}
	unverified, err := locateAssertion(doc)
	if err != nil {
		return nil, err
	}
	issuer, _ := attr(unverified, "Issuer")
	fed, err := c.federationFor(issuer)
	if err != nil {
		return nil, err
	}
	verified, err := verifySignature(unverified, fed.SigningCertificates, now, "AssertionID")
	if err != nil {
		return nil, err
	}
	// From here on only the verified element is read.
	claims, err := readAssertion(verified)
	if err != nil {
		return nil, err
	}
	if claims.Issuer != issuer {
		return nil, reject(nil, "signed issuer %s differs from the issuer %s used to pick the federation", q(claims.Issuer), q(issuer))
	}
	if err := checkAudience(claims.Audiences); err != nil {
		return nil, err
	}
	if err := checkTimes(claims, now, skew); err != nil {
		return nil, err
	}
	user, err := c.checkSubject(claims, fed)
	if err != nil {
		return nil, err
	}
	if err := c.markUsed(issuer, claims.AssertionID, claims.NotOnOrAfter.Add(skew), now); err != nil {
		return nil, err
	}
	return &Result{
		UPN:                    user.UPN,
		ImmutableID:            user.ImmutableID,
		DisplayName:            user.DisplayName,
		Issuer:                 claims.Issuer,
		MFA:                    claims.MFA,
		InsideCorporateNetwork: claims.InsideCorporate,
		AuthnInstant:           claims.AuthnInstant,
		NotOnOrAfter:           claims.NotOnOrAfter,
		AssertionID:            claims.AssertionID,
	}, nil
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Checker) skew() time.Duration {
	if c.ClockSkew > 0 {
		return c.ClockSkew
	}
	return DefaultClockSkew
}

// federationFor picks the single federation whose IssuerURI is issuer.
func (c *Checker) federationFor(issuer string) (*Federation, error) {
	if issuer == "" {
		return nil, reject(nil, "assertion has no Issuer")
	}
	var found *Federation
	for i := range c.Federations {
		if c.Federations[i].IssuerURI != issuer {
			continue
		}
		if found != nil {
			return nil, reject(nil, "issuer %s is the IssuerUri of more than one federated domain (%s, %s); Entra requires one issuer per domain", q(issuer), found.Domain, c.Federations[i].Domain)
		}
		found = &c.Federations[i]
	}
	if found == nil {
		return nil, reject(nil, "issuer %s is not the IssuerUri of any federated domain", q(issuer))
	}
	if len(found.SigningCertificates) == 0 {
		return nil, reject(nil, "federated domain %s has no signing certificate configured", found.Domain)
	}
	return found, nil
}

// checkAudience requires at least one AudienceRestrictionCondition and that
// every one of them lists Realm exactly (SAML 1.1 core §2.3.2.1.3: each
// condition must hold).
func checkAudience(conds [][]string) error {
	if len(conds) == 0 {
		return reject(nil, "audience: the assertion has no AudienceRestrictionCondition; it must name %s", Realm)
	}
	for _, auds := range conds {
		ok := false
		for _, a := range auds {
			if a == Realm {
				ok = true
			}
		}
		if !ok {
			got := "none"
			if len(auds) > 0 {
				got = q(auds[0])
			}
			return reject(nil, "audience %s is not %s", got, Realm)
		}
	}
	return nil
}

// checkTimes applies NotBefore − skew ≤ now < NotOnOrAfter + skew and refuses
// an IssueInstant or AuthenticationInstant in the future.
func checkTimes(c *assertionClaims, now time.Time, skew time.Duration) error {
	if now.Before(c.NotBefore.Add(-skew)) {
		return reject(nil, "token is not valid before %s (now %s, skew %s)", stamp(c.NotBefore), stamp(now), skew)
	}
	if !now.Before(c.NotOnOrAfter.Add(skew)) {
		return reject(nil, "token expired at %s (now %s, skew %s)", stamp(c.NotOnOrAfter), stamp(now), skew)
	}
	if c.IssueInstant.After(now.Add(skew)) {
		return reject(nil, "token IssueInstant %s is in the future (now %s)", stamp(c.IssueInstant), stamp(now))
	}
	if c.AuthnInstant.After(now.Add(skew)) {
		return reject(nil, "AuthenticationInstant %s is in the future (now %s)", stamp(c.AuthnInstant), stamp(now))
	}
	return nil
}

// checkSubject ties the token to a synced user: NameIdentifier (in both
// statements) = ImmutableID claim = CloudUser.ImmutableID, and the UPN claim
// = CloudUser.UPN inside the federation's domain.
func (c *Checker) checkSubject(cl *assertionClaims, fed *Federation) (*CloudUser, error) {
	if cl.ImmutableID == "" {
		return nil, reject(nil, "token has no ImmutableID claim (%s/%s)", claimImmutableID.Namespace, claimImmutableID.Name)
	}
	if cl.UPN == "" {
		return nil, reject(nil, "token has no UPN claim (%s/%s)", claimUPN.Namespace, claimUPN.Name)
	}
	if len(cl.UPN) > maxClaimLen || len(cl.ImmutableID) > maxClaimLen {
		return nil, reject(nil, "UPN or ImmutableID claim is longer than %d bytes", maxClaimLen)
	}
	if cl.NameID != cl.ImmutableID {
		return nil, reject(nil, "NameIdentifier %s does not equal the ImmutableID claim %s", q(cl.NameID), q(cl.ImmutableID))
	}
	if cl.AuthnNameID != cl.NameID {
		return nil, reject(nil, "AuthenticationStatement subject %s differs from the AttributeStatement subject %s", q(cl.AuthnNameID), q(cl.NameID))
	}
	var user *CloudUser
	for i := range c.Users {
		if c.Users[i].ImmutableID == cl.ImmutableID {
			user = &c.Users[i]
			break
		}
	}
	if user == nil {
		return nil, reject(nil, "no cloud user with ImmutableID %s", q(cl.ImmutableID))
	}
	if !strings.EqualFold(cl.UPN, user.UPN) {
		return nil, reject(nil, "UPN does not match the synced user: token says %s, the user with that ImmutableID is %s", q(cl.UPN), q(user.UPN))
	}
	if !inDomain(cl.UPN, fed.Domain) {
		return nil, reject(nil, "UPN %s is not in %s or a subdomain of it, the domain issuer %s is federated for", q(cl.UPN), fed.Domain, q(fed.IssuerURI))
	}
	return user, nil
}

// inDomain reports whether upn's domain part is domain or a subdomain of it,
// ignoring case.
func inDomain(upn, domain string) bool {
	at := strings.LastIndexByte(upn, '@')
	if at < 0 || domain == "" {
		return false
	}
	d, want := strings.ToLower(upn[at+1:]), strings.ToLower(domain)
	return d == want || strings.HasSuffix(d, "."+want)
}
