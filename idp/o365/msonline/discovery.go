package msonline

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fedgate/fedgate/idp/o365"
)

// maxDiscoveryBody bounds the POST / form: one sign-in name.
const maxDiscoveryBody = 16 << 10

// serveSignIn shows the sign-in page, or runs discovery for GET /?login=….
func (s *Site) serveSignIn(w http.ResponseWriter, r *http.Request) {
	if q := r.URL.Query(); q.Has("login") {
		s.discover(w, r, q.Get("login"))
		return
	}
	s.render(w, r, http.StatusOK, "signin", signInData{})
}

// serveDiscovery handles the sign-in form.
func (s *Site) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	form, status, msg := readForm(w, r, maxDiscoveryBody)
	if status != 0 {
		s.render(w, r, status, "signin", signInData{Error: msg, ErrorID: "error"})
		return
	}
	s.discover(w, r, form.Get("login"))
}

// discover is home-realm discovery: it routes a sign-in name by its domain.
func (s *Site) discover(w http.ResponseWriter, r *http.Request, login string) {
	email, domain, err := parseLogin(login)
	if err != nil {
		var le *loginError
		msg := "Enter a valid email address."
		if errors.As(err, &le) {
			msg = le.msg
		}
		s.render(w, r, http.StatusBadRequest, "signin", signInData{Login: clipLogin(login), Error: msg, ErrorID: "error"})
		return
	}
	if fed := s.federationFor(domain); fed != nil {
		if s.protocol == ProtocolSAML2 {
			s.redirectSAML(w, r, fed, email)
			return
		}
		s.redirectToIdP(w, r, fed, email)
		return
	}
	if inAnyDomain(domain, s.managed) {
		s.log.DebugContext(r.Context(), "msonline: managed domain", "user_upn", email)
		s.render(w, r, http.StatusOK, "managed", managedData{Login: email, Domain: domain})
		return
	}
	s.log.DebugContext(r.Context(), "msonline: unknown domain", "domain", domain)
	s.render(w, r, http.StatusOK, "signin", signInData{
		Login:   email,
		Error:   "We couldn't find an account with that username. Try another, or check that " + domain + " is one of the tenant's domains.",
		ErrorID: "unknown",
	})
}

// redirectToIdP starts a federated sign-in the way Entra does: a single-use
// wctx is remembered and the browser goes to the IdP's passive endpoint.
func (s *Site) redirectToIdP(w http.ResponseWriter, r *http.Request, fed *federation, email string) {
	wctx, err := s.newID(24)
	if err != nil {
		s.startFailed(w, r, err)
		return
	}
	s.pending.add(wctx, email, s.now())
	// Parameter order as Entra sends it; wctx is URL-safe base64.
	q := "wa=wsignin1.0&wtrealm=" + url.QueryEscape(o365.Realm) + "&wctx=" + wctx + "&username=" + url.QueryEscape(email)
	u := *fed.passive
	if u.RawQuery != "" {
		q = u.RawQuery + "&" + q
	}
	u.RawQuery = q
	s.log.InfoContext(r.Context(), "msonline: redirect to federated IdP", "domain", fed.domain, "idp", fed.passive.Host)
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// federationFor returns the federation of domain or of its closest parent.
func (s *Site) federationFor(domain string) *federation {
	var best *federation
	for i := range s.feds {
		f := &s.feds[i]
		if inDomain(domain, f.domain) && (best == nil || len(f.domain) > len(best.domain)) {
			best = f
		}
	}
	return best
}

func inDomain(domain, parent string) bool {
	return domain == parent || strings.HasSuffix(domain, "."+parent)
}

func inAnyDomain(domain string, parents []string) bool {
	for _, p := range parents {
		if inDomain(domain, p) {
			return true
		}
	}
	return false
}

// clipLogin keeps an invalid sign-in name short enough to echo back.
func clipLogin(s string) string {
	if len(s) > maxLoginLen {
		s = s[:maxLoginLen]
	}
	return strings.ToValidUTF8(s, "")
}

// readForm reads an application/x-www-form-urlencoded body of at most limit
// bytes. On failure it returns the HTTP status and a message for the page.
func readForm(w http.ResponseWriter, r *http.Request, limit int64) (url.Values, int, string) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, http.StatusUnsupportedMediaType, "The form must be sent as application/x-www-form-urlencoded."
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, http.StatusRequestEntityTooLarge, "The form is larger than the limit of " + byteSize(limit) + "."
		}
		return nil, http.StatusBadRequest, "The form could not be read."
	}
	return r.PostForm, 0, ""
}

func byteSize(n int64) string {
	return strconv.FormatInt(n>>10, 10) + " KiB"
}
