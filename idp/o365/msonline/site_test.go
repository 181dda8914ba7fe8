package msonline_test

import (
	"bytes"
	"crypto/x509"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/fedgate/fedgate/idp/o365"
	"github.com/fedgate/fedgate/idp/o365/internal/o365test"
	"github.com/fedgate/fedgate/idp/o365/msonline"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

const baseURL = "https://127.0.0.1:8444"

// testSite is a site for contoso.com (federated to fedgate) and
// fabrikam.com (managed), with a clock tests can move.
type testSite struct {
	site *msonline.Site
	key  *o365test.Key
	now  time.Time
	logs *bytes.Buffer
}

func newTestSite(t *testing.T, mutate ...func(*msonline.Config)) *testSite {
	t.Helper()
	ts := &testSite{
		key:  o365test.NewKey(t, 0, "fedgate token signing", t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0)),
		now:  t0,
		logs: &bytes.Buffer{},
	}
	clock := func() time.Time { return ts.now }
	cfg := msonline.Config{
		Checker: &o365.Checker{
			Federations: []o365.Federation{{
				Domain: o365test.Domain, IssuerURI: o365test.Issuer, PassiveSignInURI: o365test.PassiveSignInURI,
				SigningCertificates: []*x509.Certificate{ts.key.Cert},
			}},
			Users: []o365.CloudUser{{UPN: o365test.UPN, ImmutableID: o365test.ImmutableID, DisplayName: o365test.DisplayName}},
			Now:   clock,
		},
		ManagedDomains: []string{"fabrikam.com"},
		BaseURL:        baseURL,
		Now:            clock,
		Logger:         slog.New(slog.NewJSONHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	site, err := msonline.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts.site = site
	return ts
}

func (ts *testSite) do(t *testing.T, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	ts.site.ServeHTTP(rec, req)
	return rec
}

func postForm(target string, form url.Values) *http.Request {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// startSignIn runs discovery for login and returns the wctx from the
// redirect to the IdP.
func (ts *testSite) startSignIn(t *testing.T, login string) string {
	t.Helper()
	rec := ts.do(t, postForm("/", url.Values{"login": {login}}))
	if rec.Code != http.StatusFound {
		t.Fatalf("discovery status = %d, want 302; body:\n%s", rec.Code, rec.Body)
	}
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query().Get("wctx")
}

// textByID returns the text of the element with the given id, unescaped,
// with the tags inside it removed. The module has no HTML parser, so this
// scans our own well-formed templates, counting nested tags of the same
// name to find the matching end tag.
func textByID(t *testing.T, body, id string) string {
	t.Helper()
	start := regexp.MustCompile(`<(\w+)\b[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindStringSubmatchIndex(body)
	if start == nil {
		t.Fatalf("no element with id %q in:\n%s", id, body)
	}
	tag := body[start[2]:start[3]]
	tags := regexp.MustCompile(`<(/?)` + tag + `\b[^>]*>`)
	depth, rest := 1, body[start[1]:]
	for _, m := range tags.FindAllStringSubmatchIndex(rest, -1) {
		if m[3] > m[2] {
			depth--
		} else {
			depth++
		}
		if depth == 0 {
			inner := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(rest[:m[0]], "")
			return strings.Join(strings.Fields(html.UnescapeString(inner)), " ")
		}
	}
	t.Fatalf("element #%s is not closed", id)
	return ""
}

func hasID(body, id string) bool {
	return regexp.MustCompile(`\bid="` + regexp.QuoteMeta(id) + `"`).MatchString(body)
}

func TestSignInPage_HasFormAndSecurityHeaders(t *testing.T) {
	ts := newTestSite(t)
	rec := ts.do(t, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d", rec.Code)
	}
	body := rec.Body.String()
	for _, id := range []string{"signin-form", "email", "next", "simulated-banner"} {
		if !hasID(body, id) {
			t.Errorf("sign-in page has no #%s", id)
		}
	}
	if !regexp.MustCompile(`<input id="email" name="login"`).MatchString(body) {
		t.Errorf("#email is not named login")
	}
	if got := textByID(t, body, "simulated-banner"); !strings.Contains(got, "Simulated Microsoft Online — for labs and tests") {
		t.Errorf("banner = %q", got)
	}
	if strings.Contains(body, "<script") || strings.Contains(body, "style=") {
		t.Errorf("page has inline script or style")
	}
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
		"Cache-Control":           "no-store",
		"Content-Type":            "text/html; charset=utf-8",
		"X-Content-Type-Options":  "nosniff",
	}
	for k, v := range want {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestDiscovery_FederatedDomainRedirectsToIdP(t *testing.T) {
	tests := []struct {
		name      string
		req       func() *http.Request
		wantLogin string
	}{
		{"form post", func() *http.Request { return postForm("/", url.Values{"login": {"alice@contoso.com"}}) }, "alice@contoso.com"},
		{"query", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/?login=alice%40contoso.com", nil) }, "alice@contoso.com"},
		{"domain is lower-cased, alias kept", func() *http.Request { return postForm("/", url.Values{"login": {" Alice@Contoso.COM "}}) }, "Alice@contoso.com"},
		{"subdomain of a federated domain", func() *http.Request { return postForm("/", url.Values{"login": {"dave@sales.contoso.com"}}) }, "dave@sales.contoso.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestSite(t)
			rec := ts.do(t, tt.req())
			if rec.Code != http.StatusFound {
				t.Fatalf("status = %d, want 302; body:\n%s", rec.Code, rec.Body)
			}
			loc, err := url.Parse(rec.Header().Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if got := loc.Scheme + "://" + loc.Host + loc.Path; got != o365test.PassiveSignInURI {
				t.Errorf("redirect to %s, want %s", got, o365test.PassiveSignInURI)
			}
			q := loc.Query()
			if len(q) != 4 {
				t.Errorf("query has %d parameters (%v); want wa, wtrealm, wctx, username", len(q), q)
			}
			if q.Get("wa") != "wsignin1.0" || q.Get("wtrealm") != o365.Realm || q.Get("username") != tt.wantLogin {
				t.Errorf("query = %v", q)
			}
			if !regexp.MustCompile(`^[A-Za-z0-9_-]{32}$`).MatchString(q.Get("wctx")) {
				t.Errorf("wctx %q is not 32 URL-safe characters", q.Get("wctx"))
			}
		})
	}
}

func TestDiscovery_WctxIsFreshPerSignIn(t *testing.T) {
	ts := newTestSite(t)
	if a, b := ts.startSignIn(t, o365test.UPN), ts.startSignIn(t, o365test.UPN); a == b {
		t.Fatalf("two sign-ins got the same wctx %q", a)
	}
}

func TestDiscovery_ManagedDomainShowsManagedPage(t *testing.T) {
	ts := newTestSite(t)
	rec := ts.do(t, postForm("/", url.Values{"login": {"erin@Fabrikam.com"}}))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d", rec.Code)
	}
	if got := textByID(t, rec.Body.String(), "managed"); !strings.Contains(got, "fabrikam.com is a managed domain: the password stays in the cloud") {
		t.Errorf("#managed = %q", got)
	}
}

func TestDiscovery_UnknownDomainShowsUnknown(t *testing.T) {
	ts := newTestSite(t)
	rec := ts.do(t, postForm("/", url.Values{"login": {"mallory@example.org"}}))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d", rec.Code)
	}
	body := rec.Body.String()
	if got := textByID(t, body, "unknown"); !strings.Contains(got, "We couldn't find an account with that username") {
		t.Errorf("#unknown = %q", got)
	}
	if !hasID(body, "signin-form") {
		t.Errorf("the sign-in form is not shown again")
	}
}

func TestDiscovery_InvalidLoginShowsError(t *testing.T) {
	tests := []struct{ name, login, want string }{
		{"empty", "", "Enter your email address."},
		{"no at", "alice", "exactly one @"},
		{"two ats", "a@b@contoso.com", "exactly one @"},
		{"space", "al ice@contoso.com", "cannot contain spaces"},
		{"single-label domain", "alice@contoso", "at least one dot"},
		{"bad domain label", "alice@-contoso.com", "hyphen"},
		{"too long", strings.Repeat("a", 250) + "@contoso.com", "too long"},
		{"markup is escaped", "<b>@contoso.com", "contains <, which is not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestSite(t)
			rec := ts.do(t, postForm("/", url.Values{"login": {tt.login}}))
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400", rec.Code)
			}
			body := rec.Body.String()
			if got := textByID(t, body, "error"); !strings.Contains(got, tt.want) {
				t.Errorf("#error = %q, want it to contain %q", got, tt.want)
			}
			if strings.Contains(body, "<b>@") {
				t.Errorf("login echoed without escaping")
			}
		})
	}
}

func TestLoginSRF_AcceptsGoodToken(t *testing.T) {
	tests := []struct {
		name    string
		mfa     bool
		wantMFA string
	}{
		{"password only", false, "No MFA claim"},
		{"with MFA", true, "MFA done by the federated IdP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestSite(t)
			wctx := ts.startSignIn(t, o365test.UPN)
			tok := o365test.DefaultToken(t0)
			tok.MFA = tt.mfa
			ts.now = t0.Add(time.Minute) // the user took a minute at the IdP
			rec := ts.do(t, postForm("/login.srf", url.Values{"wa": {"wsignin1.0"}, "wctx": {wctx}, "wresult": {string(ts.key.WResult(t, tok))}}))
			body := rec.Body.String()
			if rec.Code != http.StatusOK || !hasID(body, "signed-in") {
				t.Fatalf("status = %d; body:\n%s", rec.Code, body)
			}
			want := map[string]string{
				"upn":          o365test.UPN,
				"display-name": o365test.DisplayName,
				"immutable-id": o365test.ImmutableID,
				"mfa":          tt.wantMFA,
				"issuer":       o365test.Issuer,
			}
			for id, v := range want {
				if got := textByID(t, body, id); got != v {
					t.Errorf("#%s = %q, want %q", id, got, v)
				}
			}
			if logs := ts.logs.String(); strings.Contains(logs, o365test.UPN) || !strings.Contains(logs, "sign-in accepted") {
				t.Errorf("Info log should record the sign-in without the UPN:\n%s", logs)
			}
		})
	}
}

func TestLoginSRF_Rejects(t *testing.T) {
	tests := []struct {
		name       string
		form       func(t *testing.T, ts *testSite) url.Values
		req        func(t *testing.T, ts *testSite) *http.Request // overrides form
		wantStatus int
		wantReason string
	}{
		{
			name: "tampered token",
			form: func(t *testing.T, ts *testSite) url.Values {
				wresult := ts.key.WResult(t, o365test.DefaultToken(t0))
				doc := etree.NewDocument()
				if err := doc.ReadFromBytes(wresult); err != nil {
					t.Fatal(err)
				}
				doc.FindElement("//saml:Attribute[@AttributeName='UPN']/saml:AttributeValue").SetText("bob@contoso.com")
				return url.Values{"wa": {"wsignin1.0"}, "wctx": {ts.startSignIn(t, o365test.UPN)}, "wresult": {string(o365test.Bytes(t, doc))}}
			},
			wantStatus: http.StatusBadRequest,
			wantReason: "signature does not verify against the federation's signing certificate",
		},
		{
			name: "unknown wctx",
			form: func(t *testing.T, ts *testSite) url.Values {
				return url.Values{"wa": {"wsignin1.0"}, "wctx": {"bm90LWlzc3VlZC1ieS10aGlzLXNpdGU"}, "wresult": {string(ts.key.WResult(t, o365test.DefaultToken(t0)))}}
			},
			wantStatus: http.StatusBadRequest,
			wantReason: "The wctx was not issued by this site, has expired or was already used.",
		},
		{
			name: "replayed wctx",
			form: func(t *testing.T, ts *testSite) url.Values {
				wctx := ts.startSignIn(t, o365test.UPN)
				first := url.Values{"wa": {"wsignin1.0"}, "wctx": {wctx}, "wresult": {string(ts.key.WResult(t, o365test.DefaultToken(t0)))}}
				if rec := ts.do(t, postForm("/login.srf", first)); rec.Code != http.StatusOK {
					t.Fatalf("first post: status %d\n%s", rec.Code, rec.Body)
				}
				tok := o365test.DefaultToken(t0)
				tok.AssertionID = "_second"
				return url.Values{"wa": {"wsignin1.0"}, "wctx": {wctx}, "wresult": {string(ts.key.WResult(t, tok))}}
			},
			wantStatus: http.StatusBadRequest,
			wantReason: "already used",
		},
		{
			name: "replayed token with a fresh wctx",
			form: func(t *testing.T, ts *testSite) url.Values {
				wresult := string(ts.key.WResult(t, o365test.DefaultToken(t0)))
				first := url.Values{"wa": {"wsignin1.0"}, "wctx": {ts.startSignIn(t, o365test.UPN)}, "wresult": {wresult}}
				if rec := ts.do(t, postForm("/login.srf", first)); rec.Code != http.StatusOK {
					t.Fatalf("first post: status %d\n%s", rec.Code, rec.Body)
				}
				return url.Values{"wa": {"wsignin1.0"}, "wctx": {ts.startSignIn(t, o365test.UPN)}, "wresult": {wresult}}
			},
			wantStatus: http.StatusBadRequest,
			wantReason: "was already used (replay)",
		},
		{
			name: "expired wctx",
			form: func(t *testing.T, ts *testSite) url.Values {
				wctx := ts.startSignIn(t, o365test.UPN)
				ts.now = t0.Add(15 * time.Minute)
				return url.Values{"wa": {"wsignin1.0"}, "wctx": {wctx}, "wresult": {string(ts.key.WResult(t, o365test.DefaultToken(t0)))}}
			},
			wantStatus: http.StatusBadRequest,
			wantReason: "has expired",
		},
		{
			name: "wrong wa",
			form: func(t *testing.T, ts *testSite) url.Values {
				return url.Values{"wa": {"wsignout1.0"}, "wctx": {ts.startSignIn(t, o365test.UPN)}, "wresult": {"x"}}
			},
			wantStatus: http.StatusBadRequest,
			wantReason: "wa must be wsignin1.0",
		},
		{
			name: "missing wresult",
			form: func(t *testing.T, ts *testSite) url.Values {
				return url.Values{"wa": {"wsignin1.0"}, "wctx": {ts.startSignIn(t, o365test.UPN)}}
			},
			wantStatus: http.StatusBadRequest,
			wantReason: "exactly one each of wa, wctx and wresult",
		},
		{
			name: "duplicated wresult",
			form: func(t *testing.T, ts *testSite) url.Values {
				return url.Values{"wa": {"wsignin1.0"}, "wctx": {ts.startSignIn(t, o365test.UPN)}, "wresult": {"a", "b"}}
			},
			wantStatus: http.StatusBadRequest,
			wantReason: "exactly one each",
		},
		{
			name: "oversized body",
			req: func(t *testing.T, ts *testSite) *http.Request {
				return postForm("/login.srf", url.Values{"wa": {"wsignin1.0"}, "wctx": {ts.startSignIn(t, o365test.UPN)}, "wresult": {strings.Repeat("x", 512<<10)}})
			},
			wantStatus: http.StatusRequestEntityTooLarge,
			wantReason: "larger than the limit of 512 KiB",
		},
		{
			name: "not a urlencoded form",
			req: func(t *testing.T, ts *testSite) *http.Request {
				req := httptest.NewRequest(http.MethodPost, "/login.srf", strings.NewReader(`{"wresult":""}`))
				req.Header.Set("Content-Type", "application/json")
				return req
			},
			wantStatus: http.StatusUnsupportedMediaType,
			wantReason: "application/x-www-form-urlencoded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestSite(t)
			var req *http.Request
			if tt.req != nil {
				req = tt.req(t, ts)
			} else {
				req = postForm("/login.srf", tt.form(t, ts))
			}
			rec := ts.do(t, req)
			body := rec.Body.String()
			if rec.Code != tt.wantStatus || !hasID(body, "rejected") {
				t.Fatalf("status = %d, want %d with #rejected; body:\n%s", rec.Code, tt.wantStatus, body)
			}
			if got := textByID(t, body, "reason"); !strings.Contains(got, tt.wantReason) {
				t.Errorf("#reason = %q, want it to contain %q", got, tt.wantReason)
			}
			if hasID(body, "signed-in") {
				t.Errorf("rejected page also says signed in")
			}
		})
	}
}

func TestSite_HealthzAndRouting(t *testing.T) {
	tests := []struct {
		name   string
		method string
		target string
		want   int
	}{
		{"healthz", http.MethodGet, "/healthz", http.StatusOK},
		{"stylesheet", http.MethodGet, "/static/msonline.css", http.StatusOK},
		{"GET login.srf is not allowed", http.MethodGet, "/login.srf", http.StatusMethodNotAllowed},
		{"unknown path", http.MethodGet, "/common/oauth2/authorize", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestSite(t)
			rec := ts.do(t, httptest.NewRequest(tt.method, tt.target, nil))
			if rec.Code != tt.want {
				t.Errorf("%s %s = %d, want %d", tt.method, tt.target, rec.Code, tt.want)
			}
			if rec.Header().Get("Content-Security-Policy") == "" {
				t.Errorf("no CSP on %s", tt.target)
			}
		})
	}
}

func TestSite_ReplyURL(t *testing.T) {
	ts := newTestSite(t, func(c *msonline.Config) { c.BaseURL = "https://127.0.0.1:8444/" })
	if got := ts.site.ReplyURL(); got != "https://127.0.0.1:8444/login.srf" {
		t.Fatalf("ReplyURL = %q", got)
	}
}

func TestNew_RejectsBadConfig(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*msonline.Config)
		want   string
	}{
		{"no checker", func(c *msonline.Config) { c.Checker = nil }, "Config.Checker is required"},
		{"base URL with a path", func(c *msonline.Config) { c.BaseURL = "https://127.0.0.1:8444/app" }, "must be an origin"},
		{"base URL without scheme", func(c *msonline.Config) { c.BaseURL = "127.0.0.1:8444" }, "BaseURL"},
		{"managed and federated", func(c *msonline.Config) { c.ManagedDomains = []string{"Contoso.com"} }, "is also a federated domain"},
		{"invalid managed domain", func(c *msonline.Config) { c.ManagedDomains = []string{"not a domain"} }, "ManagedDomains[0]"},
		{"relative passive URI", func(c *msonline.Config) { c.Checker.Federations[0].PassiveSignInURI = "/adfs/ls/" }, "Federations[0]: PassiveSignInURI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := msonline.Config{
				Checker: &o365.Checker{Federations: []o365.Federation{{Domain: "contoso.com", IssuerURI: o365test.Issuer, PassiveSignInURI: o365test.PassiveSignInURI}}},
				BaseURL: baseURL,
			}
			tt.mutate(&cfg)
			_, err := msonline.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "msonline: ") {
				t.Fatalf("New error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
