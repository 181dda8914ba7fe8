package web

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/mfa"
	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/web/session"
)

// Authenticator checks a user name and password against the directory.
// A credential failure is an error that errors.Is ldapauth.ErrInvalidCredentials
// (with an *ldapauth.Error carrying the reason); anything else means the
// directory could not answer and must not count against the user.
type Authenticator interface {
	Authenticate(ctx context.Context, username, password string) (*ldapauth.User, error)
}

// MFA is the TOTP step. userID is the stable user key (the ImmutableID);
// accountName is what the authenticator app displays (the UPN).
type MFA interface {
	Enrolled(ctx context.Context, userID string) (bool, error)
	NewEnrollment(ctx context.Context, userID, accountName string) (*mfa.Enrollment, error)
	// EnrollmentFor rebuilds the QR code and URI of a seed already shown.
	EnrollmentFor(accountName, secret string) (*mfa.Enrollment, error)
	Confirm(ctx context.Context, userID, accountName, secret, code string) error
	Verify(ctx context.Context, userID, code string) error
	// EnrolledSince, NewReplacement and Replace serve the self-service
	// security page: when the authenticator was set up, and moving to a
	// new one (the old seed works until Replace accepts a new code).
	EnrolledSince(ctx context.Context, userID string) (since time.Time, ok bool, err error)
	NewReplacement(ctx context.Context, userID, accountName string) (*mfa.Enrollment, error)
	Replace(ctx context.Context, userID, accountName, secret, code string) error
}

// TokenIssuer signs assertions.
type TokenIssuer interface {
	SAML11(c token.Claims, audience string) (*token.Assertion, error)
}

// LockoutPolicy is extranet lockout (*lockout.Policy). The server calls
// Check with the typed user name and the client IP before the password
// goes to the directory; when the decision is not Allowed the attempt gets
// the same message as a wrong password and the directory is not contacted.
// For an allowed attempt the server then calls exactly one of Failure
// (ldapauth.ReasonBadPassword), Success (password verified) or Release
// (any other outcome: directory unavailable, disabled account, …), so only
// bad passwords are ever counted. A Check error refuses the attempt with
// the "try again later" message; errors of the other three are logged.
type LockoutPolicy interface {
	Check(ctx context.Context, username, clientIP string) (lockout.Decision, error)
	Failure(ctx context.Context, d lockout.Decision) error
	Success(ctx context.Context, d lockout.Decision) error
	Release(ctx context.Context, d lockout.Decision) error
}

// ProxyTrust is the proxy-trust authority (*proxytrust.Authority): the
// verifier the Headers middleware consults on every request, and the
// enrollment endpoints (/adfs/proxy/EstablishTrust, /adfs/proxy/RenewTrust)
// it mounts. Those endpoints authenticate with a bearer token or the proxy
// certificate and are not form posts, so they carry no CSRF token.
type ProxyTrust interface {
	Verifier() *proxytrust.Verifier
	Mount(r chi.Router)
}

// AuditSink records sign-in attempts. Errors are logged, never shown.
type AuditSink interface {
	RecordAudit(ctx context.Context, e store.AuditEvent) error
}

// Parties is the set of relying-party trusts the server answers for:
// an *rp.Registry, or an *rp.Live that every farm node swaps when an
// administrator adds or removes a trust (fedgate rp add / remove).
type Parties interface {
	// Lookup returns the party registered under identifier, or an error
	// wrapping rp.ErrUnknownParty.
	Lookup(identifier string) (*rp.Party, error)
	// Parties returns every party in registration order.
	Parties() []*rp.Party
	// IsReplyURL reports whether u is a registered reply URL of any party.
	IsReplyURL(u string) bool
}

