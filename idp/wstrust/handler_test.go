package wstrust_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/wstrust"
	"github.com/fedgate/fedgate/ldapauth"
)

// TestUsernameMixed_CapturesGetVerifiableTokens posts each captured client
// envelope to its endpoint and checks the answer the way the client and
// Entra read it.
func TestUsernameMixed_CapturesGetVerifiableTokens(t *testing.T) {
	tests := []struct {
		file      string
		version   wstrust.Version
		messageID string
	}{
		{"msal_13.xml", wstrust.Trust13, "urn:uuid:6a1bd4e4-4e0b-4a6f-9c36-1d0ad3d0a001"},
		{"msal_2005.xml", wstrust.Trust2005, "urn:uuid:6a1bd4e4-4e0b-4a6f-9c36-1d0ad3d0a002"},
		{"idcrl_2005.xml", wstrust.Trust2005, "1748779200"},
		{"wcf_13.xml", wstrust.Trust13, "urn:uuid:2f5e9c41-7b3a-4d8e-b1f0-0c9d8e7f6a51"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			env := newTestEnv(t)
			res := env.post(t, tt.version, bytes.NewReader(capture(t, tt.file)))
			if got := res.header.Get("Content-Type"); got != "application/soap+xml; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
			got := env.checkToken(t, res)
			if got.UPN != aliceUPN || got.ImmutableID != aliceImmID {
				t.Errorf("token is for %s/%s, want alice", got.UPN, got.ImmutableID)
			}
			if got.MFA {
				t.Error("token claims MFA; the active endpoints never do MFA")
			}
			if got.InsideCorporateNetwork == nil || *got.InsideCorporateNetwork {
				t.Errorf("insidecorporatenetwork = %v, want false (Inside not signalled)", got.InsideCorporateNetwork)
			}

			hdr := res.doc.Root().SelectElement("Header")
			if a := hdr.SelectElement("Action"); a == nil || a.Text() != tt.version.ResponseAction() {
				t.Errorf("response Action = %v, want %s", a, tt.version.ResponseAction())
			}
			if rel := hdr.SelectElement("RelatesTo"); rel == nil || rel.Text() != tt.messageID {
				t.Errorf("RelatesTo does not echo the MessageID %q", tt.messageID)
			}
			// MSAL's XPaths (WSTrustVersion.responseTokenTypePath / responseSecurityTokenPath).
			path := "RequestSecurityTokenResponse"
			if tt.version == wstrust.Trust13 {
				path = "RequestSecurityTokenResponseCollection/RequestSecurityTokenResponse"
			}
			rstr := res.doc.Root().FindElement("Body/" + path)
			if rstr == nil || rstr.NamespaceURI() != tt.version.Namespace() {
				t.Fatalf("no %s in %s", path, tt.version.Namespace())
			}
			if tokenType := rstr.SelectElement("TokenType"); tokenType == nil || tokenType.Text() != wstrust.TokenTypeSAML11 {
				t.Errorf("TokenType = %v, want %s (MSAL treats anything else as SAML 2.0)", tokenType, wstrust.TokenTypeSAML11)
			}
			rst := rstr.SelectElement("RequestedSecurityToken")
			if rst == nil || len(rst.Child) != 1 {
				t.Fatal("RequestedSecurityToken must hold exactly the assertion, with no whitespace around it")
			}
			method := rst.FindElement("Assertion/AuthenticationStatement").SelectAttrValue("AuthenticationMethod", "")
			if method != wstrust.AuthnMethodPassword {
				t.Errorf("AuthenticationMethod = %q, want %q", method, wstrust.AuthnMethodPassword)
			}
		})
	}
}

// TestUsernameMixed_AnyWSFedPartyByAppliesTo issues for a WS-Fed party
// other than Office 365, with that party as the audience.
func TestUsernameMixed_AnyWSFedPartyByAppliesTo(t *testing.T) {
	env := newTestEnv(t)
	m := env.msal(wstrust.Trust13, aliceUPN, alicePass)
	m.appliesTo = otherRealm
	res := env.post(t, wstrust.Trust13, bytes.NewReader(m.bytes()))
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	aud := res.doc.Root().FindElement("Body/RequestSecurityTokenResponseCollection/RequestSecurityTokenResponse/RequestedSecurityToken/Assertion/Conditions/AudienceRestrictionCondition/Audience")
	if aud == nil || aud.Text() != otherRealm {
		t.Fatalf("Audience = %v, want %s", aud, otherRealm)
	}
}

