package msonline

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fedgate/fedgate/idp/o365"
)

// Config configures a Site.
type Config struct {
	// Checker validates tokens and lists the federated domains (home-realm
	// discovery sends users of Checker.Federations[i].Domain, and its
	// subdomains, to that PassiveSignInURI) and the synced users. Required.
	Checker *o365.Checker
	// ManagedDomains are domains whose passwords stay in the cloud, e.g.
	// "fabrikam.com"; discovery shows the #managed page for them. Default:
	// none. A domain may not be both managed and federated.
	ManagedDomains []string
	// BaseURL is the site's own origin, e.g. "https://127.0.0.1:8444",
	// without a path. The reply URL is BaseURL + "/login.srf". Required.
	BaseURL string
	// Protocol is how home-realm discovery federates: ProtocolWSFed
	// (default when empty) or ProtocolSAML2. login.srf accepts a response
	// only in the protocol its wctx or RelayState was issued for.
	Protocol string
	// Now is the clock for wctx expiry. Default: time.Now. The Checker has
	// its own clock.
	Now func() time.Time
	// Rand is the source of wctx values and activity IDs. Default:
	// crypto/rand.Reader. A predictable source makes wctx guessable.
	Rand io.Reader
	// Logger receives one line per sign-in outcome; user names only at
	// Debug. Default: discard.
	Logger *slog.Logger
}

// Site is the simulated Microsoft Online sign-in site, an http.Handler.
type Site struct {
	checker  *o365.Checker
	protocol string
	managed  []string
	baseURL  string
	now      func() time.Time
	rand     io.Reader
	log      *slog.Logger
	pages    *pages
	pending  *pendingStore
	mux      *http.ServeMux
	feds     []federation
}

// federation is a Checker federation with its parsed sign-in URL.
type federation struct {
	domain  string
	passive *url.URL
}

// New validates cfg and builds the site, parsing its templates once.
func New(cfg Config) (*Site, error) {
	var errs []error
	if cfg.Checker == nil {
		errs = append(errs, errors.New("msonline: Config.Checker is required"))
	}
	switch cfg.Protocol {
	case "":
		cfg.Protocol = ProtocolWSFed
	case ProtocolWSFed, ProtocolSAML2:
	default:
		errs = append(errs, fmt.Errorf("msonline: Config.Protocol %q: use %q or %q", cfg.Protocol, ProtocolWSFed, ProtocolSAML2))
	}
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		errs = append(errs, err)
	}
	s := &Site{checker: cfg.Checker, protocol: cfg.Protocol, baseURL: base, now: cfg.Now, rand: cfg.Rand, log: cfg.Logger, pending: newPendingStore(pendingLimit)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Checker != nil {
		for i, f := range cfg.Checker.Federations {
			fed, err := parseFederation(f)
			if err != nil {
				errs = append(errs, fmt.Errorf("msonline: Checker.Federations[%d]: %w", i, err))
				continue
			}
			s.feds = append(s.feds, fed)
		}
	}
	for i, d := range cfg.ManagedDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		if err := checkDomain(d); err != nil {
			errs = append(errs, fmt.Errorf("msonline: ManagedDomains[%d] %q: %w", i, cfg.ManagedDomains[i], err))
			continue
		}
		for _, f := range s.feds {
			if f.domain == d {
				errs = append(errs, fmt.Errorf("msonline: ManagedDomains[%d] %q is also a federated domain; a domain is either managed or federated", i, d))
			}
		}
		s.managed = append(s.managed, d)
	}
	if s.pages, err = parsePages(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

func parseBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("msonline: BaseURL %q: %w", raw, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("msonline: BaseURL %q must be an origin such as https://127.0.0.1:8444 (scheme and host, no path, query or user)", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

func parseFederation(f o365.Federation) (federation, error) {
	d := strings.ToLower(f.Domain)
	if err := checkDomain(d); err != nil {
		return federation{}, fmt.Errorf("Domain %q: %w", f.Domain, err)
	}
	u, err := url.Parse(f.PassiveSignInURI)
	if err != nil {
		return federation{}, fmt.Errorf("PassiveSignInURI %q: %w", f.PassiveSignInURI, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Fragment != "" {
		return federation{}, fmt.Errorf("PassiveSignInURI %q must be an absolute http(s) URL without user or fragment", f.PassiveSignInURI)
	}
	return federation{domain: d, passive: u}, nil
}

// ReplyURL is where the IdP must post the wresult: BaseURL + "/login.srf".
func (s *Site) ReplyURL() string { return s.baseURL + "/login.srf" }

func (s *Site) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /{$}", s.serveSignIn)
	s.mux.HandleFunc("POST /{$}", s.serveDiscovery)
	s.mux.HandleFunc("POST /login.srf", s.serveLoginSRF)
	s.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	s.mux.HandleFunc("GET /static/msonline.css", s.pages.serveCSS)
}

// ServeHTTP sets the security headers every response carries and routes.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

// newID returns n random bytes from s.rand, URL-safe base64 encoded.
func (s *Site) newID(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", fmt.Errorf("msonline: read random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// activityID is the correlation ID shown on error pages and logged.
func (s *Site) activityID() string {
	b := make([]byte, 8)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "unavailable"
	}
	return hex.EncodeToString(b)
}
