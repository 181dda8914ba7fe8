package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/ldapauth"
)

// Limits enforced by Validate.
const (
	maxDirectoryURLs = 16
	maxReplyURLs     = 16
	maxFilterLen     = 1024
	maxDNLen         = 1024
	maxIdentifierLen = 1024
)

const day = 24 * time.Hour

// Validate checks every setting and returns all problems at once, joined
// with errors.Join; each is a *FieldError formatted as
// "<yaml.path>: <problem>; <what is allowed>". It is pure: it reads no
// files (ResolveSecrets and the build step of cmd/fedgate do), so a secret
// given as a *_file is only checked for presence here. Validate after
// ResolveSecrets also checks the resolved keys.
func (c *Config) Validate() error {
	var p problems
	c.validateFederation(&p)
	c.validateListen(&p)
	c.validateTokenSigning(&p)
	c.validateDirectory(&p)
	c.validateMFA(&p)
	c.validateExtranetLockout(&p)
	c.validateSession(&p)
	c.validateStore(&p)
	c.validateRelyingParties(&p)
	c.validateProxyTrust(&p)
	c.validateLog(&p)
	return p.err()
}

func (c *Config) validateFederation(p *problems) {
	f := c.Federation
	if p.required("federation.name", f.Name, "set the DNS name users reach, such as sts.contoso.com") && !isHostname(f.Name) {
		p.add("federation.name", quote(f.Name)+" is not a DNS name",
			"use a host name such as sts.contoso.com, without scheme, port or path")
	}
	if f.Identifier != "" {
		if len(f.Identifier) > maxIdentifierLen || !isAbsoluteURI(f.Identifier) {
			p.add("federation.identifier", quote(f.Identifier)+" is not an absolute URI",
				`use a URI such as "http://sts.contoso.com/adfs/services/trust", or leave it empty for that default`)
		}
	}
	p.plainText("federation.display_name", f.DisplayName, 128)
	if f.PublicURL != "" {
		p.checkURL("federation.public_url", f.PublicURL, urlRules{
			schemes: []string{"https"},
			hint:    `use an https URL without path, such as "https://sts.contoso.com", or leave it empty for "https://<name>"`,
		})
	}
}

