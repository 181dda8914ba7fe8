package web_test

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	rules "github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
	"github.com/fedgate/fedgate/web"
)

// The claims environment: alice is in Finance (department Finance), bob
// in Sales (department Sales); both are in O365 Users.
const (
	financeGroup = "CN=Finance,OU=Groups,DC=contoso,DC=com"
	salesGroup   = "CN=Sales,OU=Groups,DC=contoso,DC=com"

	expensesRealm = "urn:contoso:expenses"
	expensesReply = "https://expenses.example.test/signin"
	staffRealm    = "urn:contoso:staff"
	staffReply    = "https://staff.example.test/signin"
	wikiEntity    = "https://wiki.example.test/metadata"
	wikiACS       = "https://wiki.example.test/acs"
	legacyEntity  = "https://legacy.example.test/metadata"
	legacyACS     = "https://legacy.example.test/acs"

	claimDepartment = "http://schemas.contoso.com/claims/department"
	claimGroup      = "http://schemas.xmlsoap.org/claims/Group"

	rsaSHA1   = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	rsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
)

// disablingDirectory is the real directory client whose Lookup can
// report the account disabled, as AD would after an administrator
// disables it (the in-process directory's users are fixed at start).
type disablingDirectory struct {
	*ldapauth.Client
	disabled atomic.Bool
}

func (d *disablingDirectory) Lookup(ctx context.Context, username string) (*ldapauth.User, error) {
	u, err := d.Client.Lookup(ctx, username)
	if err == nil && d.disabled.Load() {
		u.UserAccountControl |= 0x2
	}
	return u, err
}

var _ web.UserDirectory = (*disablingDirectory)(nil)

type claimsEnv struct {
	*testEnv
	dir      *disablingDirectory
	wsfedKey *x509.Certificate
	samlKey  *x509.Certificate
}

