package demo_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/fedgate/fedgate/cmd/internal/demo"
	"github.com/fedgate/fedgate/internal/testclock"
	"github.com/fedgate/fedgate/web/webtest"
)

// The test browser of the demo's end-to-end walks: a cookie jar, pages
// parsed with webtest, forms submitted the way a browser submits them.

type clock = testclock.Clock

type page struct {
	url    string
	status int
	body   string
	*webtest.Page
}

type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T, d *demo.Demo) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: d.ClientTLS}}}
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	p, err := webtest.Parse(string(body))
	if err != nil {
		b.t.Fatal(err)
	}
	return &page{url: resp.Request.URL.String(), status: resp.StatusCode, body: string(body), Page: p}
}

func (b *browser) get(u string) *page {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// submit posts the form with id on p, resolving its action against p's URL
// the way a browser does.
func (b *browser) submit(p *page, formID string, set map[string]string) *page {
	b.t.Helper()
	f, err := p.Form(formID)
	if err != nil {
		b.t.Fatalf("%v (page %s, status %d): %s", err, p.url, p.status, p.body)
	}
	for k, v := range set {
		f.Fields.Set(k, v)
	}
	base, _ := url.Parse(p.url)
	action, err := base.Parse(f.Action)
	if err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(b.t.Context(), http.MethodPost, action.String(), strings.NewReader(f.Fields.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// passwordAndEnroll submits the sign-in form on p as user with pass,
// expects the TOTP enrollment page (a first sign-in that needs MFA) and
// confirms it with the code for the shown secret at now. It returns the
// page after the code, normally the token auto-POST, and the secret.
func (b *browser) passwordAndEnroll(p *page, user, pass string, now time.Time) (*page, string) {
	b.t.Helper()
	p = b.submit(p, "loginForm", map[string]string{"UserName": user, "Password": pass})
	secret := p.Text("secret")
	if secret == "" {
		b.t.Fatalf("no enrollment page: %s", p.body)
	}
	code, err := totp.GenerateCode(secret, now)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.submit(p, "enrollForm", map[string]string{"code": code}), secret
}
