package ldapauth

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Defaults applied by New to zero-valued Config fields, and limits checked
// by Validate.
const (
	DefaultUserFilter     = "(&(objectClass=user)(|(userPrincipalName={username})(sAMAccountName={username})))"
	DefaultDialTimeout    = 5 * time.Second
	DefaultTimeout        = 10 * time.Second
	DefaultAcquireTimeout = 5 * time.Second
	DefaultRetryInterval  = 30 * time.Second
	DefaultPoolSize       = 4
	DefaultMaxGroups      = 1024

	// MaxPoolSize caps PoolSize so a typo cannot open thousands of
	// connections to a domain controller.
	MaxPoolSize = 256
	// MaxMaxGroups caps MaxGroups. A Windows access token holds at most
	// about 1,015 groups; ten times that is not a real user.
	MaxMaxGroups = 10000
	// MaxExtraAttributes caps ExtraAttributes.
	MaxExtraAttributes = 32
	// UsernamePlaceholder is replaced in UserFilter by the escaped username.
	UsernamePlaceholder = "{username}"
)

// ImmutableIDSource values: the attribute whose 16 raw bytes, base64
// encoded, become User.ImmutableID (Entra ID's sourceAnchor).
const (
	// ImmutableIDObjectGUID uses objectGUID, the classic Azure AD Sync
	// anchor. The default.
	ImmutableIDObjectGUID = "objectGUID"
	// ImmutableIDConsistencyGUID uses mS-DS-ConsistencyGuid when it is set
	// and objectGUID when it is empty, as Azure AD Connect / Entra Connect
	// do since version 1.1.524 (o365-reference section 4).
	ImmutableIDConsistencyGUID = "mS-DS-ConsistencyGuid"
)

// GroupLookup values: how User.Groups is filled.
const (
	// GroupLookupTokenGroups reads the user's constructed tokenGroups
	// attribute (transitive security-group SIDs, including the primary
	// group) and resolves the SIDs to DNs with one search per 64 SIDs not
	// resolved in the last 5 minutes. One or two cheap operations after
	// the bind; membership is always read live. The default.
	GroupLookupTokenGroups = "token_groups"
	// GroupLookupInChain searches for groups whose member attribute
	// contains the user transitively (LDAP_MATCHING_RULE_IN_CHAIN,
	// 1.2.840.113556.1.4.1941). Includes distribution groups, excludes the
	// primary group. One operation, but a costly one on large directories
	// (about 40 ms on the Samba lab against 1 ms for token_groups).
	GroupLookupInChain = "in_chain"
	// GroupLookupMemberOf uses the user's memberOf values: direct
	// memberships only, no extra operation.
	GroupLookupMemberOf = "member_of"
)

