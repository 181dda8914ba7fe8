package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

type ctxKey int

const activityKey ctxKey = iota

// ActivityID returns the request's activity ID: the identifier shown on
// error pages and written into every log line and audit event of the
// request, so an administrator can find what a user reports.
func ActivityID(ctx context.Context) string {
	id, _ := ctx.Value(activityKey).(string)
	return id
}

// newActivityID formats 16 random bytes as a GUID-looking string, the
// shape AD FS admins know from event logs.
func newActivityID(rnd io.Reader) string {
	var b [16]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		_, _ = io.ReadFull(rand.Reader, b[:])
	}
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// contentSecurityPolicy forbids inline script and framing. Pages that
// auto-POST a token widen form-action to the registered reply URL's origin.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// requestContext assigns the activity ID, limits the body, recovers from
// panics and writes one access-log line per request. The query string is
// not logged: it can carry wctx and user names.
func (s *Server) requestContext(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		id := newActivityID(s.rand)
		ctx := context.WithValue(r.Context(), activityKey, id)
		r = r.WithContext(ctx)
		w.Header().Set("X-Activity-Id", id)
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
		}
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(ctx, "panic serving request", slog.String("activity_id", id),
					slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				if rec.status == 0 {
					s.renderError(rec, r, &Error{Status: http.StatusInternalServerError, Public: "The service could not complete your request."})
				}
			}
			s.log.LogAttrs(ctx, slog.LevelInfo, "http request",
				slog.String("activity_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
				slog.String("client_ip", clientIP(r)), slog.Duration("duration", s.now().Sub(start)))
		}()
		next.ServeHTTP(rec, r)
	})
}

// ServerTimeouts are the limits every fedgate listener applies.
type ServerTimeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
	MaxHeaderBytes                int
}

// DefaultServerTimeouts are used when a field is zero.
var DefaultServerTimeouts = ServerTimeouts{
	ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 30 * time.Second, Idle: 120 * time.Second,
	MaxHeaderBytes: 16 << 10,
}

// NewHTTPServer returns an http.Server with every timeout and the header
// limit set (zero fields take DefaultServerTimeouts).
func NewHTTPServer(addr string, h http.Handler, t ServerTimeouts, log *slog.Logger) *http.Server {
	d := DefaultServerTimeouts
	if t.ReadHeader == 0 {
		t.ReadHeader = d.ReadHeader
	}
	if t.Read == 0 {
		t.Read = d.Read
	}
	if t.Write == 0 {
		t.Write = d.Write
	}
	if t.Idle == 0 {
		t.Idle = d.Idle
	}
	if t.MaxHeaderBytes == 0 {
		t.MaxHeaderBytes = d.MaxHeaderBytes
	}
	var errLog *slog.Logger
	if log != nil {
		errLog = log
	} else {
		errLog = slog.New(slog.DiscardHandler)
	}
	return &http.Server{
		Addr: addr, Handler: h,
		ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write, IdleTimeout: t.Idle,
		MaxHeaderBytes: t.MaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(errLog.Handler(), slog.LevelWarn),
	}
}