// countingReader counts how much of a body the handler reads.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestUsernameMixed_Faults sends each kind of bad request and checks the
// SOAP fault: code, subcode and namespace, text, status, content type.
func TestUsernameMixed_Faults(t *testing.T) {
	type want struct {
		code, subNS, sub, text string
		status                 int
	}
	sender := func(ns, sub string) want { return want{code: "s:Sender", subNS: ns, sub: sub, status: 500} }
	denied := want{code: "s:Sender", subNS: wstrust.NSTrust13, sub: "FailedAuthentication", text: "MSIS7068: Access denied.", status: 500}
	invalid13 := sender(wstrust.NSTrust13, "InvalidRequest")

	tests := []struct {
		name    string
		version wstrust.Version
		setup   func(t *testing.T, env *testEnv)
		body    func(t *testing.T, env *testEnv) []byte
		req     func(*http.Request)
		want    want
	}{
		{name: "wrong password", body: func(_ *testing.T, e *testEnv) []byte { return e.msal(wstrust.Trust13, aliceUPN, "wrong").bytes() }, want: denied},
		{name: "unknown user", body: func(_ *testing.T, e *testEnv) []byte {
			return e.msal(wstrust.Trust13, "nobody@contoso.com", "x").bytes()
		}, want: denied},
		{name: "disabled account", body: func(_ *testing.T, e *testEnv) []byte {
			return e.msal(wstrust.Trust13, "carol@contoso.com", "Carol-Passw0rd!").bytes()
		}, want: denied},
		{name: "empty password", body: func(_ *testing.T, e *testEnv) []byte { return e.msal(wstrust.Trust13, aliceUPN, "").bytes() }, want: denied},
		{name: "wrong password on 2005", version: wstrust.Trust2005,
			body: func(_ *testing.T, e *testEnv) []byte { return e.msal(wstrust.Trust2005, aliceUPN, "wrong").bytes() },
			want: want{code: "s:Sender", subNS: wstrust.NSTrust2005, sub: "FailedAuthentication", text: "MSIS7068: Access denied.", status: 500}},
		{name: "expired timestamp",
			body: func(_ *testing.T, e *testEnv) []byte {
				m := e.msal(wstrust.Trust13, aliceUPN, alicePass)
				m.created, m.expires = m.created.Add(-30*time.Minute), m.created.Add(-20*time.Minute)
				return m.bytes()
			},
			want: sender(wstrust.NSSecExt, "MessageExpired")},
		{name: "timestamp created in the future",
			body: func(_ *testing.T, e *testEnv) []byte {
				m := e.msal(wstrust.Trust13, aliceUPN, alicePass)
				m.created, m.expires = m.created.Add(10*time.Minute), m.created.Add(20*time.Minute)
				return m.bytes()
			},
			want: sender(wstrust.NSSecExt, "MessageExpired")},
		{name: "replayed message ID",
			setup: func(t *testing.T, e *testEnv) {
				res := e.post(t, wstrust.Trust13, bytes.NewReader(capture(t, "msal_13.xml")))
				e.checkToken(t, res)
			},
			body: func(t *testing.T, _ *testEnv) []byte { return capture(t, "msal_13.xml") },
			want: sender(wstrust.NSSecExt, "InvalidSecurity")},
		{name: "missing Security header",
			body: func(t *testing.T, _ *testEnv) []byte {
				return cut(capture(t, "msal_13.xml"), "<o:Security", "</o:Security>")
			},
			want: sender(wstrust.NSSecExt, "InvalidSecurity")},
		{name: "missing Action header",
			body: func(t *testing.T, _ *testEnv) []byte {
				return cut(capture(t, "msal_13.xml"), "<a:Action", "</a:Action>")
			},
			want: invalid13},
		{name: "missing MessageID header",
			body: func(t *testing.T, _ *testEnv) []byte {
				return cut(capture(t, "msal_13.xml"), "<a:messageID>", "</a:messageID>")
			},
			want: invalid13},
		{name: "DTD",
			body: func(t *testing.T, _ *testEnv) []byte {
				return append([]byte(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>`), capture(t, "msal_13.xml")...)
			},
			want: invalid13},
		{name: "unknown AppliesTo",
			body: func(_ *testing.T, e *testEnv) []byte {
				m := e.msal(wstrust.Trust13, aliceUPN, alicePass)
				m.appliesTo = "urn:federation:unknown"
				return m.bytes()
			},
			want: invalid13},
		{name: "AppliesTo of a SAML 2.0 party",
			body: func(_ *testing.T, e *testEnv) []byte {
				m := e.msal(wstrust.Trust13, aliceUPN, alicePass)
				m.appliesTo = samlRealm
				return m.bytes()
			},
			want: invalid13},
		{name: "2005 request on the 1.3 endpoint", body: func(t *testing.T, _ *testEnv) []byte { return capture(t, "msal_2005.xml") }, want: invalid13},
		{name: "PasswordDigest",
			body: func(t *testing.T, _ *testEnv) []byte {
				return bytes.Replace(capture(t, "msal_13.xml"), []byte("<o:Password>"),
					[]byte(`<o:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">`), 1)
			},
			want: sender(wstrust.NSSecExt, "UnsupportedSecurityToken")},
		{name: "SOAP 1.1 envelope",
			body: func(t *testing.T, _ *testEnv) []byte {
				return bytes.Replace(capture(t, "msal_13.xml"), []byte(wstrust.NSSOAP12), []byte(wstrust.NSSOAP11), 1)
			},
			want: want{code: "s:VersionMismatch", status: 500}},
		{name: "text/xml content type", body: func(t *testing.T, _ *testEnv) []byte { return capture(t, "msal_13.xml") },
			req:  func(r *http.Request) { r.Header.Set("Content-Type", "text/xml; charset=utf-8") },
			want: want{code: "s:VersionMismatch", status: 500}},
		{name: "form content type", body: func(t *testing.T, _ *testEnv) []byte { return capture(t, "msal_13.xml") },
			req: func(r *http.Request) { r.Header.Set("Content-Type", "application/x-www-form-urlencoded") }, want: invalid13},
		{name: "SOAPAction of the other version", body: func(t *testing.T, _ *testEnv) []byte { return capture(t, "msal_13.xml") },
			req: func(r *http.Request) { r.Header.Set("SOAPAction", wstrust.Trust2005.IssueAction()) }, want: invalid13},
		{name: "unknown mustUnderstand header",
			body: func(t *testing.T, _ *testEnv) []byte {
				return bytes.Replace(capture(t, "msal_13.xml"), []byte("<s:Header>"), []byte(`<s:Header><x:Custom xmlns:x="urn:x" s:mustUnderstand="1"/>`), 1)
			},
			want: want{code: "s:MustUnderstand", status: 500}},
		{name: "directory down",
			setup: func(t *testing.T, e *testEnv) {
				if err := e.dir.Close(); err != nil {
					t.Fatal(err)
				}
			},
			body: func(t *testing.T, _ *testEnv) []byte { return capture(t, "msal_13.xml") },
			want: want{code: "s:Receiver", subNS: wstrust.NSTrust13, sub: "RequestFailed", status: 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			if tt.setup != nil {
				tt.setup(t, env)
			}
			v := tt.version
			if v == 0 {
				v = wstrust.Trust13
			}
			var mutate []func(*http.Request)
			if tt.req != nil {
				mutate = append(mutate, tt.req)
			}
			res := env.post(t, v, bytes.NewReader(tt.body(t, env)), mutate...)
			assertFault(t, res, tt.want.status, tt.want.code, tt.want.subNS, tt.want.sub, tt.want.text)
		})
	}
}

// TestUsernameMixed_TenMegabyteBodyIsRefusedUnread checks that a body over
// the limit gets a fault after at most the limit is read, whether its size
// is declared or not.
func TestUsernameMixed_TenMegabyteBodyIsRefusedUnread(t *testing.T) {
	const tenMB = 10 << 20
	for _, declared := range []bool{true, false} {
		name := map[bool]string{true: "Content-Length declared", false: "chunked"}[declared]
		t.Run(name, func(t *testing.T) {
			env := newTestEnv(t)
			cr := &countingReader{r: io.MultiReader(bytes.NewReader(capture(t, "msal_13.xml")), bytes.NewReader(make([]byte, tenMB)))}
			res := env.post(t, wstrust.Trust13, cr, func(r *http.Request) {
				if declared {
					r.ContentLength = tenMB
				} else {
					r.ContentLength = -1
				}
			})
			assertFault(t, res, 500, "s:Sender", wstrust.NSTrust13, "InvalidRequest", "The request is larger than 65536 bytes.")
			if limit := int64(wstrust.DefaultMaxBodyBytes) + 32<<10; cr.n > limit {
				t.Errorf("read %d bytes of a 10 MB body; want at most about the %d-byte limit", cr.n, wstrust.DefaultMaxBodyBytes)
			}
			if declared && cr.n != 0 {
				t.Errorf("read %d bytes although Content-Length already exceeded the limit", cr.n)
			}
		})
	}
}

// TestUsernameMixed_WrongMethodIsSOAPFault checks that a GET is answered
// as SOAP with 405, never with an HTML page.
func TestUsernameMixed_WrongMethodIsSOAPFault(t *testing.T) {
	env := newTestEnv(t)
	for _, v := range []wstrust.Version{wstrust.Trust2005, wstrust.Trust13} {
		res := env.serve(t, httptest.NewRequest(http.MethodGet, publicURL+v.Path(), nil))
		assertFault(t, res, http.StatusMethodNotAllowed, "s:Sender", v.Namespace(), "InvalidRequest", "Use POST with a SOAP 1.2 envelope.")
		if got := res.header.Get("Allow"); got != http.MethodPost {
			t.Errorf("Allow = %q, want POST", got)
		}
	}
}

// panickingIssuer stands in for a broken token issuer.
type panickingIssuer struct{}

func (panickingIssuer) SAML11(token.Claims, string) (*token.Assertion, error) {
	panic("boom: internal detail")
}

// TestUsernameMixed_PanicIsReceiverFaultWithoutStack checks that a panic
// never puts a stack trace or the panic value on the wire.
func TestUsernameMixed_PanicIsReceiverFaultWithoutStack(t *testing.T) {
	env := newTestEnv(t, func(c *wstrust.Config) { c.Tokens = panickingIssuer{} })
	res := env.post(t, wstrust.Trust13, bytes.NewReader(capture(t, "msal_13.xml")))
	assertFault(t, res, 500, "s:Receiver", wstrust.NSTrust13, "RequestFailed", "")
	if bytes.Contains(res.body, []byte("boom")) || bytes.Contains(res.body, []byte("goroutine")) {
		t.Errorf("fault leaks the panic: %s", res.body)
	}
	if !strings.Contains(env.logs.String(), "panic serving ws-trust request") {
		t.Error("the panic was not logged")
	}
}

// TestUsernameMixed_Lockout checks the extranet lockout contract: a
// locked user never reaches the directory; every allowed attempt ends in
// exactly one outcome; only a wrong password is a failure.
func TestUsernameMixed_Lockout(t *testing.T) {
	tests := []struct {
		name      string
		user, pwd string
		setup     func(t *testing.T, env *testEnv)
		want      [3]int // failures, successes, releases
	}{
		{name: "wrong password is a failure", user: aliceUPN, pwd: "wrong", want: [3]int{1, 0, 0}},
		{name: "right password is a success", user: aliceUPN, pwd: alicePass, want: [3]int{0, 1, 0}},
		{name: "disabled account is released", user: "carol@contoso.com", pwd: "Carol-Passw0rd!", want: [3]int{0, 0, 1}},
		{name: "unknown user is released", user: "nobody@contoso.com", pwd: "x", want: [3]int{0, 0, 1}},
		{name: "directory outage is released", user: aliceUPN, pwd: "wrong", want: [3]int{0, 0, 1},
			setup: func(t *testing.T, env *testEnv) {
				if err := env.dir.Close(); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "app password is a success", user: aliceUPN, pwd: aliceAppPass, want: [3]int{0, 1, 0},
			setup: func(t *testing.T, env *testEnv) { env.policy = wstrust.AppPassword }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			if tt.setup != nil {
				tt.setup(t, env)
			}
			env.post(t, wstrust.Trust13, bytes.NewReader(env.msal(wstrust.Trust13, tt.user, tt.pwd).bytes()))
			if got := env.lockout.outcomes(); got != tt.want || env.lockout.checks != 1 {
				t.Errorf("checks %d, outcomes (failure, success, release) = %v, want 1 check and %v", env.lockout.checks, got, tt.want)
			}
		})
	}

	t.Run("locked user is refused without a bind", func(t *testing.T) {
		env := newTestEnv(t)
		env.lockout.locked[aliceUPN] = true
		binds := env.dir.Binds()
		res := env.post(t, wstrust.Trust13, bytes.NewReader(env.msal(wstrust.Trust13, aliceUPN, alicePass).bytes()))
		assertFault(t, res, 500, "s:Sender", wstrust.NSTrust13, "FailedAuthentication", "MSIS7068: Access denied.")
		if env.dir.Binds() != binds {
			t.Error("a locked-out attempt reached the directory")
		}
		assertAudit(t, env, "failure", lockout.ReasonLockedUnfamiliar)
	})
	t.Run("log-only lockout is audited and lets the attempt through", func(t *testing.T) {
		env := newTestEnv(t)
		env.lockout.locked[aliceUPN], env.lockout.logOnly = true, true
		env.checkToken(t, env.post(t, wstrust.Trust13, bytes.NewReader(env.msal(wstrust.Trust13, aliceUPN, alicePass).bytes())))
		evs := env.auditEvents(t)
		if len(evs) != 2 || evs[0].Result != "lockout_log_only" || evs[0].Reason != lockout.ReasonLockedUnfamiliar || evs[1].Result != "success" {
			t.Errorf("audit trail %+v, want lockout_log_only then success", evs)
		}
	})
	t.Run("lockout store error fails closed", func(t *testing.T) {
		env := newTestEnv(t)
		env.lockout.checkErr = errors.New("db down")
		binds := env.dir.Binds()
		res := env.post(t, wstrust.Trust13, bytes.NewReader(env.msal(wstrust.Trust13, aliceUPN, alicePass).bytes()))
		assertFault(t, res, 500, "s:Receiver", wstrust.NSTrust13, "RequestFailed", "")
		if env.dir.Binds() != binds {
			t.Error("the directory was asked although lockout could not decide")
		}
	})
}

// TestUsernameMixed_AuditTrail checks the audit events against the passive
// path's vocabulary.
func TestUsernameMixed_AuditTrail(t *testing.T) {
	env := newTestEnv(t)
	env.post(t, wstrust.Trust2005, bytes.NewReader(env.msal(wstrust.Trust2005, aliceUPN, "wrong").bytes()))
	env.checkToken(t, env.post(t, wstrust.Trust2005, bytes.NewReader(env.msal(wstrust.Trust2005, aliceUPN, alicePass).bytes())))
	evs := env.auditEvents(t)
	if len(evs) != 2 {
		t.Fatalf("got %d audit events, want 2: %+v", len(evs), evs)
	}
	for i, want := range []struct{ result, reason string }{{"failure", "bad_password"}, {"success", ""}} {
		e := evs[i]
		if e.Result != want.result || e.Reason != want.reason || e.Protocol != "wstrust" ||
			e.RelyingParty != rp.Office365Realm || e.User != aliceUPN || e.ActivityID == "" || e.ClientIP != "192.0.2.1" {
			t.Errorf("event %d = %+v, want %s/%s for alice at 192.0.2.1", i, e, want.result, want.reason)
		}
	}
}

// TestUsernameMixed_LogsCarryNoSecrets runs successes and failures with a
// Debug JSON logger and looks for every password in the output.
func TestUsernameMixed_LogsCarryNoSecrets(t *testing.T) {
	env := newTestEnv(t)
	env.policy = wstrust.AppPassword
	env.enroll(t, aliceImmID, aliceUPN)
	for _, pw := range []string{alicePass, "Wrong-Secret-1", aliceAppPass} {
		env.post(t, wstrust.Trust13, bytes.NewReader(env.msal(wstrust.Trust13, aliceUPN, pw).bytes()))
	}
	env.post(t, wstrust.Trust13, bytes.NewReader(capture(t, "msal_13.xml"))) // replay-free capture, password in it
	logs := env.logs.String()
	if logs == "" {
		t.Fatal("nothing was logged")
	}
	for _, secret := range []string{alicePass, "Wrong-Secret-1", aliceAppPass} {
		if strings.Contains(logs, secret) {
			t.Errorf("a password reached the log:\n%s", logs)
		}
	}
}

// TestNew_RejectsIncompleteConfig mutates one field of a valid config per
// case.
func TestNew_RejectsIncompleteConfig(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*wstrust.Config)
		want   string
	}{
		{"no Auth", func(c *wstrust.Config) { c.Auth = nil }, "Auth is required"},
		{"no Replay", func(c *wstrust.Config) { c.Replay = nil }, "Replay is required"},
		{"app passwords without Users", func(c *wstrust.Config) { c.Users = nil }, "Users is required"},
		{"http PublicURL", func(c *wstrust.Config) { c.PublicURL = "http://sts.contoso.com" }, "https origin"},
		{"PublicURL with path", func(c *wstrust.Config) { c.PublicURL = "https://sts.contoso.com/adfs" }, "https origin"},
		{"tiny body limit", func(c *wstrust.Config) { c.MaxBodyBytes = 10 }, "MaxBodyBytes"},
		{"huge skew", func(c *wstrust.Config) { c.ClockSkew = time.Hour }, "ClockSkew"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wstrust.New(validConfig(t, tt.mutate))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New() error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// validConfig is a minimal valid Config with fakes at the seams.
func validConfig(t *testing.T, mutate func(*wstrust.Config)) wstrust.Config {
	t.Helper()
	parties, err := rp.NewRegistry(rp.Office365(rp.MFAAlways))
	if err != nil {
		t.Fatal(err)
	}
	c := wstrust.Config{
		Auth: nopDirectory{}, Users: nopDirectory{}, Tokens: panickingIssuer{}, Parties: parties,
		Replay: nopReplay{}, MFA: nopMFA{}, AppPasswords: fakeAppPasswords{}, PublicURL: publicURL,
	}
	mutate(&c)
	return c
}

type nopDirectory struct{}

func (nopDirectory) Authenticate(context.Context, string, string) (*ldapauth.User, error) {
	return nil, &ldapauth.Error{Reason: ldapauth.ReasonBadPassword, Err: ldapauth.ErrInvalidCredentials}
}

func (nopDirectory) Lookup(context.Context, string) (*ldapauth.User, error) {
	return nil, &ldapauth.Error{Reason: ldapauth.ReasonNoSuchUser, Err: ldapauth.ErrInvalidCredentials}
}

type nopReplay struct{}

func (nopReplay) UseOnce(context.Context, string, string, time.Time) (bool, error) { return true, nil }

type nopMFA struct{}

func (nopMFA) Enrolled(context.Context, string) (bool, error) { return false, nil }

// assertFault checks a fault response; empty sub/text skip those checks.
func assertFault(t *testing.T, res *result, status int, code, subNS, sub, text string) {
	t.Helper()
	if res.status != status {
		t.Errorf("status = %d, want %d", res.status, status)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/soap+xml; charset=utf-8" {
		t.Errorf("Content-Type = %q, want application/soap+xml", ct)
	}
	if bytes.Contains(bytes.ToLower(res.body), []byte("<html")) {
		t.Fatalf("fault is HTML: %s", res.body)
	}
	f := res.fault(t)
	if f.code != code {
		t.Errorf("code = %q, want %q (%s)", f.code, code, f.text)
	}
	if sub != "" && (f.subLocal != sub || f.subNS != subNS || f.subcodes != 1) {
		t.Errorf("subcode = {%s}%s (%d subcodes), want exactly one {%s}%s (%s)", f.subNS, f.subLocal, f.subcodes, subNS, sub, f.text)
	}
	if text != "" && f.text != text {
		t.Errorf("text = %q, want %q", f.text, text)
	}
	if f.text == "" {
		t.Error("fault has no Reason text")
	}
	for _, secret := range []string{alicePass, "Carol-Passw0rd!"} {
		if bytes.Contains(res.body, []byte(secret)) {
			t.Errorf("fault echoes a password: %s", res.body)
		}
	}
}

// assertAudit checks the last audit event.
func assertAudit(t *testing.T, env *testEnv, result, reason string) {
	t.Helper()
	evs := env.auditEvents(t)
	if len(evs) == 0 {
		t.Fatal("no audit event")
	}
	if e := evs[len(evs)-1]; e.Result != result || e.Reason != reason {
		t.Errorf("last audit event = %s/%s, want %s/%s", e.Result, e.Reason, result, reason)
	}
}

// cut removes the first element starting with from and ending with to.
func cut(b []byte, from, to string) []byte {
	i := bytes.Index(b, []byte(from))
	j := bytes.Index(b, []byte(to))
	if i < 0 || j < i {
		panic("cut: markers not found")
	}
	return append(append([]byte(nil), b[:i]...), b[j+len(to):]...)
}