// isAbsoluteURI reports whether s has a scheme and, for hierarchical
// URIs, a host (RFC 3986 absolute-URI, as used for issuer identifiers).
func isAbsoluteURI(s string) bool {
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return false
	}
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || scheme == "" || rest == "" {
		return false
	}
	for i := 0; i < len(scheme); i++ {
		c := scheme[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	if strings.HasPrefix(rest, "//") {
		host, _, _ := strings.Cut(rest[2:], "/")
		return host != "" && !strings.Contains(host, "@")
	}
	return true
}

func (c *Config) validateListen(p *problems) {
	l := c.Listen
	if p.required("listen.address", l.Address, `use host:port, such as ":443"`) {
		p.hostPort("listen.address", l.Address)
	}
	if l.ProbeAddress != "" {
		p.hostPort("listen.probe_address", l.ProbeAddress)
		if l.ProbeAddress == l.Address {
			p.add("listen.probe_address", "is the same as listen.address", `use another port, such as ":80", or "" to disable the probe listener`)
		}
	}
	p.required("listen.tls_cert_file", l.TLSCertFile, "set the PEM certificate chain of the HTTPS listener")
	p.required("listen.tls_key_file", l.TLSKeyFile, "set the PEM private key of listen.tls_cert_file")
	p.durationRange("listen.read_header_timeout", l.ReadHeaderTimeout, time.Second, 5*time.Minute)
	p.durationRange("listen.read_timeout", l.ReadTimeout, time.Second, time.Hour)
	p.durationRange("listen.write_timeout", l.WriteTimeout, time.Second, time.Hour)
	p.durationRange("listen.idle_timeout", l.IdleTimeout, time.Second, time.Hour)
	if l.ReadHeaderTimeout > l.ReadTimeout && l.ReadTimeout > 0 {
		p.add("listen.read_header_timeout", l.ReadHeaderTimeout.String()+" is longer than listen.read_timeout ("+l.ReadTimeout.String()+")",
			"use a value no longer than read_timeout")
	}
	p.intRange("listen.max_header_bytes", int64(l.MaxHeaderBytes), 1024, 1<<20, " bytes")
	p.intRange("listen.max_body_bytes", l.MaxBodyBytes, 1024, 64<<20, " bytes")
}

func (c *Config) validateTokenSigning(p *problems) {
	t := c.TokenSigning
	p.required("token_signing.cert_file", t.CertFile, "set the PEM token-signing certificate")
	p.required("token_signing.key_file", t.KeyFile, "set the PEM RSA private key of token_signing.cert_file")
	if t.NextCertFile != "" && t.NextCertFile == t.CertFile {
		p.add("token_signing.next_cert_file", "is the same file as token_signing.cert_file",
			"set it to the certificate that will replace cert_file, or leave it empty")
	}
	p.oneOf("token_signing.algorithm", t.Algorithm, AlgorithmRSASHA256, AlgorithmRSASHA1)
	p.durationRange("token_signing.token_lifetime", t.TokenLifetime, 5*time.Minute, day)
}

func (c *Config) validateDirectory(p *problems) {
	d := c.Directory
	hint := "use ldaps:// or ldap:// with start_tls: true"
	switch {
	case len(d.URLs) == 0:
		p.add("directory.urls", "is required", "list at least one domain controller, such as [ldaps://dc1.corp.contoso.com:636]")
	case len(d.URLs) > maxDirectoryURLs:
		p.add("directory.urls", fmt.Sprintf("lists %d servers", len(d.URLs)), fmt.Sprintf("list at most %d", maxDirectoryURLs))
	default:
		seen := make(map[string]int, len(d.URLs))
		for i, raw := range d.URLs {
			path := "directory.urls[" + strconv.Itoa(i) + "]"
			u, ok := p.checkURL(path, raw, urlRules{schemes: []string{"ldaps", "ldap"}, hint: hint})
			if !ok {
				continue
			}
			if u.Scheme == "ldap" && !d.StartTLS && !d.InsecurePlaintextLDAP {
				p.add(path, "ldap:// without start_tls sends passwords in clear text", "use ldaps:// or set directory.start_tls: true")
			}
			key := strings.ToLower(raw)
			if j, dup := seen[key]; dup {
				p.add(path, "repeats directory.urls["+strconv.Itoa(j)+"]", "list each domain controller once")
			}
			seen[key] = i
		}
	}
	if d.ServerName != "" && !isHostname(d.ServerName) {
		p.add("directory.server_name", quote(d.ServerName)+" is not a host name",
			"use the DNS name in the domain controllers' certificates, or leave it empty to use each URL's host")
	}
	p.dn("directory.bind_dn", d.BindDN, "set the DN of the service account that searches for users")
	p.secretPair("directory.bind_password", d.BindPassword, d.BindPasswordFile, true, "the service account's password")
	p.dn("directory.base_dn", d.BaseDN, "set the DN where user searches start, such as DC=corp,DC=contoso,DC=com")
	p.userFilter("directory.user_filter", d.UserFilter)
	p.durationRange("directory.dial_timeout", d.DialTimeout, time.Second, time.Minute)
	p.durationRange("directory.timeout", d.Timeout, time.Second, 5*time.Minute)
	p.intRange("directory.pool_size", int64(d.PoolSize), 1, 64, " connections")
	p.durationRange("directory.acquire_timeout", d.AcquireTimeout, 100*time.Millisecond, time.Minute)
	p.durationRange("directory.retry_interval", d.RetryInterval, time.Second, time.Hour)
	p.intRange("directory.max_groups", int64(d.MaxGroups), 1, 10000, " groups")
	p.claimAttributes("directory.claim_attributes", d.ClaimAttributes)
	if d.AlternateLoginID != "" {
		switch {
		case !isAttributeName(d.AlternateLoginID):
			p.add("directory.alternate_login_id", quote(d.AlternateLoginID)+" is not an attribute name", "use an LDAP attribute name such as mail")
		case d.UserFilter != DefaultUserFilter:
			p.add("directory.alternate_login_id", "cannot be combined with a custom user_filter",
				"add ("+d.AlternateLoginID+"={username}) to directory.user_filter instead")
		}
	}
	if d.PasswordChangeURL != "" {
		p.checkURL("directory.password_change_url", d.PasswordChangeURL, urlRules{
			schemes: []string{"https"}, hint: "use the https address of your password-change portal",
			allowPath: true, allowQry: true,
		})
	}
	switch d.ImmutableIDSource {
	case ImmutableIDObjectGUID, ImmutableIDConsistencyGUID:
	default:
		p.add("directory.immutable_id_source", quote(d.ImmutableIDSource)+" is not supported",
			"use "+ImmutableIDObjectGUID+" or "+ImmutableIDConsistencyGUID+", whichever Entra Connect uses as the source anchor")
	}
	switch d.GroupLookup {
	case GroupLookupTokenGroups, GroupLookupInChain, GroupLookupMemberOf:
	default:
		p.add("directory.group_lookup", quote(d.GroupLookup)+" is not supported",
			"use "+GroupLookupTokenGroups+", "+GroupLookupInChain+" or "+GroupLookupMemberOf)
	}
}

// isAttributeName reports whether s is an LDAP attribute description
// (letters, digits and hyphens, starting with a letter).
func isAttributeName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '-'):
		default:
			return false
		}
	}
	return true
}