// newClaimsEnv serves Office 365, two WS-Fed parties and two SAML parties
// with claim rules and access rules, tokens signed per party (rp.Issuers).
//
//	Expenses (WS-Fed)  rules: upn, department, Finance→role, groups (cn);
//	                   NameID mail (emailAddress); RSA-SHA1; 2h; Finance only
//	Staff (WS-Fed)     default rules, everyone
//	Wiki (SAML)        rules: mail→email, groups (cn); NameID samaccountname; Sales denied
//	Legacy (SAML)      default rules, RSA-SHA1
func newClaimsEnv(t *testing.T) *claimsEnv {
	t.Helper()
	e := &claimsEnv{}
	users := ldaptest.Contoso()
	users[0].MemberOf = append(users[0].MemberOf, financeGroup)
	users[0].Attributes = map[string][]string{"department": {"Finance"}}
	users[1].MemberOf = append(users[1].MemberOf, salesGroup)
	users[1].Attributes = map[string][]string{"department": {"Sales"}}
	d := ldaptest.StartT(t, ldaptest.Config{Users: users})
	cc := d.ClientConfig()
	cc.ExtraAttributes = []string{"department"}
	client, err := ldapauth.New(cc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	e.dir = &disablingDirectory{Client: client}

	e.testEnv = newTestEnv(t, func(cfg *web.Config) {
		expenses := rp.Party{Name: "Contoso Expenses", Protocol: rp.WSFed, Identifiers: []string{expensesRealm},
			ReplyURLs: []string{expensesReply}, MFA: rp.MFANever,
			SignatureAlgorithm: token.RSASHA1, TokenLifetime: 2 * time.Hour,
			NameIDSource: rp.NameIDMail, NameIDFormat: samlp.NameIDFormatEmailAddress,
			Claims: []rules.Rule{
				{Attribute: "upn", Claim: rules.ClaimUPN},
				{Attribute: "department", Claim: claimDepartment},
				{MemberOf: "cn=finance,ou=groups,dc=contoso,dc=com", Value: "Approver", Claim: rules.ClaimRole},
				{Groups: rules.GroupsCN, Claim: claimGroup},
			},
			Access: rules.Access{PermitGroups: []string{financeGroup}},
		}
		staff := rp.Party{Name: "Staff Portal", Protocol: rp.WSFed, Identifiers: []string{staffRealm},
			ReplyURLs: []string{staffReply}, MFA: rp.MFANever}
		wiki := rp.SAMLParty("Wiki", &samlp.ServiceProvider{EntityID: wikiEntity,
			ACS: []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: wikiACS}}}, rp.MFANever)
		wiki.NameIDSource = rp.NameIDSAMAccountName
		wiki.Claims = []rules.Rule{{Attribute: "mail", Claim: "email"}, {Groups: rules.GroupsCN, Claim: "groups"}}
		wiki.Access = rules.Access{DenyGroups: []string{salesGroup}}
		legacy := rp.SAMLParty("Legacy SP", &samlp.ServiceProvider{EntityID: legacyEntity, SignatureAlgorithm: token.RSASHA1,
			ACS: []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: legacyACS}}}, rp.MFANever)
		parties, err := rp.NewRegistry(rp.Office365(rp.MFAAlways, replyURL), expenses, staff, wiki, legacy)
		if err != nil {
			t.Fatal(err)
		}

		wsKeys, err := token.GenerateKeyPair("ws-fed signing", 24*time.Hour, cfg.Now(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		e.wsfedKey = wsKeys.Cert
		tokens, err := rp.NewIssuers(token.Config{Issuer: idpEntityID, Keys: token.KeySet{Current: wsKeys}, Now: cfg.Now}, parties.Lookup)
		if err != nil {
			t.Fatal(err)
		}
		samlKeys, err := token.GenerateKeyPair("saml signing", 24*time.Hour, cfg.Now(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		e.samlKey = samlKeys.Cert
		idp, err := samlp.New(samlp.Config{EntityID: idpEntityID, SSOURL: ssoURL, Keys: token.KeySet{Current: samlKeys}, Now: cfg.Now})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Parties, cfg.Auth, cfg.Tokens, cfg.SAML, cfg.IdPInitiated = parties, e.dir, tokens, idp, true
		cfg.Replay = cfg.Audit.(web.Replay)
	})
	return e
}

// wsfedSignIn opens the party's sign-in URL and, when the password page
// shows, signs in.
func (e *claimsEnv) wsfedSignIn(t *testing.T, c *http.Client, realm, user, pass string) *response {
	t.Helper()
	r := e.get(t, c, "/adfs/ls/?wa=wsignin1.0&wtrealm="+url.QueryEscape(realm))
	if r.page != nil && r.page.Has("loginForm") && user != "" {
		r = e.submit(t, c, r, "loginForm", map[string]string{"UserName": user, "Password": pass})
	}
	return r
}

// issuedToken is a parsed, signature-checked SAML 1.1 or 2.0 assertion.
type issuedToken struct {
	nameID, nameIDFormat string
	method               string // SignatureMethod Algorithm
	lifetime             time.Duration
	attrs                map[string][]string // claim type → values
	order                []string            // claim types in token order
}

// wsfedToken checks r is the auto-POST of a WS-Fed token to reply and
// returns the verified assertion's content.
func (e *claimsEnv) wsfedToken(t *testing.T, r *response, reply string) issuedToken {
	t.Helper()
	f := autopost(t, r, reply)
	doc := etree.NewDocument()
	if err := doc.ReadFromString(f.Get("wresult")); err != nil {
		t.Fatal(err)
	}
	as := doc.FindElement("//Assertion")
	if as == nil {
		t.Fatalf("no assertion in %s", f.Get("wresult"))
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{e.wsfedKey}})
	vc.IdAttribute = "AssertionID"
	vc.Clock = dsig.NewFakeClockAt(e.clock.Now())
	if _, err := vc.Validate(as.Copy()); err != nil {
		t.Fatalf("token signature does not verify: %v", err)
	}
	tok := issuedToken{attrs: map[string][]string{}, method: signatureAlgorithm(as)}
	if ni := as.FindElement("AttributeStatement/Subject/NameIdentifier"); ni != nil {
		tok.nameID, tok.nameIDFormat = ni.Text(), ni.SelectAttrValue("Format", "")
	}
	tok.lifetime = lifetime(t, as.FindElement("Conditions"))
	for _, a := range as.FindElements("AttributeStatement/Attribute") {
		typ := a.SelectAttrValue("AttributeNamespace", "") + "/" + a.SelectAttrValue("AttributeName", "")
		tok.order = append(tok.order, typ)
		for _, v := range a.SelectElements("AttributeValue") {
			tok.attrs[typ] = append(tok.attrs[typ], v.Text())
		}
	}
	return tok
}

