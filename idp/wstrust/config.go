package wstrust

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/ldapauth"
)

// Authenticator checks a user name and password against the directory
// (ldapauth.Client satisfies it). A credential failure errors.Is
// ldapauth.ErrInvalidCredentials, with an *ldapauth.Error carrying the
// Reason; any other error means the directory could not answer and is
// never counted against the user.
type Authenticator interface {
	Authenticate(ctx context.Context, username, password string) (*ldapauth.User, error)
}

// UserFinder finds a user without a password (ldapauth.Client.Lookup). It
// is used only to resolve the user an app password belongs to; errors
// follow the Authenticator contract.
type UserFinder interface {
	Lookup(ctx context.Context, username string) (*ldapauth.User, error)
}

// TokenIssuer signs SAML 1.1 assertions (*token.Issuer).
type TokenIssuer interface {
	SAML11(c token.Claims, audience string) (*token.Assertion, error)
}

// ReplayCache records single-use values (the store's UseOnce): first is
// true for exactly one of any number of calls with the same unexpired
// (kind, id), across every node sharing the store.
type ReplayCache interface {
	UseOnce(ctx context.Context, kind, id string, until time.Time) (first bool, err error)
}

// MFAChecker reports whether userID (the ImmutableID) has a confirmed TOTP
// enrollment (*mfa.Service).
type MFAChecker interface {
	Enrolled(ctx context.Context, userID string) (bool, error)
}

// AppPasswordVerifier checks an app password of userID (the ImmutableID).
// ok=false with a nil error means "not a valid app password"; an error
// means the check could not be made. Implementations must compare in
// constant time and must not log password.
type AppPasswordVerifier interface {
	Verify(ctx context.Context, userID, password string) (ok bool, err error)
}

// AuditSink records sign-in attempts (the store's RecordAudit). Errors are
// logged and do not change the answer.
type AuditSink interface {
	RecordAudit(ctx context.Context, e store.AuditEvent) error
}

// Lockout is extranet smart lockout, the same policy the passive path
// uses: *lockout.Policy satisfies it. user is the name as the client typed
// it (trimmed); ip is Config.ClientIP's answer. The handler keeps the
// Check → exactly one of Failure / Success / Release contract:
//
//   - Check runs before the directory is asked. Decision.Allowed=false
//     refuses the attempt without contacting a domain controller, so AD's
//     own counter stops rising; Decision.Reason goes to the audit trail.
//     An error refuses the attempt too (fail closed) with a Receiver fault.
//   - Failure: the directory said wrong password (ldapauth.ReasonBadPassword).
//   - Success: the password or an app password verified (before the
//     legacy-client policy is applied).
//   - Release: anything else — outage, unknown user, disabled or expired
//     account, an app-password check that could not run — so none of
//     those counts as a bad password.
type Lockout interface {
	Check(ctx context.Context, user, ip string) (lockout.Decision, error)
	Failure(ctx context.Context, d lockout.Decision) error
	Success(ctx context.Context, d lockout.Decision) error
	Release(ctx context.Context, d lockout.Decision) error
}

var _ Lockout = (*lockout.Policy)(nil)

// Defaults and bounds of Config fields.
const (
	// DefaultMaxBodyBytes is the request body limit when MaxBodyBytes is 0.
	DefaultMaxBodyBytes = 64 << 10
	// MaxCredentialBytes bounds Username and Password, as on the passive
	// path; longer values are a credential failure without any bind.
	MaxCredentialBytes = 256
	// maxClockSkew bounds Config.ClockSkew.
	maxClockSkew = 15 * time.Minute
)