// Config configures a Client. The zero value of every optional field means
// "use the default" stated on the field.
type Config struct {
	// URLs lists the domain controllers in order of preference:
	// "ldaps://dc1:636", or "ldap://dc1:389" together with StartTLS. A DC
	// that fails to dial or complete TLS (never a bind result) is tried
	// only after the others until a background probe reaches it again;
	// connections then move back to it. Required.
	URLs []string
	// StartTLS upgrades ldap:// URLs with the StartTLS extended operation
	// before any other operation. Without it ldap:// URLs are refused
	// (unless InsecurePlaintextLDAP), so passwords never cross the network
	// in clear text. Default: false.
	StartTLS bool
	// InsecurePlaintextLDAP allows ldap:// URLs without StartTLS: service
	// and user passwords then cross the network in clear text, readable by
	// anyone on the path. For isolated labs only; New logs a warning.
	// Domain controllers refuse such binds by default ("ldap server
	// require strong auth", LDAP signing policy). Default: false.
	InsecurePlaintextLDAP bool
	// RootCAs pins the CAs trusted for the domain controllers'
	// certificates; give the issuing CA of the DC certificates.
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
	// BaseDN is where users (and, for GroupLookup, groups) are searched,
	// whole subtree. Required.
	BaseDN string
	// UserFilter is the search filter; every {username} is replaced by the
	// escaped username. Default: DefaultUserFilter, extended with
	// AlternateLoginID. Do not add account-state conditions (disabled,
	// expired): the bind reports those as a Reason.
	UserFilter string
	// AlternateLoginID names one more attribute the username is matched
	// against, like AD FS's AlternateLoginID, e.g. "mail". The default
	// filter then matches userPrincipalName, sAMAccountName or this
	// attribute; a value matching two accounts is refused as
	// ReasonAmbiguousUser. Cannot be combined with UserFilter (put the
	// attribute in the filter instead). Default: none.
	AlternateLoginID string
	// ImmutableIDSource selects the ImmutableID attribute:
	// ImmutableIDObjectGUID or ImmutableIDConsistencyGUID. It must match
	// the sourceAnchor Entra Connect uses for the tenant, or users sign in
	// as nobody. Default: ImmutableIDObjectGUID.
	ImmutableIDSource string
	// GroupLookup selects how User.Groups is filled: GroupLookupTokenGroups,
	// GroupLookupInChain or GroupLookupMemberOf. The service account must
	// be allowed to read tokenGroups for the default. Default:
	// GroupLookupTokenGroups.
	GroupLookup string
	// MaxGroups caps the groups read for one user. A user in more groups
	// fails to sign in (ReasonUnknown) rather than getting a truncated
	// list that could slip past a "deny members of X" rule.
	// Default: 1024; maximum MaxMaxGroups.
	MaxGroups int
	// ExtraAttributes names directory attributes read with every user
	// (User.Attributes) besides the built-in ones, for claim rules, e.g.
	// "givenName", "department", "employeeID". Names are LDAP attribute
	// descriptions, at most MaxExtraAttributes and each once; see
	// CheckExtraAttribute for what is refused (secrets, binary values,
	// attributes read anyway). The service account must be allowed to
	// read them. Default: none.
	ExtraAttributes []string

	// DialTimeout bounds TCP connect plus TLS handshake per DC.
	// Default: 5s.
	DialTimeout time.Duration
	// Timeout bounds each LDAP operation (search, bind). Default: 10s.
	Timeout time.Duration
	// AcquireTimeout bounds the wait for a free pooled connection when all
	// PoolSize connections are busy; the request's context may end it
	// sooner. Expiry is ReasonUnavailable. Default: 5s.
	AcquireTimeout time.Duration
	// RetryInterval is how long after a DC failed to dial or handshake a
	// background probe tries it again (and again after each failed
	// probe), while connections to later DCs are in use. Default: 30s.
	RetryInterval time.Duration
	// PoolSize is the number of connections per pool (search and bind).
	// Default: 4; maximum MaxPoolSize.
	PoolSize int
	// Logger receives Debug records (username, DC, reason) and Warn records
	// for outages and failovers. Passwords are never logged.
	// Default: discard.
	Logger *slog.Logger
	// Now is the clock for DC back-off and idle-connection checks.
	// Default: time.Now.
	Now func() time.Time
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
		slog.Bool("insecure_plaintext_ldap", c.InsecurePlaintextLDAP),
		slog.String("server_name", c.ServerName),
		slog.String("bind_dn", c.BindDN),
		slog.String("bind_password", pw),
		slog.String("base_dn", c.BaseDN),
		slog.String("user_filter", c.UserFilter),
		slog.String("alternate_login_id", c.AlternateLoginID),
		slog.String("immutable_id_source", c.ImmutableIDSource),
		slog.String("group_lookup", c.GroupLookup),
		slog.Int("max_groups", c.MaxGroups),
		slog.Any("extra_attributes", c.ExtraAttributes),
		slog.Duration("dial_timeout", c.DialTimeout),
		slog.Duration("timeout", c.Timeout),
		slog.Duration("acquire_timeout", c.AcquireTimeout),
		slog.Duration("retry_interval", c.RetryInterval),
		slog.Int("pool_size", c.PoolSize),
	)
}