// samlToken checks r is the auto-POST of a SAML Response to acs and
// returns the verified assertion's content.
func (e *claimsEnv) samlToken(t *testing.T, r *response, acs string) issuedToken {
	t.Helper()
	se := &samlEnv{testEnv: e.testEnv, idpCert: e.samlKey}
	resp := se.samlResponse(t, r, acs, "")
	as := resp.SelectElement("Assertion")
	tok := issuedToken{attrs: map[string][]string{}, method: signatureAlgorithm(as)}
	if ni := as.FindElement("Subject/NameID"); ni != nil {
		tok.nameID, tok.nameIDFormat = ni.Text(), ni.SelectAttrValue("Format", "")
	}
	tok.lifetime = lifetime(t, as.FindElement("Conditions"))
	for _, a := range as.FindElements("AttributeStatement/Attribute") {
		typ := a.SelectAttrValue("Name", "")
		tok.order = append(tok.order, typ)
		for _, v := range a.SelectElements("AttributeValue") {
			tok.attrs[typ] = append(tok.attrs[typ], v.Text())
		}
	}
	return tok
}

func autopost(t *testing.T, r *response, action string) url.Values {
	t.Helper()
	if r.status != http.StatusOK || r.page == nil || !r.page.Has("autopost") {
		t.Fatalf("want the auto-POST page, got %d: %s", r.status, r.body)
	}
	f, err := r.page.Form("autopost")
	if err != nil {
		t.Fatal(err)
	}
	if f.Action != action {
		t.Fatalf("token posted to %q, want %q", f.Action, action)
	}
	return f.Fields
}

func signatureAlgorithm(as *etree.Element) string {
	if sm := as.FindElement(".//SignatureMethod"); sm != nil {
		return sm.SelectAttrValue("Algorithm", "")
	}
	return ""
}

func lifetime(t *testing.T, cond *etree.Element) time.Duration {
	t.Helper()
	if cond == nil {
		t.Fatal("assertion has no Conditions")
	}
	nb, err1 := time.Parse(time.RFC3339, cond.SelectAttrValue("NotBefore", ""))
	na, err2 := time.Parse(time.RFC3339, cond.SelectAttrValue("NotOnOrAfter", ""))
	if err1 != nil || err2 != nil {
		t.Fatalf("Conditions %v %v", err1, err2)
	}
	return na.Sub(nb)
}

// lastAudit returns the newest audit event.
func (e *claimsEnv) lastAudit(t *testing.T) store.AuditEvent {
	t.Helper()
	events, err := e.store.ListAudit(t.Context(), time.Time{}, store.MaxAuditList)
	if err != nil || len(events) == 0 {
		t.Fatalf("ListAudit = %d events, %v", len(events), err)
	}
	return events[len(events)-1]
}

// refusedAccess checks r is the branded "not allowed" page, never a token,
// and the audit says failure/access_denied for the party.
func (e *claimsEnv) refusedAccess(t *testing.T, r *response, party, partyID string) {
	t.Helper()
	if r.status != http.StatusForbidden || r.page == nil || r.page.Has("autopost") || r.page.Has("loginForm") {
		t.Fatalf("want the 403 error page, got %d: %s", r.status, r.body)
	}
	if msg := r.page.Text("error-message"); !strings.Contains(msg, "You are not allowed to sign in to "+party) || r.page.Text("activity-id") == "" {
		t.Fatalf("error page %q without the party name or activity ID", msg)
	}
	if strings.Contains(r.body, "SAMLResponse") || strings.Contains(r.body, "wresult") {
		t.Fatal("a refused sign-in page carries a token")
	}
	if a := e.lastAudit(t); a.Result != "failure" || a.Reason != "access_denied" || a.RelyingParty != partyID {
		t.Fatalf("audit %+v, want failure/access_denied for %s", a, partyID)
	}
}