// Config wires a Handler.
type Config struct {
	// Auth binds to the directory. Required.
	Auth Authenticator
	// Tokens signs assertions. Required.
	Tokens TokenIssuer
	// Parties holds the relying-party trusts; AppliesTo must name a WS-Fed
	// party in it. Required.
	Parties *rp.Registry
	// Replay makes message IDs single-use across the farm. Required.
	Replay ReplayCache
	// MFA tells enrolled users apart for the legacy-client policy. Required.
	MFA MFAChecker
	// AppPasswords checks app passwords for parties whose policy is
	// AppPassword. Default nil: app passwords are off and such parties
	// refuse enrolled users entirely. Requires Users.
	AppPasswords AppPasswordVerifier
	// Users resolves the user of an app password. Required with
	// AppPasswords, unused otherwise.
	Users UserFinder
	// Audit records every sign-in attempt that reached the credential
	// check, with the result and reason. Default nil: no audit trail.
	Audit AuditSink
	// Lockout is extranet lockout. Default nil: off (AD's own lockout
	// still applies, and with it the risk that internet password spraying
	// locks users out in AD).
	Lockout Lockout
	// Policy picks the LegacyPolicy of a party. Default nil: every party
	// gets DefaultLegacyPolicy (DenyEnrolled). See PolicyByIdentifier.
	Policy func(*rp.Party) LegacyPolicy
	// Inside reports whether a request comes from inside the corporate
	// network; it feeds the InsideOnly policy and the token's
	// insidecorporatenetwork claim, which Entra may use to skip MFA.
	// Default nil: false for every request (default-deny; wire it to the
	// proxy-trust layer, never to a client-supplied header).
	Inside func(*http.Request) bool
	// ClientIP returns the client address for lockout and audit. Default:
	// the connection's peer address (forwarded headers are not trusted).
	ClientIP func(*http.Request) string
	// ActivityID returns the request's activity ID for logs, audit and the
	// X-Activity-Id header. Default nil: a random ID per request (the web
	// package passes web.ActivityID so IDs match its access log).
	ActivityID func(context.Context) string
	// PublicURL is the federation service's public origin, e.g.
	// "https://sts.contoso.com". It must be https with no path; the MEX
	// publishes PublicURL + Path2005 and PublicURL + Path13. Required.
	PublicURL string
	// MaxBodyBytes bounds the request body. Default DefaultMaxBodyBytes
	// (64 KiB); at most MaxEnvelopeBytes. Larger bodies get a fault
	// without being read beyond the limit.
	MaxBodyBytes int64
	// ClockSkew is the Timestamp tolerance. Default DefaultClockSkew
	// (5 minutes); at most 15 minutes.
	ClockSkew time.Duration
	// MaxMessageAge bounds Expires − Created of the Timestamp. Default
	// DefaultMaxMessageAge (1 hour).
	MaxMessageAge time.Duration
	// Now is the clock. Default time.Now. The Replay store must agree.
	Now func() time.Time
	// Rand is the source of activity IDs when ActivityID is nil. Default
	// crypto/rand.Reader.
	Rand io.Reader
	// Logger receives operational events: never passwords, user names only
	// at Debug. Default: discard.
	Logger *slog.Logger
}

// Handler serves the usernamemixed endpoints and the MEX. It is safe for
// concurrent use.
type Handler struct {
	cfg Config
	mex []byte
	log *slog.Logger
}

// New validates cfg, applies defaults and builds the MEX document once.
// Every problem is reported in one joined error.
func New(cfg Config) (*Handler, error) {
	var errs []error
	if cfg.Auth == nil {
		errs = append(errs, errors.New("Auth is required"))
	}
	if cfg.Tokens == nil {
		errs = append(errs, errors.New("Tokens is required"))
	}
	if cfg.Parties == nil {
		errs = append(errs, errors.New("Parties is required"))
	}
	if cfg.Replay == nil {
		errs = append(errs, errors.New("Replay is required (message IDs must be single-use)"))
	}
	if cfg.MFA == nil {
		errs = append(errs, errors.New("MFA is required (the legacy-client policy needs enrollment state)"))
	}
	if cfg.AppPasswords != nil && cfg.Users == nil {
		errs = append(errs, errors.New("Users is required when AppPasswords is set"))
	}
	if err := checkPublicURL(cfg.PublicURL); err != nil {
		errs = append(errs, err)
	}
	switch {
	case cfg.MaxBodyBytes == 0:
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	case cfg.MaxBodyBytes < 4<<10 || cfg.MaxBodyBytes > MaxEnvelopeBytes:
		errs = append(errs, fmt.Errorf("MaxBodyBytes %d is out of range; use 4096 to %d", cfg.MaxBodyBytes, MaxEnvelopeBytes))
	}
	switch {
	case cfg.ClockSkew == 0:
		cfg.ClockSkew = DefaultClockSkew
	case cfg.ClockSkew < 0 || cfg.ClockSkew > maxClockSkew:
		errs = append(errs, fmt.Errorf("ClockSkew %s is out of range; use 0s to %s", cfg.ClockSkew, maxClockSkew))
	}
	switch {
	case cfg.MaxMessageAge == 0:
		cfg.MaxMessageAge = DefaultMaxMessageAge
	case cfg.MaxMessageAge < time.Minute || cfg.MaxMessageAge > 24*time.Hour:
		errs = append(errs, fmt.Errorf("MaxMessageAge %s is out of range; use 1m to 24h", cfg.MaxMessageAge))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("wstrust: config: %w", errors.Join(errs...))
	}
	if cfg.Policy == nil {
		cfg.Policy = func(*rp.Party) LegacyPolicy { return DefaultLegacyPolicy }
	}
	if cfg.Inside == nil {
		cfg.Inside = func(*http.Request) bool { return false }
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = peerIP
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg, mex: buildMEX(cfg.PublicURL), log: cfg.Logger}, nil
}

// checkPublicURL requires an https origin: MSAL skips MEX endpoints whose
// address does not start with https:// (o365-reference §7 step 3).
func checkPublicURL(s string) error {
	if s == "" {
		return errors.New("PublicURL is required, e.g. https://sts.contoso.com")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("PublicURL %q is not a URL: %w", s, err)
	}
	if u.Scheme != "https" || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("PublicURL %q must be an https origin without path, query or user info, e.g. https://sts.contoso.com", s)
	}
	return nil
}

// peerIP is the connection's peer address. Forwarded headers are not
// trusted here; only the proxy-trust layer may replace this.
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