// dn checks that a required distinguished name is present and plausible;
// the full syntax check happens when ldapauth parses it.
func (p *problems) dn(path, value, hint string) {
	if !p.required(path, value, hint) {
		return
	}
	if len(value) > maxDNLen || !strings.Contains(value, "=") || strings.ContainsFunc(value, func(r rune) bool { return r < ' ' }) {
		p.add(path, quote(value)+" is not a distinguished name", "use attribute=value pairs, such as CN=svc-fedgate,OU=Service Accounts,DC=corp,DC=contoso,DC=com")
	}
}

// userFilter checks the search filter template: one parenthesised filter
// with balanced parentheses that contains {username}.
func (p *problems) userFilter(path, f string) {
	hint := "use a parenthesised LDAP filter containing {username}, such as " + DefaultUserFilter
	if !p.required(path, f, hint) {
		return
	}
	if len(f) > maxFilterLen {
		p.add(path, fmt.Sprintf("is %d characters long", len(f)), fmt.Sprintf("use at most %d", maxFilterLen))
		return
	}
	if !strings.Contains(f, "{username}") {
		p.add(path, "does not contain {username}", hint)
		return
	}
	depth := 0
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && i != len(f)-1 {
				depth = -1 // a second top-level filter
			}
		case 0:
			depth = -1
		}
		if depth < 0 {
			break
		}
	}
	if depth != 0 || f[0] != '(' {
		p.add(path, "is not one filter with balanced parentheses", hint)
	}
}

func (c *Config) validateMFA(p *problems) {
	m := c.MFA
	// The issuer defaults to the display name, which defaults to the
	// name; problems already reported for those are not repeated here.
	issuer, from, check := m.Issuer, "", true
	if issuer == "" {
		issuer, from = c.Federation.DisplayName, " (from federation.display_name)"
		check = issuer != "" && !strings.ContainsFunc(issuer, unicode.IsControl)
	}
	if check && (len(issuer) > 64 || strings.ContainsFunc(issuer, unicode.IsControl) || strings.Contains(issuer, ":")) {
		p.add("mfa.issuer", quote(issuer)+from+" is not usable as a TOTP issuer",
			"use at most 64 printable characters without ':' (authenticator apps split issuer and account at ':')")
	}
	p.secretPair("mfa.seal_key", m.SealKey, m.SealKeyFile, true, "the key that seals TOTP seeds")
	p.key32("mfa.seal_key", m.SealKey)
	p.intRange("mfa.max_failures", int64(m.MaxFailures), 1, 100, " attempts")
	p.durationRange("mfa.lockout_duration", m.LockoutDuration, time.Minute, day)
}

func (c *Config) validateExtranetLockout(p *problems) {
	l := c.ExtranetLockout
	p.oneOf("extranet_lockout.mode", l.Mode, LockoutEnforce, LockoutLogOnly, LockoutOff)
	p.oneOf("extranet_lockout.intranet", l.Intranet, LockoutIntranetSkip, LockoutIntranetCount)
	p.intRange("extranet_lockout.threshold", int64(l.Threshold), 1, 100, " bad passwords")
	p.intRange("extranet_lockout.familiar_threshold", int64(l.FamiliarThreshold), 1, 100, " bad passwords")
	p.durationRange("extranet_lockout.observation_window", l.ObservationWindow, time.Minute, 7*day)
}

func (c *Config) validateSession(p *problems) {
	s := c.Session
	p.secretPair("session.key", s.Key, s.KeyFile, true, "the key that seals session cookies, shared by every farm node")
	p.key32("session.key", s.Key)
	if s.Key.IsSet() && s.Key == c.MFA.SealKey {
		p.add("session.key", "is the same as mfa.seal_key", "generate a separate key for each purpose")
	}
	p.durationRange("session.lifetime", s.Lifetime, time.Minute, 7*day)
	if p.required("session.cookie_name", s.CookieName, `use a name such as "fedgate_session"`) && !isCookieToken(s.CookieName) {
		p.add("session.cookie_name", quote(s.CookieName)+" is not a valid cookie name",
			"use at most 64 letters, digits and !#$%&'*+-.^_`|~ (RFC 6265)")
	}
}