// TestClaims_WSFedPartyGetsExactlyItsMappedClaims: the token of a WS-Fed
// party with rules carries exactly the rule claims in rule order, the
// NameID from its source and format, its lifetime and SHA-1, which only
// it is configured for.
func TestClaims_WSFedPartyGetsExactlyItsMappedClaims(t *testing.T) {
	env := newClaimsEnv(t)
	c := env.browser(t)
	tok := env.wsfedToken(t, env.wsfedSignIn(t, c, expensesRealm, "alice@contoso.com", "Alice-Passw0rd!"), expensesReply)
	want := map[string][]string{
		rules.ClaimUPN:  {"alice@contoso.com"},
		claimDepartment: {"Finance"},
		rules.ClaimRole: {"Approver"},
		claimGroup:      {"Domain Users", "Finance", "O365 Users"},
	}
	if !slices.Equal(tok.order, []string{rules.ClaimUPN, claimDepartment, rules.ClaimRole, claimGroup}) {
		t.Errorf("claim types %q", tok.order)
	}
	for typ, values := range want {
		got := slices.Clone(tok.attrs[typ])
		slices.Sort(got)
		if !slices.Equal(got, values) {
			t.Errorf("%s = %q, want %q", typ, got, values)
		}
	}
	if len(tok.attrs) != len(want) {
		t.Errorf("unexpected claims: %q", tok.attrs)
	}
	if tok.nameID != "alice@contoso.com" || tok.nameIDFormat != samlp.NameIDFormatEmailAddress {
		t.Errorf("NameIdentifier %q (%s)", tok.nameID, tok.nameIDFormat)
	}
	if tok.method != rsaSHA1 || tok.lifetime != 2*time.Hour {
		t.Errorf("signed %s, lifetime %s; want SHA-1 and 2h for this party", tok.method, tok.lifetime)
	}
	if a := env.lastAudit(t); a.Result != "success" || a.RelyingParty != expensesRealm {
		t.Errorf("audit %+v", a)
	}

	// Single sign-on to a party with default rules: UPN, name, e-mail,
	// RSA-SHA256, NameID the ImmutableID.
	tok = env.wsfedToken(t, env.wsfedSignIn(t, c, staffRealm, "", ""), staffReply)
	if !slices.Equal(tok.order, []string{rules.ClaimUPN, rules.ClaimName, rules.ClaimEmail}) ||
		tok.attrs[rules.ClaimName][0] != "Alice Anderson" || tok.attrs[rules.ClaimEmail][0] != "alice@contoso.com" {
		t.Errorf("default claims %q", tok.attrs)
	}
	if tok.method != rsaSHA256 || tok.nameID != "RW+aKiwLHUqeP11se4qfAQ==" || tok.lifetime != time.Hour {
		t.Errorf("default party signed %s, NameID %q, lifetime %s", tok.method, tok.nameID, tok.lifetime)
	}
}

func TestClaims_AccessRefusesANonMemberOnThePasswordPath(t *testing.T) {
	env := newClaimsEnv(t)
	c := env.browser(t)
	r := env.wsfedSignIn(t, c, expensesRealm, "bob@contoso.com", "Bob-Passw0rd!")
	env.refusedAccess(t, r, "Contoso Expenses", expensesRealm)
	// No session was created: the next party asks for the password.
	if r := env.wsfedSignIn(t, c, staffRealm, "", ""); r.page == nil || !r.page.Has("loginForm") {
		t.Fatalf("a refused sign-in left a session: %d %s", r.status, r.body)
	}
	if strings.Contains(env.logs.String(), "Bob-Passw0rd!") {
		t.Fatal("password in the log")
	}
}