// withDefaults returns c with defaults applied to zero-valued fields.
func (c Config) withDefaults() Config {
	if c.UserFilter == "" {
		c.UserFilter = defaultUserFilter(c.AlternateLoginID)
	}
	if c.ImmutableIDSource == "" || strings.EqualFold(c.ImmutableIDSource, ImmutableIDObjectGUID) {
		c.ImmutableIDSource = ImmutableIDObjectGUID
	} else {
		c.ImmutableIDSource = ImmutableIDConsistencyGUID
	}
	if c.GroupLookup == "" {
		c.GroupLookup = GroupLookupTokenGroups
	}
	if c.MaxGroups == 0 {
		c.MaxGroups = DefaultMaxGroups
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.AcquireTimeout == 0 {
		c.AcquireTimeout = DefaultAcquireTimeout
	}
	if c.RetryInterval == 0 {
		c.RetryInterval = DefaultRetryInterval
	}
	if c.PoolSize == 0 {
		c.PoolSize = DefaultPoolSize
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
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
		if _, err := parseServerURL(raw, c.StartTLS, c.InsecurePlaintextLDAP); err != nil {
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
	if c.AlternateLoginID != "" {
		switch {
		case !isAttributeName(c.AlternateLoginID):
			add("AlternateLoginID %q: not an attribute name; use an LDAP display name such as \"mail\"", c.AlternateLoginID)
		case strings.EqualFold(c.AlternateLoginID, "userPrincipalName"), strings.EqualFold(c.AlternateLoginID, "sAMAccountName"):
			add("AlternateLoginID %q: already matched by the default filter; leave it empty", c.AlternateLoginID)
		case c.UserFilter != "":
			add("AlternateLoginID %q: cannot be combined with UserFilter; add (%s={username}) to UserFilter instead",
				c.AlternateLoginID, c.AlternateLoginID)
		}
	}
	if s := c.ImmutableIDSource; s != "" && !strings.EqualFold(s, ImmutableIDObjectGUID) && !strings.EqualFold(s, ImmutableIDConsistencyGUID) {
		add("ImmutableIDSource %q: use %q (default) or %q", s, ImmutableIDObjectGUID, ImmutableIDConsistencyGUID)
	}
	switch c.GroupLookup {
	case "", GroupLookupTokenGroups, GroupLookupInChain, GroupLookupMemberOf:
	default:
		add("GroupLookup %q: use %q (default), %q or %q", c.GroupLookup,
			GroupLookupTokenGroups, GroupLookupInChain, GroupLookupMemberOf)
	}
	if len(c.ExtraAttributes) > MaxExtraAttributes {
		add("ExtraAttributes: %d attributes; the limit is %d", len(c.ExtraAttributes), MaxExtraAttributes)
	}
	seenExtra := map[string]int{}
	for i, a := range c.ExtraAttributes {
		if err := CheckExtraAttribute(a); err != nil {
			add("ExtraAttributes[%d]: %w", i, err)
			continue
		}
		if j, dup := seenExtra[strings.ToLower(a)]; dup {
			add("ExtraAttributes[%d] %q: repeats ExtraAttributes[%d]", i, a, j)
		}
		seenExtra[strings.ToLower(a)] = i
	}
	if c.MaxGroups < 0 || c.MaxGroups > MaxMaxGroups {
		add("MaxGroups %d: must be between 1 and %d (0 means %d)", c.MaxGroups, MaxMaxGroups, DefaultMaxGroups)
	}
	for _, d := range []struct {
		name  string
		value time.Duration
		def   time.Duration
	}{
		{"DialTimeout", c.DialTimeout, DefaultDialTimeout},
		{"Timeout", c.Timeout, DefaultTimeout},
		{"AcquireTimeout", c.AcquireTimeout, DefaultAcquireTimeout},
		{"RetryInterval", c.RetryInterval, DefaultRetryInterval},
	} {
		if d.value < 0 {
			add("%s %s: must not be negative (0 means %s)", d.name, d.value, d.def)
		}
	}
	if c.PoolSize < 0 || c.PoolSize > MaxPoolSize {
		add("PoolSize %d: must be between 1 and %d (0 means %d)", c.PoolSize, MaxPoolSize, DefaultPoolSize)
	}
	return errors.Join(errs...)
}

// isAttributeName accepts an LDAP attribute descriptor (RFC 4512 section
// 1.4: a letter, then letters, digits and hyphens) of at most 64 bytes,
// which covers every AD lDAPDisplayName.
func isAttributeName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (i == 0 || c != '-' && !('0' <= c && c <= '9')) {
			return false
		}
	}
	return true
}

// serverURL is one parsed entry of Config.URLs.
type serverURL struct {
	raw       string // as configured; used as the DC name in errors and logs
	addr      string // host:port
	host      string
	ldaps     bool
	startTLS  bool
	plaintext bool // InsecurePlaintextLDAP: no TLS at all
}

// parseServerURL accepts ldaps://host[:port] and, with startTLS (or, with
// insecure, without it), ldap://host[:port]. Paths, queries and credentials
// are refused.
func parseServerURL(raw string, startTLS, insecure bool) (serverURL, error) {
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
		switch {
		case startTLS:
			s.startTLS = true
		case insecure:
			s.plaintext = true
		default:
			return serverURL{}, errors.New("plain ldap:// would send passwords in clear text; use ldaps:// or set StartTLS: true")
		}
		port = "389"
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

// secretAttributes are AD, Samba and OpenLDAP attributes holding
// passwords, password hashes, recovery keys or key material (lower case).
// CheckExtraAttribute refuses them whatever the service account may read,
// so a claim rule can never put one into a token.
var secretAttributes = map[string]bool{
	"userpassword": true, "unicodepwd": true, "dbcspwd": true, "lmpwdhistory": true, "ntpwdhistory": true,
	"supplementalcredentials": true, "unixuserpassword": true, "msds-managedpassword": true,
	"ms-mcs-admpwd": true, "mslaps-password": true, "mslaps-encryptedpassword": true,
	"mslaps-encryptedpasswordhistory": true, "mslaps-encrypteddsrmpassword": true,
	"mslaps-encrypteddsrmpasswordhistory": true, "msfve-recoverypassword": true, "msfve-keypackage": true,
	"mstpm-ownerinformation": true, "mstpm-tpminformationforcomputer": true, "priorvalue": true,
	"currentvalue": true, "trustauthincoming": true, "trustauthoutgoing": true, "initialauthincoming": true,
	"initialauthoutgoing": true, "peklist": true, "msds-executescriptpassword": true,
	"sambantpassword": true, "sambalmpassword": true, "userpkcs12": true, "mspki-accountcredentials": true,
	"mspki-dpapimasterkeys": true, "msds-keycredentiallink": true, "altsecurityidentities": true,
}

// binaryAttributes hold binary values (SIDs, GUIDs, photos,
// certificates, security descriptors) that are not text and cannot be
// issued as claim values (lower case).
var binaryAttributes = map[string]bool{
	"objectsid": true, "sidhistory": true, "tokengroups": true, "tokengroupsglobalanduniversal": true,
	"tokengroupsnogcacceptable": true, "thumbnailphoto": true, "jpegphoto": true, "photo": true,
	"usercertificate": true, "usersmimecertificate": true, "cacertificate": true, "msexchmailboxguid": true,
	"msexchmailboxsecuritydescriptor": true, "ntsecuritydescriptor": true, "logonhours": true,
	"ms-ds-consistencyguid": true, "msds-generationid": true, "replpropertymetadata": true,
}

// CheckExtraAttribute reports why name cannot be in
// Config.ExtraAttributes: not an LDAP attribute description (a letter,
// then letters, digits and hyphens, at most 64 bytes); an attribute read
// anyway (objectGUID, userPrincipalName, sAMAccountName, displayName,
// mail, userAccountControl, memberOf); a secret (userPassword,
// unicodePwd, LAPS and BitLocker recovery passwords, …); or a binary
// attribute (objectSid, thumbnailPhoto, userCertificate, …). Names are
// compared case-insensitively.
func CheckExtraAttribute(name string) error {
	if !isAttributeName(name) {
		return fmt.Errorf("%q is not an LDAP attribute name; use its lDAPDisplayName, such as department or employeeID", clipName(name))
	}
	n := strings.ToLower(name)
	switch {
	case n == "memberof" || slices.ContainsFunc(baseUserAttributes, func(b string) bool { return strings.EqualFold(b, n) }):
		return fmt.Errorf("%q is always read; claim rules use it without listing it here", name)
	case secretAttributes[n]:
		return fmt.Errorf("%q holds a secret and is never read for claims", name)
	case binaryAttributes[n]:
		return fmt.Errorf("%q holds binary data, which a claim cannot carry", name)
	}
	return nil
}

func clipName(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
