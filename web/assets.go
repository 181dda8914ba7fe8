package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"sync"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// requiredPages are checked at construction so that a missing template
// fails startup, not the first request.
var requiredPages = []string{"signin", "mfa", "enroll", "autopost", "error", "signedout", "passwordchange", "idpinitiated", "portal", "portalcreated", "portalreenroll", "portalrecovery"}

// pages holds one parsed template set per page, each the shared layout
// plus the page's own blocks. Parsed once; safe for concurrent use.
type pages struct {
	byName map[string]*template.Template
	bufs   sync.Pool
}

func parsePages() (*pages, error) {
	layout, err := template.ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	p := &pages{byName: make(map[string]*template.Template), bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
	for _, name := range requiredPages {
		t, err := layout.Clone()
		if err != nil {
			return nil, fmt.Errorf("web: clone layout: %w", err)
		}
		if _, err := t.ParseFS(templateFS, "templates/"+name+".html"); err != nil {
			return nil, fmt.Errorf("web: parse page %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// render executes page into a pooled buffer first, so a template error
// never leaves a half-written response.
func (p *pages) render(w http.ResponseWriter, status int, name string, data any) error {
	t, ok := p.byName[name]
	if !ok {
		return fmt.Errorf("web: no page %q", name)
	}
	buf := p.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer p.bufs.Put(buf)
	if err := t.ExecuteTemplate(buf, "layout", data); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory exists
	}
	return http.StripPrefix("/adfs/portal/", http.FileServer(http.FS(sub)))
}
