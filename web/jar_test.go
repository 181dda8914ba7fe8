package web_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"time"
)

// clockJar is a cookie jar that judges the expiry of cookies by the test
// clock, as a browser whose clock agrees with the server's does.
// net/http/cookiejar compares Expires with the wall clock, so without it
// a session cookie stamped by the fixed test clock (Expires = test now +
// lifetime) would be dropped as expired once the wall clock passes that
// instant, and every single-sign-on test would fail from then on.
type clockJar struct {
	jar *cookiejar.Jar
	now func() time.Time
}

// newJar returns an empty cookie jar on the environment's clock.
func (e *testEnv) newJar() http.CookieJar {
	jar, _ := cookiejar.New(nil) // fails only with options
	return &clockJar{jar: jar, now: e.clock.Now}
}

// SetCookies stores cookies, turning each Expires into the equivalent
// Max-Age at the test clock's now.
func (j *clockJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	out := make([]*http.Cookie, 0, len(cookies))
	for _, c := range cookies {
		if c.MaxAge == 0 && !c.Expires.IsZero() {
			cc := *c
			cc.MaxAge = int(c.Expires.Sub(j.now()) / time.Second)
			if cc.MaxAge <= 0 {
				cc.MaxAge = -1 // already expired: delete
			}
			cc.Expires = time.Time{}
			c = &cc
		}
		out = append(out, c)
	}
	j.jar.SetCookies(u, out)
}

// Cookies returns the cookies to send to u.
func (j *clockJar) Cookies(u *url.URL) []*http.Cookie { return j.jar.Cookies(u) }