func TestClaims_AccessRefusesANonMemberOnTheSSOPath(t *testing.T) {
	env := newClaimsEnv(t)
	tests := []struct {
		user, pass string
		permit     bool
	}{
		{"bob@contoso.com", "Bob-Passw0rd!", false},
		{"alice@contoso.com", "Alice-Passw0rd!", true},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			c := env.browser(t)
			env.wsfedToken(t, env.wsfedSignIn(t, c, staffRealm, tt.user, tt.pass), staffReply)
			r := env.wsfedSignIn(t, c, expensesRealm, "", "") // single sign-on: no password page
			if !tt.permit {
				env.refusedAccess(t, r, "Contoso Expenses", expensesRealm)
				return
			}
			tok := env.wsfedToken(t, r, expensesReply)
			if tok.attrs[rules.ClaimRole][0] != "Approver" {
				t.Errorf("SSO token lacks the group claim: %q", tok.attrs)
			}
			if a := env.lastAudit(t); a.Result != "success_sso" {
				t.Errorf("audit %+v", a)
			}
		})
	}
}

// TestClaims_DisabledUserGetsNoTokenThroughSSO: the user read again at
// issuance is disabled now, so the session is dropped and the password
// page shown instead of a token.
func TestClaims_DisabledUserGetsNoTokenThroughSSO(t *testing.T) {
	env := newClaimsEnv(t)
	c := env.browser(t)
	env.wsfedToken(t, env.wsfedSignIn(t, c, staffRealm, "alice@contoso.com", "Alice-Passw0rd!"), staffReply)
	env.dir.disabled.Store(true)
	r := env.wsfedSignIn(t, c, staffRealm, "", "")
	if r.page == nil || !r.page.Has("loginForm") || r.page.Has("autopost") {
		t.Fatalf("disabled user: want the password page, got %d: %s", r.status, r.body)
	}
	if a := env.lastAudit(t); a.Result != "failure" || a.Reason != "disabled" {
		t.Errorf("audit %+v", a)
	}
	// The session is gone, even for parties that need nothing from the
	// directory.
	env.dir.disabled.Store(false)
	if r := env.wsfedSignIn(t, c, staffRealm, "", ""); r.page == nil || !r.page.Has("loginForm") {
		t.Fatalf("session survived: %d %s", r.status, r.body)
	}
}

func TestClaims_SAMLAttributesFromRulesAndSHA1OnlyWhenConfigured(t *testing.T) {
	env := newClaimsEnv(t)
	c := env.browser(t)
	r := env.get(t, c, "/adfs/ls/idpinitiatedsignon?loginToRp="+url.QueryEscape(wikiEntity))
	r = env.submit(t, c, r, "loginForm", map[string]string{"UserName": "alice@contoso.com", "Password": "Alice-Passw0rd!"})
	tok := env.samlToken(t, r, wikiACS)
	if !slices.Equal(tok.order, []string{"email", "groups"}) || !slices.Equal(tok.attrs["email"], []string{"alice@contoso.com"}) ||
		!slices.Contains(tok.attrs["groups"], "Finance") {
		t.Errorf("attributes %q in order %q", tok.attrs, tok.order)
	}
	if tok.nameID != "alice" || tok.nameIDFormat != samlp.NameIDFormatPersistent || tok.method != rsaSHA256 {
		t.Errorf("NameID %q (%s), signed %s", tok.nameID, tok.nameIDFormat, tok.method)
	}
	// The SHA-1 party, by single sign-on: default rules, SHA-1.
	r = env.get(t, c, "/adfs/ls/idpinitiatedsignon?loginToRp="+url.QueryEscape(legacyEntity))
	tok = env.samlToken(t, r, legacyACS)
	if tok.method != rsaSHA1 || !slices.Equal(tok.order, []string{rules.ClaimUPN, rules.ClaimName, rules.ClaimEmail}) {
		t.Errorf("legacy SP: signed %s, attributes %q", tok.method, tok.order)
	}
}