// isCookieToken reports whether s is an RFC 6265 cookie-name token.
func isCookieToken(s string) bool {
	if len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

func (c *Config) validateStore(p *problems) {
	s := c.Store
	p.oneOf("store.driver", s.Driver, DriverSQLite, DriverPostgres)
	switch s.Driver {
	case DriverSQLite:
		p.required("store.path", s.Path, "set the SQLite database file, such as /var/lib/fedgate/fedgate.db")
		if s.DSN.IsSet() {
			p.add("store.dsn", "is only used with driver: postgres", "remove it or set store.driver: postgres")
		}
		if s.DSNFile != "" {
			p.add("store.dsn_file", "is only used with driver: postgres", "remove it or set store.driver: postgres")
		}
	case DriverPostgres:
		p.secretPair("store.dsn", s.DSN, s.DSNFile, true, "the PostgreSQL connection string")
	}
}

func (c *Config) validateRelyingParties(p *problems) {
	c.validateDefinitions(p)
	o := c.RelyingParties.Office365
	if !o.Enabled {
		return
	}
	p.oneOf("relying_parties.office365.mfa", o.MFA, MFAAlways, MFAExtranetOnly, MFANever)
	switch o.LegacyClients {
	case LegacyDenyEnrolled, LegacyInsideOnly, LegacyAppPassword:
	default:
		p.add("relying_parties.office365.legacy_clients", fmt.Sprintf("%q is not a policy", o.LegacyClients),
			"use "+LegacyDenyEnrolled+", "+LegacyInsideOnly+" or "+LegacyAppPassword)
	}
	switch {
	case len(o.ReplyURLs) == 0:
		p.add("relying_parties.office365.reply_urls", "is empty", "list at least "+Office365ReplyURL+", or set enabled: false")
	case len(o.ReplyURLs) > maxReplyURLs:
		p.add("relying_parties.office365.reply_urls", fmt.Sprintf("lists %d URLs", len(o.ReplyURLs)), fmt.Sprintf("list at most %d", maxReplyURLs))
	default:
		seen := make(map[string]int, len(o.ReplyURLs))
		for i, raw := range o.ReplyURLs {
			path := "relying_parties.office365.reply_urls[" + strconv.Itoa(i) + "]"
			if _, ok := p.checkURL(path, raw, urlRules{
				schemes:   []string{"https"},
				hint:      "use an https URL such as " + Office365ReplyURL,
				allowPath: true,
				allowQry:  true,
			}); !ok {
				continue
			}
			if j, dup := seen[raw]; dup {
				p.add(path, "repeats reply_urls["+strconv.Itoa(j)+"]", "list each URL once")
			}
			seen[raw] = i
		}
	}
	office := rp.Office365(rp.MFAAlways)
	office.Claims, office.Access = o.Claims, o.Access
	p.fieldErrors("relying_parties.office365", office.ValidateClaims(c.Directory.ClaimAttributes))
}

// validateDefinitions checks relying_parties.wsfed and .saml with
// rp.Definition.Validate (protocol implied by the list), names unique
// across both lists, and WS-Fed realms unique and not Office 365's.
func (c *Config) validateDefinitions(p *problems) {
	names := map[string]string{}
	realms := map[string]string{}
	if c.RelyingParties.Office365.Enabled {
		for _, id := range rp.Office365(rp.MFAAlways).Identifiers {
			realms[id] = "the built-in office365 trust"
		}
	}
	for _, list := range []struct {
		key   string
		proto rp.Protocol
		defs  []rp.Definition
		limit int
	}{
		{"relying_parties.wsfed", rp.WSFed, c.RelyingParties.WSFed, MaxWSFedParties},
		{"relying_parties.saml", rp.SAML2, c.RelyingParties.SAML, MaxSAMLParties},
	} {
		if len(list.defs) > list.limit {
			p.add(list.key, fmt.Sprintf("lists %d relying parties", len(list.defs)), fmt.Sprintf("list at most %d", list.limit))
			continue
		}
		for i, d := range list.defs {
			path := list.key + "[" + strconv.Itoa(i) + "]"
			switch d.Protocol {
			case "":
				d.Protocol = string(list.proto)
			case string(list.proto):
			default:
				p.add(path+".protocol", quote(d.Protocol)+" does not belong in "+list.key,
					"leave protocol out (the list implies "+string(list.proto)+") or move the party to the other list")
				continue
			}
			p.fieldErrors(path, d.Validate(c.Directory.ClaimAttributes))
			if d.Name != "" {
				if prev, dup := names[d.Name]; dup {
					p.add(path+".name", "repeats "+prev+".name", "give each relying party its own name")
				} else {
					names[d.Name] = path
				}
			}
			for j, id := range d.Identifiers {
				if prev, dup := realms[id]; dup {
					p.add(path+".identifiers["+strconv.Itoa(j)+"]", quote(id)+" is also used by "+prev, "every realm names one relying party")
				} else if id != "" {
					realms[id] = path
				}
			}
		}
	}
}

// fieldErrors adds the rp/claims FieldErrors of err under path.
func (p *problems) fieldErrors(path string, err error) {
	if err == nil {
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			p.fieldErrors(path, e)
		}
		return
	}
	var fe *rp.FieldError
	if errors.As(err, &fe) {
		p.add(path+"."+fe.Field, fe.Err.Error(), "")
		return
	}
	p.add(path, err.Error(), "")
}

