package proxy

import (
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// metadataPath is matched case-insensitively, like fedgate does: AD FS
// documentation and partners spell it in several cases.
const metadataPath = "/federationmetadata/2007-06/federationmetadata.xml"

// route is one published path and the methods it accepts.
type route struct {
	pattern string
	methods []string
}

// published is the allow-list (see the package documentation). chi
// patterns: exact paths, and "/*" for a subtree.
func published() []route {
	get := []string{http.MethodGet, http.MethodHead}
	getPost := []string{http.MethodGet, http.MethodHead, http.MethodPost}
	post := []string{http.MethodPost}
	return []route{
		{"/adfs/ls/", getPost},
		{"/adfs/ls", get},
		{"/adfs/services/trust/2005/usernamemixed", post},
		{"/adfs/services/trust/13/usernamemixed", post},
		{"/adfs/services/trust/mex", getPost},
		{"/adfs/portal/*", get},
		{"/favicon.ico", get},
	}
}

// routes builds the allow-list router. Only the routes above reach the
// ReverseProxy; the probe is answered here; everything else is the
// proxy's own 404 or 405 page.
func (p *Proxy) routes() http.Handler {
	r := chi.NewRouter()
	for _, rt := range published() {
		for _, m := range rt.methods {
			r.Method(m, rt.pattern, p.rp)
		}
	}
	r.Get(ProbePath, probe)
	r.Head(ProbePath, probe)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.URL.Path, metadataPath) {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				p.rp.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Allow", "GET, HEAD")
			p.pages.render(w, http.StatusMethodNotAllowed, activityID(r))
			return
		}
		p.pages.render(w, http.StatusNotFound, activityID(r))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		p.pages.render(w, http.StatusMethodNotAllowed, activityID(r))
	})
	return r
}

// probe answers load-balancer health checks locally, as AD FS WAP does
// ("served locally with no dependence on back-end services").
func probe(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, "OK\n")
}

// ProbeHandler serves only GET/HEAD /adfs/probe (404 otherwise), for the
// plain-HTTP probe listener.
func ProbeHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+ProbePath, probe)
	return mux
}
