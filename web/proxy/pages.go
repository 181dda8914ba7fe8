package proxy

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
)

// pageTemplate is the proxy's only page: no script, no style, no external
// resource and no backend detail, so its CSP can forbid everything.
const pageTemplate = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}} – {{.Brand}}</title></head>
<body>
<main>
<h1 id="title">{{.Title}}</h1>
<p id="message">{{.Message}}</p>
<p>Activity ID: <code id="activity-id">{{.ActivityID}}</code></p>
</main>
</body>
</html>
`

// pageCSP forbids everything: the pages need no resource at all.
const pageCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

type pageText struct{ title, message string }

// textFor returns the wording of the proxy's own responses. None of them
// says anything about the nodes behind it.
func textFor(status int) pageText {
	switch status {
	case http.StatusNotFound:
		return pageText{"Page not found", "The address you asked for is not published by this sign-in service."}
	case http.StatusMethodNotAllowed:
		return pageText{"Request not allowed", "This address does not accept that kind of request."}
	case http.StatusRequestEntityTooLarge:
		return pageText{"Request too large", "The request is larger than this sign-in service accepts."}
	case http.StatusBadGateway:
		return pageText{"Sign-in interrupted", "The sign-in service did not complete your request. Please try again."}
	}
	return pageText{"Service temporarily unavailable",
		"The sign-in service is temporarily unavailable. Please try again in a few minutes. If the problem continues, give your help desk the activity ID below."}
}

type pages struct {
	tmpl  *template.Template
	brand string
}

func newPages(brand string) (*pages, error) {
	t, err := template.New("page").Parse(pageTemplate)
	if err != nil {
		return nil, fmt.Errorf("proxy: parse page template: %w", err)
	}
	return &pages{tmpl: t, brand: brand}, nil
}

// render writes the page for status, rendered into a buffer first so a
// template failure cannot leave a half-written response.
func (pg *pages) render(w http.ResponseWriter, status int, activityID string) {
	txt := textFor(status)
	var buf bytes.Buffer
	err := pg.tmpl.Execute(&buf, struct{ Title, Message, Brand, ActivityID string }{txt.title, txt.message, pg.brand, activityID})
	h := w.Header()
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Activity-Id", activityID)
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "30")
	}
	if err != nil {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, txt.title+". Activity ID: "+activityID+"\n")
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// newActivityID formats 16 random bytes like a GUID, the shape fedgate
// and AD FS use.
func newActivityID(rnd io.Reader) string {
	var b [16]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		_, _ = io.ReadFull(rand.Reader, b[:])
	}
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
