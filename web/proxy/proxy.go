package proxy

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// Proxy is fedgate-proxy's handler set. It is safe for concurrent use.
type Proxy struct {
	cfg     Config
	nodes   []*node
	next    atomic.Uint64
	rp      *httputil.ReverseProxy
	pages   *pages
	handler http.Handler
	now     func() time.Time
	rand    io.Reader
	log     *slog.Logger
}

// New checks cfg, prepares one connection pool per node and returns the
// Proxy. It does not contact the nodes; call CheckHealth or
// RunHealthChecks.
func New(cfg Config) (*Proxy, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	cfg.applyDefaults()
	p := &Proxy{cfg: cfg, now: cfg.Now, rand: cfg.Rand, log: cfg.Logger}
	if p.now == nil {
		p.now = time.Now
	}
	if p.rand == nil {
		p.rand = rand.Reader
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	for _, n := range cfg.Nodes {
		nd, err := newNode(n, &p.cfg)
		if err != nil {
			return nil, fmt.Errorf("proxy: %w", err)
		}
		p.nodes = append(p.nodes, nd)
	}
	var err error
	if p.pages, err = newPages(cfg.Brand); err != nil {
		return nil, err
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      failover{p: p},
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.proxyError,
		BufferPool:     newBufferPool(),
		ErrorLog:       slog.NewLogLogger(p.log.Handler(), slog.LevelWarn),
	}
	p.handler = p.requestContext(p.limits(p.routes()))
	return p, nil
}

// Handler returns the complete handler: access log and activity ID, path
// canonicalisation and body limit, then the allow-list router.
func (p *Proxy) Handler() http.Handler { return p.handler }

// state is the per-request record the access log reads.
type state struct {
	activityID      string
	node            string
	backendActivity string
}

type stateKey struct{}

func stateFrom(ctx context.Context) *state {
	st, _ := ctx.Value(stateKey{}).(*state)
	return st
}

func activityID(r *http.Request) string {
	if st := stateFrom(r.Context()); st != nil {
		return st.activityID
	}
	return ""
}

// statusRecorder remembers the status and size for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
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
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flush,
// deadlines) through the recorder.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// requestContext assigns the activity ID, recovers panics and writes one
// access-log line per request: path only, never the query string.
func (p *Proxy) requestContext(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := p.now()
		st := &state{activityID: newActivityID(p.rand)}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				p.log.ErrorContext(r.Context(), "panic serving request", slog.String("activity_id", st.activityID),
					slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				if rec.status == 0 {
					p.pages.render(rec, http.StatusServiceUnavailable, st.activityID)
				}
			}
			client, _ := remoteIP(r)
			p.log.LogAttrs(r.Context(), slog.LevelInfo, "http request",
				slog.String("activity_id", st.activityID), slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.Int("status", rec.status), slog.Int64("bytes", rec.bytes),
				slog.String("client_ip", client), slog.String("node", st.node),
				slog.String("backend_activity_id", st.backendActivity), slog.Duration("duration", p.now().Sub(start)))
		}()
		next.ServeHTTP(rec, r)
	})
}

// limits refuses non-canonical paths (404) and bounds the body (413 up
// front when Content-Length says so, else while streaming).
func (p *Proxy) limits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !canonicalPath(r) {
			p.pages.render(w, http.StatusNotFound, activityID(r))
			return
		}
		if r.ContentLength > p.cfg.MaxBodyBytes {
			p.pages.render(w, http.StatusRequestEntityTooLarge, activityID(r))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, p.cfg.MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// modifyResponse notes fedgate's activity ID for the access log and bounds
// the response body.
func (p *Proxy) modifyResponse(resp *http.Response) error {
	if st := stateFrom(resp.Request.Context()); st != nil {
		st.backendActivity = resp.Header.Get("X-Activity-Id")
	}
	resp.Body = &limitedBody{rc: resp.Body, left: p.cfg.MaxResponseBytes}
	return nil
}

// errResponseTooLarge cuts off a node response over MaxResponseBytes.
var errResponseTooLarge = errors.New("proxy: response from fedgate exceeds the size limit")

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (l *limitedBody) Read(b []byte) (int, error) {
	if l.left <= 0 {
		// At the limit only the end of the body is acceptable: a body of
		// exactly MaxResponseBytes is delivered whole (and its connection
		// reused), one byte more is cut off.
		var one [1]byte
		n, err := l.rc.Read(one[:])
		if n == 0 {
			return 0, err
		}
		return 0, errResponseTooLarge
	}
	if int64(len(b)) > l.left {
		b = b[:l.left]
	}
	n, err := l.rc.Read(b)
	l.left -= int64(n)
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }

// proxyError renders the proxy's own page for a request that could not be
// forwarded. The cause (node address, TLS error) is logged with the
// activity ID and never shown.
func (p *Proxy) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	id := activityID(r)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		p.pages.render(w, http.StatusRequestEntityTooLarge, id)
		return
	case r.Context().Err() != nil:
		// The client went away; nobody reads a response.
		p.log.LogAttrs(r.Context(), slog.LevelDebug, "client gone before fedgate answered", slog.String("activity_id", id))
		w.WriteHeader(http.StatusBadGateway)
		return
	case errors.Is(err, errNoNode):
		p.log.LogAttrs(r.Context(), slog.LevelError, "no fedgate node answered", slog.String("activity_id", id), slog.Any("error", err))
		p.pages.render(w, http.StatusServiceUnavailable, id)
		return
	}
	p.log.LogAttrs(r.Context(), slog.LevelWarn, "forwarding failed", slog.String("activity_id", id), slog.Any("error", err))
	p.pages.render(w, http.StatusBadGateway, id)
}