// Config wires the server's dependencies.
type Config struct {
	Parties Parties       // required
	Auth    Authenticator // required
	MFA     MFA           // required
	Tokens  TokenIssuer   // required
	Audit   AuditSink     // optional
	// Lockout is consulted before every password check. Optional: nil
	// means no extranet lockout, so every guess reaches the directory.
	Lockout LockoutPolicy
	// SessionKey seals session cookies and form state (32 bytes). Every
	// node of a farm needs the same key. Required.
	SessionKey []byte
	// SessionLifetime is how long single sign-on lasts. Default: 8h.
	SessionLifetime time.Duration
	// FlowLifetime bounds one sign-in from first page to token. Default: 10m.
	FlowLifetime time.Duration
	// CookieName names the SSO cookie. Default: "fedgate_session".
	CookieName string
	// Brand is the organisation name on every page. Default: "fedgate".
	Brand string
	// Metadata returns the current signed FederationMetadata.xml. Required.
	Metadata func() []byte
	// Mounts add protocol endpoints that live in their own packages (WS-Trust
	// usernamemixed and MEX) to the router, behind the same middleware.
	Mounts []func(chi.Router)
	// ProxyTrust turns on fedgate-proxy support. When set, a request whose
	// connection presented a valid proxy-trust client certificate is
	// extranet and its client IP is the forwarded one; every other request
	// is intranet. The listener must use Verifier().ServerTLSConfig.
	// Default nil: no proxy is trusted and, since intranet and extranet
	// cannot be told apart, every request is treated as extranet (MFA
	// policy extranet_only then applies to all, and tokens claim
	// insidecorporatenetwork=false). Forwarding headers are deleted from
	// every request that did not come through a trusted proxy, either way.
	ProxyTrust ProxyTrust
	// SAML turns on SAML 2.0 SP-initiated sign-in on /adfs/ls/ (GET
	// ?SAMLRequest= Redirect binding, POST SAMLRequest= POST binding) for
	// the rp.SAML2 parties. Default nil: SAML requests get the error page.
	SAML *samlp.IdP
	// Replay makes each AuthnRequest ID single-use per SP (UseOnce kind
	// "saml-authn"). Required with SAML.
	Replay Replay
	// IdPInitiated turns on IdP-initiated sign-on at
	// /adfs/ls/idpinitiatedsignon (list of SAML parties, ?loginToRp=).
	// Default false, like AD FS's EnableIdpInitiatedSignonPage; needs SAML.
	IdPInitiated bool
	// AppPasswords turns on the app-password section of the self-service
	// security page (/adfs/portal/security). Default nil: the page shows
	// and replaces the authenticator only.
	AppPasswords AppPasswords
	// PasswordChangeURL is where users whose password expired (AD 532) or
	// must be changed (773) are sent; "" tells them to call the help desk.
	PasswordChangeURL string
	// MaxBodyBytes limits request bodies. Default: 64 KiB.
	MaxBodyBytes int64
	Now          func() time.Time
	Rand         io.Reader
	Logger       *slog.Logger
}

// Server is fedgate's HTTP handler set.
type Server struct {
	parties  Parties
	auth     Authenticator
	mfa      MFA
	tokens   TokenIssuer
	audit    AuditSink
	lockout  LockoutPolicy
	sealer   *session.Sealer
	pages    *pages
	metadata func() []byte
	mounts   []func(chi.Router)
	trust    ProxyTrust
	saml     *samlp.IdP
	replay   Replay
	// idpInitiated: see Config.IdPInitiated.
	idpInitiated bool
	brand        string
	apppass      AppPasswords
	// passwordChangeURL: see Config.PasswordChangeURL.
	passwordChangeURL string
	cookie            string
	lifetime          time.Duration
	flowTTL           time.Duration
	maxBody           int64
	now               func() time.Time
	rand              io.Reader
	log               *slog.Logger
}

