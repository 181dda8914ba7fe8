package msonline

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/fedgate/fedgate/idp/o365"
)

//go:embed templates/*.html static/msonline.css
var assets embed.FS

// pageNames are the templates New requires; each is parsed with layout.html.
var pageNames = []string{"signin", "managed", "signedin", "rejected"}

// pages holds the parsed templates and the stylesheet.
type pages struct {
	tmpl map[string]*template.Template
	css  []byte
}

func parsePages() (*pages, error) {
	p := &pages{tmpl: make(map[string]*template.Template, len(pageNames))}
	for _, name := range pageNames {
		t, err := template.New(name).ParseFS(assets, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("msonline: parse template %s: %w", name, err)
		}
		p.tmpl[name] = t
	}
	css, err := assets.ReadFile("static/msonline.css")
	if err != nil {
		return nil, fmt.Errorf("msonline: read stylesheet: %w", err)
	}
	p.css = css
	return p, nil
}

// render executes a page into a buffer first, so a template error never
// leaves a half-written page behind.
func (s *Site) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages.tmpl[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.ErrorContext(r.Context(), "msonline: render page", "page", name, "err", err)
		http.Error(w, "msonline: page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (p *pages) serveCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write(p.css)
}

type signInData struct {
	Login   string
	Error   string
	ErrorID string // "error" or "unknown": the id tests and browsers look for
}

type managedData struct{ Login, Domain string }

type signedInData struct {
	*o365.Result
	RequestedLogin string
}

// MFAText is the #mfa text.
func (d signedInData) MFAText() string {
	if d.MFA {
		return "MFA done by the federated IdP"
	}
	return "No MFA claim"
}

// InsideText is the #inside-corporate-network text.
func (d signedInData) InsideText() string {
	switch {
	case d.InsideCorporateNetwork == nil:
		return "not stated"
	case *d.InsideCorporateNetwork:
		return "true"
	default:
		return "false"
	}
}

// Stamp formats a claim time for the page.
func (signedInData) Stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

type rejectedData struct{ Reason, ActivityID, Time string }
