package o365

import (
	"bytes"
	"encoding/base64"
	"strings"
	"time"

	"github.com/beevik/etree"
	xrv "github.com/mattermost/xml-roundtrip-validator"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// SAML 2.0 names the Entra SAML federation profile uses (o365-reference §3).
const (
	nsSAML2Protocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsSAML2Assertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	saml2Persistent  = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	saml2Bearer      = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	saml2Success     = "urn:oasis:names:tc:SAML:2.0:status:Success"
	// samlAttrIDPEmail carries the UPN in the Entra SAML profile.
	samlAttrIDPEmail = "IDPEmail"
	// samlAttrMethods is the MFA claim: Entra honours federatedIdpMfaBehavior
	// from the same authnmethodsreferences claim (value multipleauthn) in
	// SAML 2.0 as in WS-Federation. AuthnContextClassRef is reported but
	// never taken as proof of MFA.
	samlAttrMethods = "http://schemas.microsoft.com/claims/authnmethodsreferences"
)

// MaxSAMLResponseSize is the largest decoded SAMLResponse CheckSAMLResponse
// parses, in bytes (256 KiB, as MaxWResultSize).
const MaxSAMLResponseSize = 256 << 10

// SAMLRequestInfo is what the site remembers about the AuthnRequest it sent:
// the response must answer exactly that request at exactly that ACS.
type SAMLRequestInfo struct {
	// ID is the AuthnRequest ID; InResponseTo must equal it. Required:
	// Entra sends only SP-initiated requests and refuses unsolicited responses.
	ID string
	// ACS is the AssertionConsumerServiceURL sent (Entra's login.srf); the
	// Response Destination and the bearer Recipient must equal it.
	ACS string
}

// CheckSAMLResponse validates the SAMLResponse form field (base64) a
// browser POSTs to login.srf in the Entra SAML 2.0 federation profile and
// returns the signed-in user. The assertion must be signed by one of the
// federation's certificates (the Response signature is verified too when
// present); every claim is read from the verified element. Every failure is
// a *RejectError. An assertion is accepted at most once.
func (c *Checker) CheckSAMLResponse(samlResponse string, req SAMLRequestInfo) (*Result, error) {
	now := c.now()
	skew := c.skew()
	if req.ID == "" || req.ACS == "" {
		return nil, reject(nil, "no AuthnRequest to match: Entra refuses unsolicited SAML responses")
	}
	raw, err := decodeSAMLResponse(samlResponse)
	if err != nil {
		return nil, err
	}
	doc, err := parseSAMLResponse(raw)
	if err != nil {
		return nil, err
	}
	resp, assertion, respSigned, err := locateSAML2Assertion(doc)
	if err != nil {
		return nil, err
	}
	issuer, err := saml2Issuer(assertion)
	if err != nil {
		return nil, err
	}
	fed, err := c.federationFor(issuer)
	if err != nil {
		return nil, err
	}
	if respSigned {
		if resp, err = verifySignature(resp, fed.SigningCertificates, now, "ID"); err != nil {
			return nil, err
		}
		// The assertion is taken again from the verified response.
		kids := childrenNamed(resp, nsSAML2Assertion, "Assertion")
		if len(kids) != 1 {
			return nil, reject(nil, "the signed Response holds %d assertions; want 1", len(kids))
		}
		if assertion, err = detach(kids[0]); err != nil {
			return nil, err
		}
	}
	if err := checkSAML2Response(resp, issuer, req); err != nil {
		return nil, err
	}
	verified, err := verifySignature(assertion, fed.SigningCertificates, now, "ID")
	if err != nil {
		return nil, err
	}
	cl, err := readSAML2Assertion(verified)
	if err != nil {
		return nil, err
	}
	if cl.Issuer != issuer {
		return nil, reject(nil, "signed issuer %s differs from the issuer %s used to pick the federation", q(cl.Issuer), q(issuer))
	}
	if err := cl.check(req, now, skew); err != nil {
		return nil, err
	}
	user, err := c.checkSAML2Subject(cl, fed)
	if err != nil {
		return nil, err
	}
	if err := c.markUsed(issuer, cl.AssertionID, cl.NotOnOrAfter.Add(skew), now); err != nil {
		return nil, err
	}
	return &Result{
		UPN: user.UPN, ImmutableID: user.ImmutableID, DisplayName: user.DisplayName,
		Issuer: cl.Issuer, MFA: cl.MFA, AuthnInstant: cl.AuthnInstant,
		NotOnOrAfter: cl.NotOnOrAfter, AssertionID: cl.AssertionID,
		AuthnContextClassRef: cl.AuthnContext,
	}, nil
}

func decodeSAMLResponse(s string) ([]byte, error) {
	if s == "" {
		return nil, reject(nil, "SAMLResponse is empty")
	}
	if len(s) > base64.StdEncoding.EncodedLen(MaxSAMLResponseSize) {
		return nil, reject(nil, "SAMLResponse is longer than the limit of %d decoded bytes", MaxSAMLResponseSize)
	}
	// Browsers may wrap the value; whitespace is not part of base64.
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, reject(err, "SAMLResponse is not base64")
	}
	return b, nil
}

