package wstrust

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
)

// Mount registers the endpoints on r:
//
//	POST /adfs/services/trust/2005/usernamemixed   WS-Trust Feb 2005 issue
//	POST /adfs/services/trust/13/usernamemixed     WS-Trust 1.3 issue
//	GET  /adfs/services/trust/mex (any query but ?xsd=…)  the MEX WSDL
//
// Every method is routed here, so another method on a usernamemixed path
// gets a SOAP fault with status 405 rather than the router's HTML page.
func (h *Handler) Mount(r chi.Router) {
	r.HandleFunc(Path2005, h.endpoint(Trust2005))
	r.HandleFunc(Path13, h.endpoint(Trust13))
	r.HandleFunc(PathMEX, h.serveMEX)
}

// call is one request's context: what logs and audit events share.
type call struct {
	r        *http.Request
	v        Version
	activity string
	clientIP string
}

func (h *Handler) endpoint(v Version) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := &call{r: r, v: v, clientIP: h.cfg.ClientIP(r)}
		if h.cfg.ActivityID != nil {
			c.activity = h.cfg.ActivityID(r.Context())
		}
		if c.activity == "" {
			c.activity = newActivityID(h.cfg.Rand)
			w.Header().Set("X-Activity-Id", c.activity)
		}
		tw := &trackingWriter{ResponseWriter: w}
		defer h.recoverPanic(tw, c)
		if r.Method != http.MethodPost {
			tw.Header().Set("Allow", http.MethodPost)
			h.writeFault(tw, c, invalidRequest(v, "Use POST with a SOAP 1.2 envelope.", nil), "", http.StatusMethodNotAllowed)
			return
		}
		resp, req, err := h.issue(tw, c)
		if err != nil {
			var f *Fault
			if !errors.As(err, &f) {
				f = unavailable(v, err)
			}
			relatesTo := ""
			if req != nil {
				relatesTo = req.MessageID
			}
			h.writeFault(tw, c, f, relatesTo, http.StatusInternalServerError)
			return
		}
		writeSOAP(tw, http.StatusOK, resp)
	}
}

// writeFault logs f with the activity ID and sends it. Faults are HTTP 500
// (405 for a wrong method), as AD FS and WCF send every SOAP 1.2 fault and
// as the MSAL test fixtures expect; the fault code, not the status, tells
// sender errors from receiver errors.
func (h *Handler) writeFault(w http.ResponseWriter, c *call, f *Fault, relatesTo string, status int) {
	level := slog.LevelInfo
	if f.Code == Receiver {
		level = slog.LevelError
	}
	h.log.LogAttrs(c.r.Context(), level, "ws-trust fault",
		slog.String("activity_id", c.activity), slog.String("version", c.v.String()),
		slog.String("code", string(f.Code)), slog.String("subcode", f.Subcode.Local),
		slog.String("public", f.Text), slog.Any("error", f.Err))
	writeSOAP(w, status, f.marshal(relatesTo))
}

func writeSOAP(w http.ResponseWriter, status int, body []byte) {
	hdr := w.Header()
	hdr.Set("Content-Type", soapContentType)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body) // a failed write means the client left; nothing to do
}

// recoverPanic turns a panic into a Receiver fault (never a stack trace on
// the wire) and logs the stack with the activity ID.
func (h *Handler) recoverPanic(w *trackingWriter, c *call) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	h.log.ErrorContext(c.r.Context(), "panic serving ws-trust request", slog.String("activity_id", c.activity),
		slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
	if !w.wrote {
		h.writeFault(w, c, unavailable(c.v, errors.New("wstrust: panic")), "", http.StatusInternalServerError)
	}
}

// trackingWriter remembers whether a response was started.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) WriteHeader(code int) {
	t.wrote = true
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}

// readEnvelope checks the transport (Content-Type, SOAPAction, size) and
// returns the body. A body over the limit is refused from Content-Length
// alone when declared, and otherwise read no further than the limit.
func (h *Handler) readEnvelope(w http.ResponseWriter, c *call) ([]byte, error) {
	r, v, limit := c.r, c.v, h.cfg.MaxBodyBytes
	tooLarge := invalidRequest(v, fmt.Sprintf("The request is larger than %d bytes.", limit), nil)
	if r.ContentLength > limit {
		tooLarge.Err = fmt.Errorf("wstrust: Content-Length %d over %d", r.ContentLength, limit)
		return nil, tooLarge
	}
	if err := checkContentType(r.Header.Get("Content-Type"), v); err != nil {
		return nil, err
	}
	// SOAP 1.2 carries the action in the media type; MSAL also sends the
	// SOAP 1.1 SOAPAction header. Either, when present, must agree.
	if sa := strings.Trim(strings.TrimSpace(r.Header.Get("SOAPAction")), `"`); sa != "" && sa != v.IssueAction() {
		return nil, invalidRequest(v, "The SOAPAction header must be "+v.IssueAction()+" on this endpoint.", nil)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			tooLarge.Err = fmt.Errorf("wstrust: body over %d bytes", limit)
			return nil, tooLarge
		}
		return nil, invalidRequest(v, "The request body could not be read.", fmt.Errorf("wstrust: read body: %w", err))
	}
	return body, nil
}

// checkContentType requires application/soap+xml (SOAP 1.2 Part 2 §7.1.4)
// in UTF-8; text/xml is SOAP 1.1 and gets VersionMismatch.
func checkContentType(ct string, v Version) error {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return invalidRequest(v, "Send the request as application/soap+xml; charset=utf-8.", fmt.Errorf("wstrust: content type: %w", err))
	}
	switch mt {
	case "application/soap+xml":
	case "text/xml":
		return &Fault{Code: VersionMismatch, Text: "SOAP 1.1 (text/xml) is not supported; send SOAP 1.2 as application/soap+xml."}
	default:
		return invalidRequest(v, "Send the request as application/soap+xml; charset=utf-8.", nil)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return invalidRequest(v, "Only the UTF-8 charset is accepted.", nil)
	}
	if a, ok := params["action"]; ok && a != v.IssueAction() {
		return invalidRequest(v, "The action parameter must be "+v.IssueAction()+" on this endpoint.", nil)
	}
	return nil
}

// serveMEX answers GET and HEAD with the cached MEX document. Schema
// imports (?xsd=…) are not published.
func (h *Handler) serveMEX(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = io.WriteString(w, "Use GET to read the metadata exchange document.\n")
		return
	}
	if r.URL.Query().Has("xsd") {
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "Schema documents are not published.\n")
		return
	}
	hdr.Set("Content-Type", mexContentType)
	hdr.Set("Content-Length", strconv.Itoa(len(h.mex)))
	// The document changes only with the configuration; clients and the
	// Remote Connectivity Analyzer fetch it before every sign-in.
	hdr.Set("Cache-Control", "public, max-age=3600")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(h.mex)
	}
}

// MEX returns a copy of the metadata exchange document.
func (h *Handler) MEX() []byte { return append([]byte(nil), h.mex...) }

// newActivityID formats 16 random bytes like a GUID, as web does.
func newActivityID(rnd io.Reader) string {
	var b [16]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		_, _ = io.ReadFull(rand.Reader, b[:])
	}
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// ctx is the request context.
func (c *call) ctx() context.Context { return c.r.Context() }