// claimAttributes checks directory.claim_attributes with ldapauth's rules.
func (p *problems) claimAttributes(path string, attrs []string) {
	if len(attrs) > ldapauth.MaxExtraAttributes {
		p.add(path, fmt.Sprintf("lists %d attributes", len(attrs)), fmt.Sprintf("list at most %d", ldapauth.MaxExtraAttributes))
		return
	}
	seen := map[string]int{}
	for i, a := range attrs {
		item := path + "[" + strconv.Itoa(i) + "]"
		if err := ldapauth.CheckExtraAttribute(a); err != nil {
			p.add(item, err.Error(), "")
			continue
		}
		k := strings.ToLower(a)
		if j, dup := seen[k]; dup {
			p.add(item, "repeats "+path+"["+strconv.Itoa(j)+"]", "list each attribute once")
		}
		seen[k] = i
	}
}

func (c *Config) validateProxyTrust(p *problems) {
	pt := c.ProxyTrust
	// The ranges are proxytrust's MinCertLifetime … MaxCertLifetime,
	// token lifetimes and MaxRevocationCacheTTL.
	p.durationRange("proxy_trust.cert_lifetime", pt.CertLifetime, time.Hour, 365*day)
	p.durationRange("proxy_trust.token_lifetime", pt.TokenLifetime, time.Minute, 7*day)
	p.durationRange("proxy_trust.revocation_cache_ttl", pt.RevocationCacheTTL, 0, 5*time.Minute)
	if !pt.Enabled() {
		return
	}
	hint := "set both proxy_trust.ca_cert_file and ca_key_file (create them with `fedgate proxy-trust init-ca`), or neither to turn proxy trust off"
	p.required("proxy_trust.ca_cert_file", pt.CACertFile, hint)
	p.required("proxy_trust.ca_key_file", pt.CAKeyFile, hint)
	if pt.CACertFile != "" && pt.CACertFile == pt.CAKeyFile {
		p.add("proxy_trust.ca_key_file", "is the same file as proxy_trust.ca_cert_file", "keep the certificate and the private key in separate files")
	}
	for _, other := range []struct{ path, file string }{
		{"listen.tls_cert_file", c.Listen.TLSCertFile}, {"listen.tls_key_file", c.Listen.TLSKeyFile},
		{"token_signing.cert_file", c.TokenSigning.CertFile}, {"token_signing.key_file", c.TokenSigning.KeyFile},
	} {
		for _, own := range []struct{ path, file string }{{"proxy_trust.ca_cert_file", pt.CACertFile}, {"proxy_trust.ca_key_file", pt.CAKeyFile}} {
			if own.file != "" && own.file == other.file {
				p.add(own.path, "is the same file as "+other.path,
					"use a dedicated proxy-trust CA: every certificate it signs may assert client addresses")
			}
		}
	}
}

func (c *Config) validateLog(p *problems) {
	p.oneOf("log.level", c.Log.Level, LevelDebug, LevelInfo, LevelWarn, LevelError)
	p.oneOf("log.format", c.Log.Format, FormatJSON, FormatText)
}
