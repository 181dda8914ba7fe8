package wstrust_test

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/x509"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/go-chi/chi/v5"
	"github.com/pquerna/otp/totp"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/o365"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/sqlite"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
	"github.com/fedgate/fedgate/idp/wstrust"
	"github.com/fedgate/fedgate/internal/testclock"
	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
	"github.com/fedgate/fedgate/mfa"
)

const (
	issuerURI    = "http://sts.contoso.com/adfs/services/trust"
	publicURL    = "https://sts.contoso.com"
	o365Realm    = rp.Office365Realm
	otherRealm   = "urn:test:wsfed-app"
	samlRealm    = "https://saml-sp.example.test/"
	aliceUPN     = "alice@contoso.com"
	alicePass    = "Alice-Passw0rd!"
	aliceImmID   = "RW+aKiwLHUqeP11se4qfAQ=="
	bobUPN       = "bob@contoso.com"
	bobPass      = "Bob-Passw0rd!"
	bobImmID     = "JLX2E74/mk2m9Jf30wGM3Q=="
	aliceAppPass = "abcd-efgh-ijkl-mnop"
	bobAppPass   = "qrst-uvwx-yzab-cdef"
	insideHeader = "X-Test-Inside" // read only by the test's Config.Inside
)

// clock is a settable, goroutine-safe test clock.
type clock = testclock.Clock

// fakeLockout records outcomes and refuses users listed in locked. The
// lockout package's own tests cover the counting; this checks the
// handler keeps the Check → one outcome contract.
type fakeLockout struct {
	mu                            sync.Mutex
	locked                        map[string]bool
	logOnly                       bool // locked users are reported, not refused
	checkErr                      error
	checks                        int
	failures, successes, releases int
}

func (l *fakeLockout) Check(_ context.Context, user, _ string) (lockout.Decision, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.checks++
	if l.checkErr != nil {
		return lockout.Decision{}, l.checkErr
	}
	if l.locked[user] {
		return lockout.Decision{Allowed: l.logOnly, Reason: lockout.ReasonLockedUnfamiliar}, nil
	}
	return lockout.Decision{Allowed: true}, nil
}

func (l *fakeLockout) Failure(context.Context, lockout.Decision) error { return l.count(&l.failures) }
func (l *fakeLockout) Success(context.Context, lockout.Decision) error { return l.count(&l.successes) }
func (l *fakeLockout) Release(context.Context, lockout.Decision) error { return l.count(&l.releases) }

func (l *fakeLockout) count(n *int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	*n++
	return nil
}

// outcomes returns failures, successes and releases.
func (l *fakeLockout) outcomes() [3]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return [3]int{l.failures, l.successes, l.releases}
}

// fakeAppPasswords holds one app password per user ID.
type fakeAppPasswords map[string]string

func (f fakeAppPasswords) Verify(_ context.Context, userID, password string) (bool, error) {
	want, ok := f[userID]
	return ok && subtle.ConstantTimeCompare([]byte(want), []byte(password)) == 1, nil
}

// testEnv is the handler on real parts: the in-process directory, a SQLite
// store (replay, audit, MFA), the MFA service and the token issuer with the
// fixed test keys and clock.
type testEnv struct {
	handler *wstrust.Handler
	router  http.Handler
	dir     *ldaptest.Directory
	store   *sqlite.Store
	mfa     *mfa.Service
	clock   *clock
	logs    *bytes.Buffer
	lockout *fakeLockout
	checker *o365.Checker
	policy  wstrust.LegacyPolicy // read by Config.Policy on every request
}