// TestClaims_IdPInitiatedListsAndStartsOnlyReachableParties: bob (Sales)
// does not see the wiki once signed in, and loginToRp refuses him.
func TestClaims_IdPInitiatedListsAndStartsOnlyReachableParties(t *testing.T) {
	env := newClaimsEnv(t)
	c := env.browser(t)
	if r := env.get(t, c, "/adfs/ls/idpinitiatedsignon"); !strings.Contains(r.body, "Wiki") || !strings.Contains(r.body, "Legacy SP") {
		t.Fatalf("signed out, every SAML party is listed: %s", r.body)
	}
	// loginToRp with the password: refused after the password.
	r := env.get(t, c, "/adfs/ls/idpinitiatedsignon?loginToRp="+url.QueryEscape(wikiEntity))
	r = env.submit(t, c, r, "loginForm", map[string]string{"UserName": "bob@contoso.com", "Password": "Bob-Passw0rd!"})
	env.refusedAccess(t, r, "Wiki", wikiEntity)
	// Signed in (through another party), bob's list lacks the wiki and
	// loginToRp refuses him through single sign-on.
	r = env.get(t, c, "/adfs/ls/idpinitiatedsignon?loginToRp="+url.QueryEscape(legacyEntity))
	r = env.submit(t, c, r, "loginForm", map[string]string{"UserName": "bob@contoso.com", "Password": "Bob-Passw0rd!"})
	env.samlToken(t, r, legacyACS)
	r = env.get(t, c, "/adfs/ls/idpinitiatedsignon")
	if strings.Contains(r.body, "Wiki") || !strings.Contains(r.body, "Legacy SP") || !strings.Contains(r.page.Text("signed-in-as"), "bob@contoso.com") {
		t.Fatalf("bob's list: %s", r.body)
	}
	env.refusedAccess(t, env.get(t, c, "/adfs/ls/idpinitiatedsignon?loginToRp="+url.QueryEscape(wikiEntity)), "Wiki", wikiEntity)
	// alice sees and reaches it.
	a := env.browser(t)
	r = env.get(t, a, "/adfs/ls/idpinitiatedsignon?loginToRp="+url.QueryEscape(legacyEntity))
	env.samlToken(t, env.submit(t, a, r, "loginForm", map[string]string{"UserName": "alice@contoso.com", "Password": "Alice-Passw0rd!"}), legacyACS)
	if r := env.get(t, a, "/adfs/ls/idpinitiatedsignon"); !strings.Contains(r.body, "Wiki") {
		t.Fatalf("alice's list lacks the wiki: %s", r.body)
	}
}

// TestClaims_Office365AccessIsDecidedBeforeTheSecondFactor: a user the
// access rules refuse is neither asked for a code nor enrolled.
func TestClaims_Office365AccessIsDecidedBeforeTheSecondFactor(t *testing.T) {
	env := newTestEnv(t, func(cfg *web.Config) {
		office := rp.Office365(rp.MFAAlways, replyURL)
		office.Access = rules.Access{PermitGroups: []string{financeGroup}}
		parties, err := rp.NewRegistry(office)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Parties = parties
	})
	c := env.browser(t)
	r := env.get(t, c, signInQuery)
	r = env.submit(t, c, r, "loginForm", map[string]string{"UserName": "alice@contoso.com", "Password": "Alice-Passw0rd!"})
	if r.status != http.StatusForbidden || r.page.Has("enrollForm") || r.page.Has("mfaForm") ||
		!strings.Contains(r.page.Text("error-message"), "Microsoft Office 365 Identity Platform") {
		t.Fatalf("want the access-denied page before MFA, got %d: %s", r.status, r.body)
	}
	events, err := env.store.ListAudit(t.Context(), time.Time{}, store.MaxAuditList)
	if err != nil || len(events) == 0 || events[len(events)-1].Reason != "access_denied" {
		t.Fatalf("audit %+v, %v", events, err)
	}
}