// parseSAMLResponse applies the same limits as parseWResult.
func parseSAMLResponse(b []byte) (*etree.Document, error) {
	if len(b) > MaxSAMLResponseSize {
		return nil, reject(nil, "SAMLResponse is %d bytes; the limit is %d", len(b), MaxSAMLResponseSize)
	}
	if err := scanTokens(b, "SAMLResponse"); err != nil {
		return nil, err
	}
	if err := xrv.Validate(bytes.NewReader(b)); err != nil {
		return nil, reject(err, "SAMLResponse does not survive an XML round trip (namespace or attribute smuggling)")
	}
	doc := etree.NewDocument()
	doc.ReadSettings.MaxDepth = maxDepth
	if err := doc.ReadFromBytes(b); err != nil {
		return nil, reject(err, "SAMLResponse is not well-formed XML")
	}
	if doc.Root() == nil {
		return nil, reject(nil, "SAMLResponse has no root element")
	}
	return doc, nil
}

// locateSAML2Assertion accepts only samlp:Response with exactly one
// saml:Assertion child carrying its own enveloped signature, and at most one
// more signature, enveloped in the Response. Any other assertion or
// signature anywhere is refused: those are the signature-wrapping shapes.
func locateSAML2Assertion(doc *etree.Document) (resp, assertion *etree.Element, respSigned bool, err error) {
	root := doc.Root()
	if !is(root, nsSAML2Protocol, "Response") {
		return nil, nil, false, reject(nil, "SAMLResponse root is {%s}%s; want samlp:Response", clip(root.NamespaceURI()), clip(root.Tag))
	}
	var assertions, signatures int
	walk(root, func(el *etree.Element) {
		switch el.Tag {
		case "Assertion", "EncryptedAssertion", "EncryptedID", "EncryptedAttribute":
			assertions++
		case "Signature":
			signatures++
		}
	})
	if n := len(childrenNamed(root, nsSAML2Assertion, "EncryptedAssertion")); n > 0 {
		return nil, nil, false, reject(nil, "the Response holds an EncryptedAssertion; Entra does not accept encrypted assertions from a federated IdP")
	}
	kids := childrenNamed(root, nsSAML2Assertion, "Assertion")
	if assertions != 1 || len(kids) != 1 {
		return nil, nil, false, reject(nil, "SAMLResponse holds %d assertions; exactly one saml:Assertion, a direct child of samlp:Response, is allowed", assertions)
	}
	assertion = kids[0]
	asig := len(childrenNamed(assertion, nsDSig, "Signature"))
	rsig := len(childrenNamed(root, nsDSig, "Signature"))
	switch {
	case asig != 1:
		return nil, nil, false, reject(nil, "the assertion is not signed: its ds:Signature must be a direct child of saml:Assertion")
	case rsig > 1 || signatures != asig+rsig:
		return nil, nil, false, reject(nil, "SAMLResponse holds %d Signature elements; only one in the assertion and optionally one in the Response are allowed", signatures)
	}
	if rsig == 0 {
		if assertion, err = detach(assertion); err != nil {
			return nil, nil, false, err
		}
	}
	return root, assertion, rsig == 1, nil
}

