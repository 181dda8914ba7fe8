package ldapauth

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Defaults applied by New to zero-valued Config fields.
const (
	DefaultUserFilter  = "(&(objectClass=user)(|(userPrincipalName={username})(sAMAccountName={username})))"
	DefaultDialTimeout = 5 * time.Second
	DefaultTimeout     = 10 * time.Second
	DefaultPoolSize    = 4

	// MaxPoolSize caps PoolSize so a typo cannot open thousands of
	// connections to a domain controller.
	MaxPoolSize = 256
	// UsernamePlaceholder is replaced in UserFilter by the escaped username.
	UsernamePlaceholder = "{username}"
)

// Config configures a Client. The zero value of every optional field means
// "use the default" stated on the field.
type Config struct {
	// URLs lists the domain controllers, tried in order: "ldaps://dc1:636",
	// or "ldap://dc1:389" together with StartTLS. The next URL is used only
	// when dialing or the TLS handshake fails. Required.
	URLs []string
	// StartTLS upgrades ldap:// URLs with the StartTLS extended operation
	// before any other operation. Without it ldap:// URLs are refused, so
	// passwords never cross the network in clear text. Default: false.
	StartTLS bool
	// RootCAs pins the CAs trusted for the domain controllers' certificates.
	// Default: nil, the system roots.
	RootCAs *x509.CertPool
	// ServerName overrides the name verified in the DC certificate.
	// Default: the host of each URL.
	ServerName string

	// BindDN is the service account used for the user search. Required.
	BindDN string
	// BindPassword is the service account's password. Required: an empty
	// simple bind would be an anonymous bind. Never logged.
	BindPassword string
	// BaseDN is where users are searched (whole subtree). Required.
	BaseDN string
	// UserFilter is the search filter; every {username} is replaced by the
	// escaped username. Default: DefaultUserFilter. Do not add account-state
	// conditions (disabled, expired): the bind reports those as a Reason.
	UserFilter string

	// DialTimeout bounds TCP connect plus TLS handshake per DC.
	// Default: 5s.
	DialTimeout time.Duration
	// Timeout bounds each LDAP operation (search, bind). Default: 10s.
	Timeout time.Duration
	// PoolSize is the number of connections per pool (search and bind).
	// Default: 4; maximum MaxPoolSize.
	PoolSize int
	// Logger receives Debug records (username, DC, reason) and Warn records
	// for outages. Passwords are never logged. Default: discard.
	Logger *slog.Logger
}

// LogValue logs c with BindPassword redacted, so a Config can be logged
// safely.
func (c Config) LogValue() slog.Value {
	pw := ""
	if c.BindPassword != "" {
		pw = "[redacted]"
	}
	return slog.GroupValue(
		slog.Any("urls", c.URLs),
		slog.Bool("start_tls", c.StartTLS),
		slog.String("server_name", c.ServerName),
		slog.String("bind_dn", c.BindDN),
		slog.String("bind_password", pw),
		slog.String("base_dn", c.BaseDN),
		slog.String("user_filter", c.UserFilter),
		slog.Duration("dial_timeout", c.DialTimeout),
		slog.Duration("timeout", c.Timeout),
		slog.Int("pool_size", c.PoolSize),
	)
}

// withDefaults returns c with defaults applied to zero-valued fields.
func (c Config) withDefaults() Config {
	if c.UserFilter == "" {
		c.UserFilter = DefaultUserFilter
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.PoolSize == 0 {
		c.PoolSize = DefaultPoolSize
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate checks c without any I/O and returns every problem found,
// joined with errors.Join. Each message names the field.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("ldapauth: "+format, args...))
	}

	if len(c.URLs) == 0 {
		add(`URLs: at least one domain controller is required, e.g. "ldaps://dc1.contoso.com:636"`)
	}
	for i, raw := range c.URLs {
		if _, err := parseServerURL(raw, c.StartTLS); err != nil {
			add("URLs[%d] %q: %w", i, raw, err)
		}
	}
	if strings.TrimSpace(c.BindDN) == "" {
		add("BindDN: the service account DN is required")
	} else if _, err := ldap.ParseDN(c.BindDN); err != nil {
		add("BindDN %q: not a valid DN: %w", c.BindDN, err)
	}
	if c.BindPassword == "" {
		add("BindPassword: required (an empty simple bind is an anonymous bind)")
	}
	if strings.TrimSpace(c.BaseDN) == "" {
		add(`BaseDN: required, e.g. "DC=contoso,DC=com"`)
	} else if _, err := ldap.ParseDN(c.BaseDN); err != nil {
		add("BaseDN %q: not a valid DN: %w", c.BaseDN, err)
	}
	if c.UserFilter != "" {
		if !strings.Contains(c.UserFilter, UsernamePlaceholder) {
			add("UserFilter %q: must contain the placeholder %s", c.UserFilter, UsernamePlaceholder)
		} else if _, err := ldap.CompileFilter(buildUserFilter(c.UserFilter, "probe")); err != nil {
			add("UserFilter %q: not a valid LDAP filter: %w", c.UserFilter, err)
		}
	}
	if c.DialTimeout < 0 {
		add("DialTimeout %s: must not be negative (0 means %s)", c.DialTimeout, DefaultDialTimeout)
	}
	if c.Timeout < 0 {
		add("Timeout %s: must not be negative (0 means %s)", c.Timeout, DefaultTimeout)
	}
	if c.PoolSize < 0 || c.PoolSize > MaxPoolSize {
		add("PoolSize %d: must be between 1 and %d (0 means %d)", c.PoolSize, MaxPoolSize, DefaultPoolSize)
	}
	return errors.Join(errs...)
}

// serverURL is one parsed entry of Config.URLs.
type serverURL struct {
	raw      string // as configured; used as the DC name in errors and logs
	addr     string // host:port
	host     string
	ldaps    bool
	startTLS bool
}

// parseServerURL accepts ldaps://host[:port] and, with startTLS,
// ldap://host[:port]. Paths, queries and credentials are refused.
func parseServerURL(raw string, startTLS bool) (serverURL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return serverURL{}, fmt.Errorf("not a URL: %w", err)
	}
	s := serverURL{raw: raw}
	port := ""
	switch strings.ToLower(u.Scheme) {
	case "ldaps":
		s.ldaps, port = true, "636"
	case "ldap":
		if !startTLS {
			return serverURL{}, errors.New("plain ldap:// would send passwords in clear text; use ldaps:// or set StartTLS: true")
		}
		s.startTLS, port = true, "389"
	default:
		return serverURL{}, fmt.Errorf("scheme %q is not supported; use ldaps:// or ldap:// with StartTLS: true", u.Scheme)
	}
	if u.User != nil {
		return serverURL{}, errors.New("credentials in the URL are not allowed; use BindDN and BindPassword")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return serverURL{}, errors.New("paths and queries are not supported; set BaseDN and UserFilter instead")
	}
	s.host = u.Hostname()
	if s.host == "" {
		return serverURL{}, errors.New("host is missing")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return serverURL{}, fmt.Errorf("port %q must be between 1 and 65535", p)
		}
		port = p
	}
	s.addr = net.JoinHostPort(s.host, port)
	return s, nil
}