func newTestEnv(t testing.TB, mutate ...func(*wstrust.Config)) *testEnv {
	t.Helper()
	env := &testEnv{
		clock: testclock.New(tokentest.Epoch), logs: &bytes.Buffer{},
		lockout: &fakeLockout{locked: map[string]bool{}}, policy: wstrust.DenyEnrolled,
	}
	env.dir = ldaptest.NewT(t)
	dcfg := env.dir.ClientConfig()
	// ldaptest serves memberOf but not the constructed tokenGroups.
	dcfg.GroupLookup = ldapauth.GroupLookupMemberOf
	client, err := ldapauth.New(dcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	env.store, err = sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "fedgate.db"), store.WithNow(env.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.store.Close() })
	env.mfa, err = mfa.New(mfa.Config{Store: env.store, Key: bytes.Repeat([]byte{7}, 32), Issuer: "Contoso", Now: env.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	keys := tokentest.KeySet(t)
	issuer, err := token.New(token.Config{Issuer: issuerURI, Keys: keys, Now: env.clock.Now, Rand: tokentest.Rand()})
	if err != nil {
		t.Fatal(err)
	}
	parties, err := rp.NewRegistry(
		rp.Office365(rp.MFAAlways),
		rp.Party{Name: "WS-Fed test app", Identifiers: []string{otherRealm}, ReplyURLs: []string{"https://app.example.test/"}},
		rp.Party{Name: "SAML test SP", Protocol: rp.SAML2, Identifiers: []string{samlRealm}, ReplyURLs: []string{"https://saml-sp.example.test/acs"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	env.checker = &o365.Checker{
		Federations: []o365.Federation{{Domain: "contoso.com", IssuerURI: issuerURI,
			PassiveSignInURI: publicURL + "/adfs/ls/", SigningCertificates: []*x509.Certificate{keys.Current.Cert}}},
		Users: []o365.CloudUser{{UPN: aliceUPN, ImmutableID: aliceImmID}, {UPN: bobUPN, ImmutableID: bobImmID}},
		Now:   env.clock.Now,
	}
	cfg := wstrust.Config{
		Auth: client, Users: client, Tokens: issuer, Parties: parties, Replay: env.store, MFA: env.mfa,
		AppPasswords: fakeAppPasswords{aliceImmID: aliceAppPass, bobImmID: bobAppPass},
		Audit:        env.store, Lockout: env.lockout,
		Policy:    func(*rp.Party) wstrust.LegacyPolicy { return env.policy },
		Inside:    func(r *http.Request) bool { return r.Header.Get(insideHeader) == "1" },
		PublicURL: publicURL,
		Now:       env.clock.Now, Rand: tokentest.Rand(),
		Logger: slog.New(slog.NewJSONHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, f := range mutate {
		f(&cfg)
	}
	env.handler, err = wstrust.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	env.handler.Mount(r)
	env.router = r
	return env
}

// enroll confirms a TOTP enrollment for userID with the real MFA service.
func (e *testEnv) enroll(t testing.TB, userID, upn string) {
	t.Helper()
	enr, err := e.mfa.NewEnrollment(context.Background(), userID, upn)
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(enr.Secret, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.mfa.Confirm(context.Background(), userID, upn, enr.Secret, code); err != nil {
		t.Fatal(err)
	}
}

// envelope builds a request the way MSAL4J's WSTrustRequest.buildMessage
// does (o365-reference §7), with the fields a test varies.
type envelope struct {
	version          wstrust.Version
	user, password   string
	created, expires time.Time
	messageID        string
	appliesTo        string
}

var msgSeq struct {
	sync.Mutex
	n int
}

func newMessageID() string {
	msgSeq.Lock()
	defer msgSeq.Unlock()
	msgSeq.n++
	return "urn:uuid:00000000-0000-4000-8000-" + strings.Repeat("0", 12-len(itoa(msgSeq.n))) + itoa(msgSeq.n)
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// msal returns an envelope for user/password created now, expiring in 10
// minutes (MSAL's choice), for Office 365.
func (e *testEnv) msal(v wstrust.Version, user, password string) envelope {
	now := e.clock.Now().UTC().Truncate(time.Second)
	return envelope{version: v, user: user, password: password, created: now, expires: now.Add(10 * time.Minute),
		messageID: newMessageID(), appliesTo: o365Realm}
}

func xmlText(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (m envelope) bytes() []byte {
	ns, keyType := wstrust.NSTrust2005, wstrust.KeyTypeNoProofKey
	if m.version == wstrust.Trust13 {
		ns, keyType = wstrust.NSTrust13, wstrust.NSTrust13+"/Bearer"
	}
	const stamp = "2006-01-02T15:04:05Z"
	return []byte("<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope' xmlns:a='http://www.w3.org/2005/08/addressing' xmlns:u='" + wstrust.NSUtility + "'>" +
		"<s:Header><a:Action s:mustUnderstand='1'>" + ns + "/RST/Issue</a:Action>" +
		"<a:messageID>" + xmlText(m.messageID) + "</a:messageID>" +
		"<a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>" +
		"<a:To s:mustUnderstand='1'>" + publicURL + m.version.Path() + "</a:To>" +
		"<o:Security s:mustUnderstand='1' xmlns:o='" + wstrust.NSSecExt + "'>" +
		"<u:Timestamp u:Id='_0'><u:Created>" + m.created.UTC().Format(stamp) + "</u:Created><u:Expires>" + m.expires.UTC().Format(stamp) + "</u:Expires></u:Timestamp>" +
		"<o:UsernameToken u:Id='uuid-1'><o:Username>" + xmlText(m.user) + "</o:Username><o:Password>" + xmlText(m.password) + "</o:Password></o:UsernameToken>" +
		"</o:Security></s:Header><s:Body>" +
		"<trust:RequestSecurityToken xmlns:trust='" + ns + "'><wsp:AppliesTo xmlns:wsp='http://schemas.xmlsoap.org/ws/2004/09/policy'>" +
		"<a:EndpointReference><a:Address>" + xmlText(m.appliesTo) + "</a:Address></a:EndpointReference></wsp:AppliesTo>" +
		"<trust:KeyType>" + keyType + "</trust:KeyType><trust:RequestType>" + ns + "/Issue</trust:RequestType>" +
		"</trust:RequestSecurityToken></s:Body></s:Envelope>")
}

// capture reads a request envelope from testdata.
func capture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// result is one response as a client sees it.
type result struct {
	status int
	header http.Header
	body   []byte
	doc    *etree.Document // nil when the body is not XML
}

// post sends body to the endpoint of v with MSAL's headers; mutate may
// change the request before it is served.
func (e *testEnv) post(t testing.TB, v wstrust.Version, body io.Reader, mutate ...func(*http.Request)) *result {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, publicURL+v.Path(), body)
	req.Header.Set("Content-Type", "application/soap+xml; charset=utf-8")
	req.Header.Set("SOAPAction", v.IssueAction())
	for _, f := range mutate {
		f(req)
	}
	return e.serve(t, req)
}

func (e *testEnv) serve(t testing.TB, req *http.Request) *result {
	t.Helper()
	rec := httptest.NewRecorder()
	e.router.ServeHTTP(rec, req)
	res := &result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(res.body); err == nil && doc.Root() != nil {
		res.doc = doc
	}
	return res
}

// bodyChild returns the single element inside s:Body.
func (r *result) bodyChild(t testing.TB) *etree.Element {
	t.Helper()
	if r.doc == nil {
		t.Fatalf("response is not XML (status %d): %.300s", r.status, r.body)
	}
	root := r.doc.Root()
	if root.Tag != "Envelope" || root.NamespaceURI() != wstrust.NSSOAP12 {
		t.Fatalf("response root is %s, want a SOAP 1.2 Envelope", root.FullTag())
	}
	body := root.SelectElement("Body")
	if body == nil || len(body.ChildElements()) != 1 {
		t.Fatalf("response Body must hold exactly one element: %.300s", r.body)
	}
	return body.ChildElements()[0]
}

// fault is a parsed SOAP 1.2 fault.
type fault struct {
	code, subNS, subLocal, text string
	subcodes                    int
}

func (r *result) fault(t testing.TB) fault {
	t.Helper()
	f := r.bodyChild(t)
	if f.Tag != "Fault" || f.NamespaceURI() != wstrust.NSSOAP12 {
		t.Fatalf("body holds %s, want s:Fault: %.400s", f.FullTag(), r.body)
	}
	var out fault
	if v := f.FindElement("Code/Value"); v != nil {
		out.code = v.Text()
	}
	subs := f.FindElements("Code/Subcode/Value")
	out.subcodes = len(subs)
	if len(subs) == 1 {
		prefix, local, ok := strings.Cut(subs[0].Text(), ":")
		if !ok {
			t.Fatalf("subcode %q has no prefix; MSAL splits it on ':'", subs[0].Text())
		}
		out.subLocal = local
		for el := subs[0]; el != nil && out.subNS == ""; el = el.Parent() {
			out.subNS = el.SelectAttrValue("xmlns:"+prefix, "")
		}
	}
	if txt := f.FindElement("Reason/Text"); txt != nil {
		out.text = txt.Text()
	}
	return out
}

// wresult returns the Body's RSTR (2005) or RSTRC (1.3) serialised on its
// own, as a client forwards it, for the Entra-like checker.
func (r *result) wresult(t testing.TB) []byte {
	t.Helper()
	return token.MarshalElement(r.bodyChild(t))
}

// checkToken runs the response through the Entra-like checker.
func (e *testEnv) checkToken(t testing.TB, r *result) *o365.Result {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %.600s", r.status, r.body)
	}
	res, err := e.checker.CheckWResult(r.wresult(t))
	if err != nil {
		t.Fatalf("Entra-like checker rejected the token: %v\n%.600s", err, r.body)
	}
	return res
}

// auditEvents returns every audit event written so far.
func (e *testEnv) auditEvents(t testing.TB) []store.AuditEvent {
	t.Helper()
	evs, err := e.store.ListAudit(context.Background(), tokentest.Epoch.Add(-24*time.Hour), store.MaxAuditList)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