// detach copies el with every in-scope namespace declaration so it can be
// verified on its own.
func detach(el *etree.Element) (*etree.Element, error) {
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return nil, reject(err, "the assertion's namespaces cannot be resolved")
	}
	d, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		return nil, reject(err, "the assertion's namespaces cannot be resolved")
	}
	return d, nil
}

// saml2Issuer reads the (not yet verified) assertion Issuer used only to
// pick the federation whose certificates then verify the signature.
func saml2Issuer(a *etree.Element) (string, error) {
	iss := childrenNamed(a, nsSAML2Assertion, "Issuer")
	if len(iss) != 1 {
		return "", reject(nil, "assertion has %d saml:Issuer elements; want 1", len(iss))
	}
	v, err := text(iss[0])
	if err != nil || v == "" || len(v) > maxClaimLen {
		return "", reject(err, "assertion saml:Issuer is empty, malformed or longer than %d bytes", maxClaimLen)
	}
	return v, nil
}

// checkSAML2Response checks the protocol envelope: version, Destination,
// InResponseTo, Issuer (when present) and a Success status. resp is the
// verified Response when it was signed; otherwise these values are not
// authenticated, but the signed assertion binds the same Recipient and
// InResponseTo, so the checks here can only add refusals.
func checkSAML2Response(resp *etree.Element, issuer string, req SAMLRequestInfo) error {
	if v, _ := attr(resp, "Version"); v != "2.0" {
		return reject(nil, "Response Version is %s; want 2.0", q(v))
	}
	if d, _ := attr(resp, "Destination"); d != req.ACS {
		return reject(nil, "Response Destination %s is not %s", q(d), q(req.ACS))
	}
	if irt, ok := attr(resp, "InResponseTo"); ok && irt != req.ID {
		return reject(nil, "Response InResponseTo %s is not the AuthnRequest this site sent", q(irt))
	}
	for _, iss := range childrenNamed(resp, nsSAML2Assertion, "Issuer") {
		if v, err := text(iss); err != nil || v != issuer {
			return reject(err, "Response Issuer %s differs from the assertion Issuer %s", q(v), q(issuer))
		}
	}
	sts := childrenNamed(resp, nsSAML2Protocol, "Status")
	if len(sts) != 1 {
		return reject(nil, "Response has %d samlp:Status elements; want 1", len(sts))
	}
	codes := childrenNamed(sts[0], nsSAML2Protocol, "StatusCode")
	if len(codes) != 1 {
		return reject(nil, "samlp:Status has no StatusCode")
	}
	if v, _ := attr(codes[0], "Value"); v != saml2Success {
		return reject(nil, "the IdP answered with status %s, not Success", q(v))
	}
	return nil
}

// saml2Claims is what CheckSAMLResponse reads from the verified assertion.
type saml2Claims struct {
	AssertionID, Issuer string
	IssueInstant        time.Time
	NameID, NameIDFmt   string
	Recipient, IRT      string
	SCDNotOnOrAfter     time.Time
	NotBefore           time.Time
	NotOnOrAfter        time.Time
	Audiences           [][]string
	UPN                 string
	MFA                 bool
	AuthnInstant        time.Time
	AuthnContext        string
}