// New validates cfg, parses the page templates once and returns a Server.
func New(cfg Config) (*Server, error) {
	var errs []error
	if cfg.Parties == nil {
		errs = append(errs, errors.New("Parties is required"))
	}
	if cfg.Auth == nil {
		errs = append(errs, errors.New("Auth is required"))
	}
	if cfg.MFA == nil {
		errs = append(errs, errors.New("MFA is required"))
	}
	if cfg.Tokens == nil {
		errs = append(errs, errors.New("Tokens is required"))
	}
	if cfg.Metadata == nil {
		errs = append(errs, errors.New("Metadata is required"))
	}
	if cfg.SAML != nil && cfg.Replay == nil {
		errs = append(errs, errors.New("Replay is required with SAML"))
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	sealer, err := session.NewSealer(cfg.SessionKey, cfg.Rand)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("web: %w", errors.Join(errs...))
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{
		parties: cfg.Parties, auth: cfg.Auth, mfa: cfg.MFA, tokens: cfg.Tokens, audit: cfg.Audit, lockout: cfg.Lockout,
		sealer: sealer, pages: p, metadata: cfg.Metadata, mounts: cfg.Mounts, trust: cfg.ProxyTrust,
		saml: cfg.SAML, replay: cfg.Replay, idpInitiated: cfg.IdPInitiated, apppass: cfg.AppPasswords,
		brand: cfg.Brand, passwordChangeURL: cfg.PasswordChangeURL, cookie: cfg.CookieName, lifetime: cfg.SessionLifetime, flowTTL: cfg.FlowLifetime,
		maxBody: cfg.MaxBodyBytes, now: cfg.Now, rand: cfg.Rand, log: cfg.Logger,
	}
	if s.brand == "" {
		s.brand = "fedgate"
	}
	if s.cookie == "" {
		s.cookie = "fedgate_session"
	}
	if s.lifetime <= 0 {
		s.lifetime = 8 * time.Hour
	}
	if s.flowTTL <= 0 {
		s.flowTTL = 10 * time.Minute
	}
	if s.maxBody <= 0 {
		s.maxBody = 64 << 10
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// metadataPath is matched case-insensitively: AD FS documentation and
// partners spell it in several cases.
const metadataPath = "/federationmetadata/2007-06/federationmetadata.xml"

// Handler returns the complete handler: the proxy-trust client-address
// middleware outermost, then the router with activity IDs, body limits,
// access log and security headers.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(s.requestContext, securityHeaders)
	if s.trust != nil {
		s.trust.Mount(r)
	}
	r.Get("/adfs/ls/", s.wrap(s.passiveGet))
	r.Post("/adfs/ls/", s.wrap(s.passivePost))
	r.Get("/adfs/ls", func(w http.ResponseWriter, r *http.Request) {
		u := *r.URL
		u.Path = "/adfs/ls/"
		http.Redirect(w, r, u.RequestURI(), http.StatusMovedPermanently)
	})
	s.mountIdPInitiated(r)
	s.mountPortal(r)
	r.Get("/adfs/probe", Probe)
	r.Get("/favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	r.Handle("/adfs/portal/css/*", staticHandler())
	r.Handle("/adfs/portal/js/*", staticHandler())
	for _, mount := range s.mounts {
		mount(r)
	}
	r.NotFound(s.wrap(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method == http.MethodGet && strings.EqualFold(r.URL.Path, metadataPath) {
			return s.serveMetadata(w, r)
		}
		return &Error{Status: http.StatusNotFound, Public: "The page you asked for does not exist."}
	}))
	r.MethodNotAllowed(s.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return &Error{Status: http.StatusMethodNotAllowed, Public: "This address does not accept that kind of request."}
	}))
	return s.origin(r)
}

// Probe answers load-balancer health checks (AD FS /adfs/probe): 200
// without touching any back end.
func Probe(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, "OK\n")
}

func (s *Server) serveMetadata(w http.ResponseWriter, _ *http.Request) error {
	doc := s.metadata()
	if len(doc) == 0 {
		return &Error{Status: http.StatusServiceUnavailable, Public: "Federation metadata is not available yet."}
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	// Metadata is public and changes only on key rollover; partners poll it.
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err := w.Write(doc)
	return err
}