// readSAML2Assertion extracts the claims from the element goxmldsig verified.
func readSAML2Assertion(el *etree.Element) (*saml2Claims, error) {
	if !is(el, nsSAML2Assertion, "Assertion") {
		return nil, reject(nil, "the signed element is not a SAML 2.0 assertion")
	}
	if v, _ := attr(el, "Version"); v != "2.0" {
		return nil, reject(nil, "assertion Version is %s; want 2.0", q(v))
	}
	c := &saml2Claims{}
	var err error
	if c.AssertionID, err = requiredAttr(el, "ID"); err != nil {
		return nil, err
	}
	if c.IssueInstant, err = timeAttr(el, "IssueInstant"); err != nil {
		return nil, err
	}
	if c.Issuer, err = saml2Issuer(el); err != nil {
		return nil, err
	}
	subj := childrenNamed(el, nsSAML2Assertion, "Subject")
	conds := childrenNamed(el, nsSAML2Assertion, "Conditions")
	authn := childrenNamed(el, nsSAML2Assertion, "AuthnStatement")
	if len(subj) != 1 || len(conds) != 1 || len(authn) != 1 {
		return nil, reject(nil, "assertion must hold exactly one Subject, Conditions and AuthnStatement (has %d, %d, %d)", len(subj), len(conds), len(authn))
	}
	if err := c.readSubject(subj[0]); err != nil {
		return nil, err
	}
	if c.NotBefore, err = timeAttr(conds[0], "NotBefore"); err != nil {
		return nil, err
	}
	if c.NotOnOrAfter, err = timeAttr(conds[0], "NotOnOrAfter"); err != nil {
		return nil, err
	}
	for _, ar := range childrenNamed(conds[0], nsSAML2Assertion, "AudienceRestriction") {
		var auds []string
		for _, a := range childrenNamed(ar, nsSAML2Assertion, "Audience") {
			v, err := text(a)
			if err != nil {
				return nil, reject(err, "saml:Audience is malformed")
			}
			auds = append(auds, v)
		}
		c.Audiences = append(c.Audiences, auds)
	}
	if c.AuthnInstant, err = timeAttr(authn[0], "AuthnInstant"); err != nil {
		return nil, err
	}
	for _, ctx := range childrenNamed(authn[0], nsSAML2Assertion, "AuthnContext") {
		for _, ref := range childrenNamed(ctx, nsSAML2Assertion, "AuthnContextClassRef") {
			if c.AuthnContext, err = text(ref); err != nil {
				return nil, reject(err, "AuthnContextClassRef is malformed")
			}
		}
	}
	for _, st := range childrenNamed(el, nsSAML2Assertion, "AttributeStatement") {
		if err := c.readAttributes(st); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *saml2Claims) readSubject(el *etree.Element) error {
	ids := childrenNamed(el, nsSAML2Assertion, "NameID")
	if len(ids) != 1 {
		return reject(nil, "saml:Subject holds %d NameID; want exactly 1", len(ids))
	}
	var err error
	if c.NameID, err = text(ids[0]); err != nil {
		return reject(err, "NameID is malformed")
	}
	if c.NameID == "" || len(c.NameID) > maxClaimLen {
		return reject(nil, "NameID is empty or longer than %d bytes", maxClaimLen)
	}
	c.NameIDFmt, _ = attr(ids[0], "Format")
	for _, sc := range childrenNamed(el, nsSAML2Assertion, "SubjectConfirmation") {
		if m, _ := attr(sc, "Method"); m != saml2Bearer {
			continue
		}
		scd := childrenNamed(sc, nsSAML2Assertion, "SubjectConfirmationData")
		if len(scd) != 1 {
			return reject(nil, "bearer SubjectConfirmation must hold one SubjectConfirmationData")
		}
		c.Recipient, _ = attr(scd[0], "Recipient")
		c.IRT, _ = attr(scd[0], "InResponseTo")
		if c.SCDNotOnOrAfter, err = timeAttr(scd[0], "NotOnOrAfter"); err != nil {
			return err
		}
		return nil
	}
	return reject(nil, "saml:Subject has no bearer SubjectConfirmation (%s)", saml2Bearer)
}

func (c *saml2Claims) readAttributes(st *etree.Element) error {
	for _, a := range childrenNamed(st, nsSAML2Assertion, "Attribute") {
		name, _ := attr(a, "Name")
		var values []string
		for _, v := range childrenNamed(a, nsSAML2Assertion, "AttributeValue") {
			s, err := text(v)
			if err != nil {
				return reject(err, "attribute %s has a malformed value", q(name))
			}
			values = append(values, s)
		}
		switch name {
		case samlAttrIDPEmail:
			if c.UPN != "" || len(values) != 1 {
				return reject(nil, "IDPEmail must appear once with one value")
			}
			c.UPN = values[0]
		case samlAttrMethods:
			for _, v := range values {
				if v == multipleAuthn {
					c.MFA = true
				}
			}
		}
	}
	return nil
}

// check applies the request binding, audience and time rules.
func (c *saml2Claims) check(req SAMLRequestInfo, now time.Time, skew time.Duration) error {
	if c.Recipient != req.ACS {
		return reject(nil, "bearer Recipient %s is not %s", q(c.Recipient), q(req.ACS))
	}
	if c.IRT != req.ID {
		return reject(nil, "bearer InResponseTo %s is not the AuthnRequest this site sent", q(c.IRT))
	}
	if !now.Before(c.SCDNotOnOrAfter.Add(skew)) {
		return reject(nil, "SubjectConfirmationData expired at %s (now %s, skew %s)", stamp(c.SCDNotOnOrAfter), stamp(now), skew)
	}
	if err := checkAudience(c.Audiences); err != nil {
		return err
	}
	if now.Before(c.NotBefore.Add(-skew)) {
		return reject(nil, "token is not valid before %s (now %s, skew %s)", stamp(c.NotBefore), stamp(now), skew)
	}
	if !now.Before(c.NotOnOrAfter.Add(skew)) {
		return reject(nil, "token expired at %s (now %s, skew %s)", stamp(c.NotOnOrAfter), stamp(now), skew)
	}
	if c.IssueInstant.After(now.Add(skew)) || c.AuthnInstant.After(now.Add(skew)) {
		return reject(nil, "IssueInstant %s or AuthnInstant %s is in the future (now %s)", stamp(c.IssueInstant), stamp(c.AuthnInstant), stamp(now))
	}
	return nil
}

// checkSAML2Subject ties the assertion to a synced user: persistent NameID
// = CloudUser.ImmutableID and IDPEmail = its UPN inside the federation's
// domain.
func (c *Checker) checkSAML2Subject(cl *saml2Claims, fed *Federation) (*CloudUser, error) {
	if cl.NameIDFmt != saml2Persistent {
		return nil, reject(nil, "NameID Format is %s; Entra accepts only %s", q(cl.NameIDFmt), saml2Persistent)
	}
	if cl.UPN == "" {
		return nil, reject(nil, "assertion has no IDPEmail attribute (the user's UPN)")
	}
	if len(cl.UPN) > maxClaimLen {
		return nil, reject(nil, "IDPEmail is longer than %d bytes", maxClaimLen)
	}
	var user *CloudUser
	for i := range c.Users {
		if c.Users[i].ImmutableID == cl.NameID {
			user = &c.Users[i]
			break
		}
	}
	if user == nil {
		return nil, reject(nil, "no cloud user with ImmutableID %s", q(cl.NameID))
	}
	if !strings.EqualFold(cl.UPN, user.UPN) {
		return nil, reject(nil, "IDPEmail does not match the synced user: token says %s, the user with that ImmutableID is %s", q(cl.UPN), q(user.UPN))
	}
	if !inDomain(cl.UPN, fed.Domain) {
		return nil, reject(nil, "IDPEmail %s is not in %s or a subdomain of it, the domain issuer %s is federated for", q(cl.UPN), fed.Domain, q(fed.IssuerURI))
	}
	return user, nil
}
