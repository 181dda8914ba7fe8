package config

import (
	"strings"
	"time"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/rp"
)

// Config is the whole configuration file of `fedgate serve`. Obtain one
// with [Load] or [Parse]; [Default] holds every default value.
type Config struct {
	// Federation names the service as users and relying parties see it.
	Federation Federation `yaml:"federation"`
	// Listen configures the HTTPS listener and the plain-HTTP probe.
	Listen Listen `yaml:"listen"`
	// TokenSigning configures the certificate and key that sign tokens and
	// metadata.
	TokenSigning TokenSigning `yaml:"token_signing"`
	// Directory configures the Active Directory (LDAP) connection used for
	// user lookup and password checks.
	Directory Directory `yaml:"directory"`
	// MFA configures TOTP multi-factor authentication.
	MFA MFA `yaml:"mfa"`
	// ExtranetLockout configures extranet smart lockout of password
	// sign-ins.
	ExtranetLockout ExtranetLockout `yaml:"extranet_lockout"`
	// Session configures the sealed browser-session (SSO) cookie.
	Session Session `yaml:"session"`
	// Store selects the state database (MFA enrollments, replay cache,
	// lockout counters, audit events).
	Store Store `yaml:"store"`
	// RelyingParties configures the built-in relying-party trusts.
	RelyingParties RelyingParties `yaml:"relying_parties"`
	// ProxyTrust configures the proxy-trust CA that enrolls fedgate-proxy
	// instances in the DMZ. Off by default.
	ProxyTrust ProxyTrust `yaml:"proxy_trust"`
	// Log configures the process log.
	Log Log `yaml:"log"`
}

// Federation names the federation service.
type Federation struct {
	// Name is the federation service name: the DNS name users reach, such
	// as "sts.contoso.com". Required; no default. It determines the default
	// issuer URI and public URL, so changing it breaks every existing
	// federation trust.
	Name string `yaml:"name"`
	// Identifier is the issuer URI placed in every token and in metadata
	// (AD FS "IssuerUri"). Default "http://<name>/adfs/services/trust", the
	// AD FS value (http scheme on purpose: it is an identifier, not a URL).
	// Must be an absolute URI and must match the IssuerUri configured for
	// the federated domain in Entra ID, or every sign-in is rejected there.
	Identifier string `yaml:"identifier"`
	// DisplayName is the name shown on the sign-in pages and published in
	// metadata. Default: Name.
	DisplayName string `yaml:"display_name"`
	// PublicURL is the base of every endpoint URL published in metadata
	// and used to build reply and form-action URLs. Default
	// "https://<name>". Must be an absolute https URL without path, query
	// or credentials; clients must be able to reach it.
	PublicURL string `yaml:"public_url"`
}

// Listen configures the network listeners. Every timeout and size limit
// bounds the resources one client can hold; zero or negative values are
// refused rather than meaning "unlimited".
type Listen struct {
	// Address is the host:port of the HTTPS listener. Default ":443".
	Address string `yaml:"address"`
	// ProbeAddress is the host:port of a plain-HTTP listener that serves
	// only /adfs/probe for load balancers (as AD FS does on port 80).
	// Default ":80"; "" disables it. It serves no user content.
	ProbeAddress string `yaml:"probe_address"`
	// TLSCertFile is the PEM certificate chain of the HTTPS listener (the
	// "SSL certificate" of AD FS). Required; no default.
	TLSCertFile string `yaml:"tls_cert_file"`
	// TLSKeyFile is the PEM private key of TLSCertFile. Required; no
	// default. The file is secret: keep it readable by fedgate only.
	TLSKeyFile string `yaml:"tls_key_file"`
	// ReadHeaderTimeout bounds reading request headers (slow-loris
	// protection). Default 10s; 1s to 5m; at most ReadTimeout.
	ReadHeaderTimeout Duration `yaml:"read_header_timeout"`
	// ReadTimeout bounds reading a whole request. Default 30s; 1s to 1h.
	ReadTimeout Duration `yaml:"read_timeout"`
	// WriteTimeout bounds writing a response. Default 30s; 1s to 1h.
	WriteTimeout Duration `yaml:"write_timeout"`
	// IdleTimeout bounds keep-alive idle time. Default 120s; 1s to 1h.
	IdleTimeout Duration `yaml:"idle_timeout"`
	// MaxHeaderBytes bounds request header size, in bytes. Default 16384;
	// 1024 to 1048576.
	MaxHeaderBytes int `yaml:"max_header_bytes"`
	// MaxBodyBytes bounds every request body, in bytes (forms, SAML POST,
	// WS-Trust SOAP). Default 1048576 (1 MiB); 1024 to 67108864.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
}

// Signature algorithms accepted in TokenSigning.Algorithm.
const (
	// AlgorithmRSASHA256 is RSA PKCS#1 v1.5 with SHA-256 (the default).
	AlgorithmRSASHA256 = "rsa-sha256"
	// AlgorithmRSASHA1 is RSA PKCS#1 v1.5 with SHA-1. SHA-1 is weak; use it
	// only for a relying party that cannot verify SHA-256.
	AlgorithmRSASHA1 = "rsa-sha1"
)

// TokenSigning configures token and metadata signing.
type TokenSigning struct {
	// CertFile is the PEM token-signing certificate published in metadata
	// and registered with Entra ID. Required; no default.
	CertFile string `yaml:"cert_file"`
	// KeyFile is the PEM RSA private key of CertFile. Required; no default.
	// Whoever holds it can mint tokens for every federated user: keep the
	// file readable by fedgate only.
	KeyFile string `yaml:"key_file"`
	// NextCertFile is an optional PEM certificate published in metadata
	// next to CertFile during a key rollover, so relying parties learn it
	// before it signs. Default "" (none).
	NextCertFile string `yaml:"next_cert_file"`
	// Algorithm is the signature algorithm: "rsa-sha256" (default) or
	// "rsa-sha1" (weak; only for relying parties that require it).
	Algorithm string `yaml:"algorithm"`
	// TokenLifetime is the validity period of an issued token. Default 1h;
	// 5m to 24h. Longer lifetimes widen the window in which a stolen token
	// can be replayed.
	TokenLifetime Duration `yaml:"token_lifetime"`
}

// Directory configures the Active Directory connection.
type Directory struct {
	// URLs lists the domain controllers, tried in order with failover on
	// network or TLS errors. Required; 1 to 16 entries. Each is
	// ldaps://host[:port] or ldap://host[:port]; ldap:// is accepted only
	// with StartTLS, so passwords never cross the network in clear text.
	URLs []string `yaml:"urls"`
	// StartTLS upgrades ldap:// connections with StartTLS before any other
	// operation. Default false. Has no effect on ldaps:// URLs.
	StartTLS bool `yaml:"start_tls"`
	// CAFile is a PEM bundle of the CAs that sign the domain controllers'
	// certificates. Default "": the system roots.
	CAFile string `yaml:"ca_file"`
	// ServerName overrides the host name checked in the domain
	// controllers' certificates. Default "": the host of each URL.
	ServerName string `yaml:"server_name"`
	// BindDN is the distinguished name of the service account that
	// searches for users. Required; no default. Give it read access only.
	BindDN string `yaml:"bind_dn"`
	// BindPassword is the service account's password. Secret; set it or
	// BindPasswordFile, exactly one.
	BindPassword Secret `yaml:"bind_password"`
	// BindPasswordFile is a file holding BindPassword (one trailing newline
	// is ignored). Read by [Config.ResolveSecrets].
	BindPasswordFile string `yaml:"bind_password_file"`
	// BaseDN is where user searches start. Required; no default.
	BaseDN string `yaml:"base_dn"`
	// UserFilter is the LDAP filter that finds a user; "{username}" is
	// replaced by the escaped sign-in name. Default matches
	// userPrincipalName or sAMAccountName of user objects. Must contain
	// {username} and be a parenthesised filter.
	UserFilter string `yaml:"user_filter"`
	// DialTimeout bounds connecting (TCP and TLS) to one domain controller.
	// Default 5s; 1s to 1m.
	DialTimeout Duration `yaml:"dial_timeout"`
	// Timeout bounds one LDAP operation. Default 10s; 1s to 5m.
	Timeout Duration `yaml:"timeout"`
	// PoolSize is the number of pooled connections per pool. Default 4;
	// 1 to 64.
	PoolSize int `yaml:"pool_size"`
	// AcquireTimeout bounds the wait for a free pooled connection when all
	// are busy. Default 5s; 100ms to 1m.
	AcquireTimeout Duration `yaml:"acquire_timeout"`
	// RetryInterval is how long a domain controller that failed to answer
	// is skipped before fedgate tries it again (and returns to it when it
	// is first in urls). Default 30s; 1s to 1h.
	RetryInterval Duration `yaml:"retry_interval"`
	// AlternateLoginID names one more attribute users may sign in with,
	// like AD FS's AlternateLoginID, e.g. "mail". Default "" (UPN and
	// sAMAccountName only). Cannot be combined with a custom user_filter:
	// add the attribute to the filter instead.
	AlternateLoginID string `yaml:"alternate_login_id"`
	// ImmutableIDSource is the attribute the ImmutableID (Entra's source
	// anchor) is made from: "objectGUID" (default) or
	// "mS-DS-ConsistencyGuid" (falls back to objectGUID when empty), as
	// Azure AD Connect / Entra Connect is configured. A wrong choice signs
	// users in as nobody (or as a different cloud user).
	ImmutableIDSource string `yaml:"immutable_id_source"`
	// GroupLookup is how nested group membership is read for claim rules:
	// "token_groups" (default; the tokenGroups attribute), "in_chain"
	// (LDAP_MATCHING_RULE_IN_CHAIN search) or "member_of" (direct
	// memberOf only, no nesting).
	GroupLookup string `yaml:"group_lookup"`
	// MaxGroups caps the groups read for one user. Default 1024; 1 to 10000.
	MaxGroups int `yaml:"max_groups"`
	// ClaimAttributes lists directory attributes read with every user
	// besides the built-in ones (userPrincipalName, sAMAccountName, mail,
	// displayName, objectGUID), so claim rules can send them, e.g.
	// [givenName, sn, department, employeeID]. Default [] (none); at most
	// 32, each an LDAP attribute name listed once. Attributes holding
	// secrets (userPassword, unicodePwd, LAPS passwords, …) or binary data
	// (objectSid, thumbnailPhoto, …) are refused. The service account must
	// be able to read them.
	ClaimAttributes []string `yaml:"claim_attributes"`
	// PasswordChangeURL is where users whose password expired (AD 532) or
	// must be changed at next logon (773) are sent to change it, e.g. the
	// organisation's self-service password portal. Default "": the page
	// tells them to contact the help desk. https only.
	PasswordChangeURL string `yaml:"password_change_url"`
	// InsecurePlaintextLDAP allows ldap:// URLs without StartTLS: passwords
	// then cross the network in clear text. Default false. Only for labs.
	InsecurePlaintextLDAP bool `yaml:"insecure_plaintext_ldap"`
}

// Directory.ImmutableIDSource and GroupLookup values.
const (
	ImmutableIDObjectGUID      = "objectGUID"
	ImmutableIDConsistencyGUID = "mS-DS-ConsistencyGuid"
	GroupLookupTokenGroups     = "token_groups"
	GroupLookupInChain         = "in_chain"
	GroupLookupMemberOf        = "member_of"
)

// MFA configures TOTP multi-factor authentication.
type MFA struct {
	// Issuer is the name shown in authenticator apps next to the account.
	// Default: the federation display name. At most 64 characters and no
	// ':' (it separates issuer and account in otpauth:// labels).
	Issuer string `yaml:"issuer"`
	// SealKey is the AES-256-GCM key that seals TOTP seeds at rest: 32
	// bytes, base64 (standard or URL alphabet). Secret; set it or
	// SealKeyFile, exactly one. Every farm node needs the same key; losing
	// it forces every user to re-enroll.
	SealKey Secret `yaml:"seal_key"`
	// SealKeyFile is a file holding SealKey. Read by
	// [Config.ResolveSecrets].
	SealKeyFile string `yaml:"seal_key_file"`
	// MaxFailures is the number of wrong codes after which a user's MFA is
	// locked for LockoutDuration. Default 5; 1 to 100.
	MaxFailures int `yaml:"max_failures"`
	// LockoutDuration is how long MFA stays locked after MaxFailures wrong
	// codes. Default 5m; 1m to 24h.
	LockoutDuration Duration `yaml:"lockout_duration"`
}

// Extranet lockout modes accepted in ExtranetLockout.Mode; the same
// strings as idp/lockout's Mode values.
const (
	LockoutOff     = "off"
	LockoutLogOnly = "log_only"
	LockoutEnforce = "enforce"
)

// Values of ExtranetLockout.Intranet; the same strings as idp/lockout's
// Intranet values.
const (
	LockoutIntranetSkip  = "skip"
	LockoutIntranetCount = "count"
)

// ExtranetLockout configures extranet smart lockout (AD FS ESL semantics,
// package idp/lockout): bad passwords are counted per directory account,
// separately for the user's familiar client IPs and for all others, and a
// location that reaches its threshold is refused before the password is
// sent to Active Directory. That keeps attackers from locking the account
// in AD and from guessing at AD's pace, while the user keeps signing in
// from familiar IPs. A locked location allows one attempt per observation
// window; a good password resets it.
//
// To make sure AD itself never locks the account from outside, keep
// observation_window at least twice the domain's "Reset account lockout
// counter after" and threshold + familiar_threshold below its "Account
// lockout threshold", with room for the intranet typos AD also counts.
type ExtranetLockout struct {
	// Mode is "enforce" (default), "log_only" or "off". enforce refuses
	// locked locations; log_only only logs and audits what enforce would
	// refuse (run it for a few days first if unsure); off disables the
	// protection and lets every guess reach AD.
	//
	// The default differs from AD FS (off): fedgate faces the internet,
	// where password spraying against federated Office 365 domains is
	// constant, and without this protection attackers lock users out in
	// AD or, where AD never locks, guess without limit.
	Mode string `yaml:"mode"`
	// Intranet is what extranet lockout does with intranet sign-ins, those
	// that did not come through a trusted fedgate-proxy: "skip" (default)
	// or "count". skip is AD FS's behaviour: they go straight to AD, whose
	// own lockout applies; they are not refused when an extranet location
	// is locked, not counted, and a good password from inside neither
	// resets the counters nor makes the internal IP familiar. count checks
	// and counts them like extranet sign-ins, to keep password spraying
	// inside the network from locking accounts in AD too; bad passwords
	// from inside (a device retrying an old password) then count against
	// the user's extranet locations as well. Without proxy_trust every
	// request is extranet and this setting changes nothing.
	Intranet string `yaml:"intranet"`
	// Threshold is the number of bad passwords from unfamiliar IPs that
	// locks them out for the user. Default 4; 1 to 100.
	Threshold int `yaml:"threshold"`
	// FamiliarThreshold is the number of bad passwords from the user's
	// familiar IPs (the last 20 IPs the user signed in from) that locks
	// those. Default 4; 1 to 100. The defaults sum to 8, two below the
	// Microsoft security baseline's AD lockout threshold of 10; lower both
	// when AD locks sooner (for example 2 and 2 for a threshold of 5).
	FamiliarThreshold int `yaml:"familiar_threshold"`
	// ObservationWindow is how long a locked location waits after its
	// latest bad password before it allows one more attempt (the other
	// location's latest bad password must be half of it old, so that
	// attempt reaches AD after AD's counter has reset). Default 30m (twice
	// the baseline's 15-minute AD reset time); 1m to 7d.
	ObservationWindow Duration `yaml:"observation_window"`
}

// Session configures the browser-session (SSO) cookie.
type Session struct {
	// Key is the AEAD key that seals session cookies: 32 bytes, base64.
	// Secret; set it or KeyFile, exactly one. Every farm node must share
	// it; whoever holds it can forge sessions. Must differ from
	// mfa.seal_key.
	Key Secret `yaml:"key"`
	// KeyFile is a file holding Key. Read by [Config.ResolveSecrets].
	KeyFile string `yaml:"key_file"`
	// Lifetime is how long a sign-in is reused for single sign-on.
	// Default 8h; 1m to 7d.
	Lifetime Duration `yaml:"lifetime"`
	// CookieName is the session cookie's name. Default "fedgate_session";
	// an RFC 6265 token of at most 64 characters.
	CookieName string `yaml:"cookie_name"`
}

// Store drivers accepted in Store.Driver.
const (
	// DriverSQLite is the embedded single-node database (the default).
	DriverSQLite = "sqlite"
	// DriverPostgres is a PostgreSQL database shared by a farm.
	DriverPostgres = "postgres"
)

// Store selects the state database.
type Store struct {
	// Driver is "sqlite" (default; one node) or "postgres" (farm).
	Driver string `yaml:"driver"`
	// Path is the SQLite database file (sqlite only). Default
	// "/var/lib/fedgate/fedgate.db". It holds sealed MFA seeds and audit
	// events: keep it readable by fedgate only.
	Path string `yaml:"path"`
	// DSN is the PostgreSQL connection string (postgres only), URL or
	// key=value form. Secret (it may hold a password); set it or DSNFile,
	// exactly one, when Driver is postgres.
	DSN Secret `yaml:"dsn"`
	// DSNFile is a file holding DSN. Read by [Config.ResolveSecrets].
	DSNFile string `yaml:"dsn_file"`
}

// RelyingParties configures the relying-party trusts read from this file
// (more can live in the store, added with `fedgate rp add`).
type RelyingParties struct {
	// Office365 is the Microsoft Entra ID / Office 365 trust
	// (urn:federation:MicrosoftOnline).
	Office365 Office365 `yaml:"office365"`
	// WSFed lists WS-Federation relying parties (claims-aware
	// applications): realms, reply URLs (the only places their tokens are
	// posted to), claim rules and access rules. Default empty. At most
	// 256. See rp.Definition for every key; protocol is implied.
	WSFed []WSFedParty `yaml:"wsfed"`
	// SAML lists SAML 2.0 service providers, each trusted from its
	// metadata (file or inline), with claim rules, access rules and
	// token settings. Default empty: no SAML 2.0 SP, and SAMLRequest
	// sign-ins get the error page. At most 256.
	SAML []SAMLParty `yaml:"saml"`
	// IdPInitiated turns on IdP-initiated sign-on at
	// /adfs/ls/idpinitiatedsignon (AD FS's EnableIdpInitiatedSignonPage):
	// a page listing the SAML 2.0 parties, and ?loginToRp=<entity ID>, which
	// sign the user in and post an unsolicited Response to the party's
	// default ACS. Default false: the page names the SAML trusts to anyone
	// who opens it.
	IdPInitiated bool `yaml:"idp_initiated"`
}

// MaxSAMLParties and MaxWSFedParties bound relying_parties.saml and
// relying_parties.wsfed.
const (
	MaxSAMLParties  = 256
	MaxWSFedParties = 256
)

// WSFedParty is one WS-Federation relying-party trust: an rp.Definition
// whose protocol is implied (wsfed). Required keys: name, identifiers
// (realms), reply_urls.
type WSFedParty = rp.Definition

// SAMLParty is one SAML 2.0 service-provider trust: an rp.Definition
// whose protocol is implied (saml2). Required keys: name and
// metadata_file (or metadata). The metadata's entity ID, HTTP-POST
// assertion consumer services (the only URLs responses are ever posted
// to), signing and encryption certificates and NameID format are read
// when fedgate starts. Only metadata you obtained from the SP itself over
// a trusted channel belongs here. mfa is "always" (default when empty),
// "extranet_only" or "never", as for office365.
type SAMLParty = rp.Definition

// Office365ReplyURL is the default (and commercial-cloud) Entra ID
// endpoint that receives tokens.
const Office365ReplyURL = "https://login.microsoftonline.com/login.srf"

// Office365 configures the Office 365 relying-party trust.
type Office365 struct {
	// Enabled turns the trust on. Default true.
	Enabled bool `yaml:"enabled"`
	// ReplyURLs are the only URLs tokens are posted to. Default
	// [https://login.microsoftonline.com/login.srf]; https only; 1 to 16
	// entries when enabled. A token is never sent anywhere else.
	ReplyURLs []string `yaml:"reply_urls"`
	// MFA says when a TOTP code is required after the password (and the
	// token then claims multi-factor authentication): "always" (default),
	// "extranet_only" (only for sign-ins through a trusted fedgate-proxy;
	// needs proxy_trust, without which every request counts as extranet)
	// or "never" (password alone; tokens claim single-factor
	// authentication, so Entra may demand its own MFA). Replaces
	// require_mfa (true = always, false = never).
	MFA string `yaml:"mfa"`
	// LegacyClients is what the WS-Trust usernamemixed endpoints (older
	// Outlook, Exchange basic-auth proxying, the Remote Connectivity
	// Analyzer) do for users enrolled in MFA, since those clients cannot
	// run a TOTP step: "deny_enrolled" (default; refuse them),
	// "inside_only" (allow only from inside the corporate network) or
	// "app_password" (allow only with an app password). Users without an
	// enrollment sign in with their password and the token claims no MFA.
	LegacyClients string `yaml:"legacy_clients"`
	// Claims are extra claim rules whose claims follow the built-in
	// Office 365 claim set (UPN, ImmutableID, insidecorporatenetwork,
	// authnmethodsreferences), which they may not issue or override.
	// Default [] (none).
	Claims []claims.Rule `yaml:"claims"`
	// Access restricts who may sign in to Office 365 (issuance
	// authorization): permit_groups and deny_groups, lists of group DNs.
	// Default {}: everyone who authenticates. Applies to browser sign-ins
	// and to WS-Trust (legacy clients) alike.
	Access claims.Access `yaml:"access"`
}

// MFA policies accepted in Office365.MFA; the same strings as idp/rp's
// MFAPolicy values.
const (
	MFAAlways       = "always"
	MFAExtranetOnly = "extranet_only"
	MFANever        = "never"
)

// Legacy-client policies accepted in Office365.LegacyClients.
const (
	LegacyDenyEnrolled = "deny_enrolled"
	LegacyInsideOnly   = "inside_only"
	LegacyAppPassword  = "app_password"
)

// ProxyTrust configures fedgate's side of the Web Application Proxy trust
// (package proxytrust): a dedicated CA that issues each fedgate-proxy a
// short-lived TLS client certificate after a one-time enrollment token
// (`fedgate proxy-trust issue`). On a connection that presents a valid,
// unrevoked certificate from this CA, fedgate believes the forwarded
// client address (X-MS-Forwarded-Client-IP) and treats the request as
// extranet; every other request is direct (intranet) and its forwarding
// headers are deleted.
//
// Off when both files are empty (the default). Then fedgate cannot tell
// extranet from intranet and treats every request as extranet: the
// insidecorporatenetwork claim is false, relying_parties.office365.mfa
// extranet_only behaves as always and legacy_clients inside_only refuses
// enrolled users.
type ProxyTrust struct {
	// CACertFile is the PEM proxy-trust CA certificate. Default "" (off);
	// set together with CACertFile. Create both once per farm with
	// `fedgate proxy-trust init-ca` and copy them to every node. Must not
	// be the TLS or token-signing certificate.
	CACertFile string `yaml:"ca_cert_file"`
	// CAKeyFile is the CA's PEM private key. Default "" (off). Whoever
	// holds it can make certificates that assert any client address:
	// keep it readable by fedgate only.
	CAKeyFile string `yaml:"ca_key_file"`
	// CertLifetime is the validity of issued proxy certificates; proxies
	// renew after two thirds of it. Default 30d; 1h to 365d. Shorter
	// limits the use of a stolen, unrevoked certificate.
	CertLifetime Duration `yaml:"cert_lifetime"`
	// TokenLifetime is how long an enrollment token stays usable.
	// Default 1h; 1m to 7d.
	TokenLifetime Duration `yaml:"token_lifetime"`
	// RevocationCacheTTL is how long a node reuses a revocation lookup:
	// the longest a revocation made on another node takes to apply here.
	// Default 30s; 0 to 5m (0 looks every request up in the store).
	RevocationCacheTTL Duration `yaml:"revocation_cache_ttl"`
}

// Enabled reports whether proxy trust is configured (either CA file set;
// Validate requires both).
func (p ProxyTrust) Enabled() bool { return p.CACertFile != "" || p.CAKeyFile != "" }

// Log levels and formats accepted in Log.
const (
	LevelDebug = "debug"
	LevelInfo  = "info"
	LevelWarn  = "warn"
	LevelError = "error"

	FormatJSON = "json"
	FormatText = "text"
)

// Log configures the process log.
type Log struct {
	// Level is the minimum level logged: debug, info (default), warn or
	// error. debug includes user names and LDAP filters (PII), never
	// passwords or codes.
	Level string `yaml:"level"`
	// Format is "json" (default) or "text".
	Format string `yaml:"format"`
}

// DefaultUserFilter finds a user object by UPN or sAMAccountName.
const DefaultUserFilter = "(&(objectClass=user)(|(userPrincipalName={username})(sAMAccountName={username})))"

// Default returns the configuration with every default applied. Fields
// without a default (names, files, secrets) are empty; values derived from
// other fields (issuer URI, public URL, display name, MFA issuer) are
// computed by the accessor methods instead.
func Default() Config {
	return Config{
		Listen: Listen{
			Address:           ":443",
			ProbeAddress:      ":80",
			ReadHeaderTimeout: Duration(10 * time.Second),
			ReadTimeout:       Duration(30 * time.Second),
			WriteTimeout:      Duration(30 * time.Second),
			IdleTimeout:       Duration(120 * time.Second),
			MaxHeaderBytes:    16384,
			MaxBodyBytes:      1 << 20,
		},
		TokenSigning: TokenSigning{
			Algorithm:     AlgorithmRSASHA256,
			TokenLifetime: Duration(time.Hour),
		},
		Directory: Directory{
			UserFilter:        DefaultUserFilter,
			DialTimeout:       Duration(5 * time.Second),
			Timeout:           Duration(10 * time.Second),
			PoolSize:          4,
			AcquireTimeout:    Duration(5 * time.Second),
			RetryInterval:     Duration(30 * time.Second),
			ImmutableIDSource: ImmutableIDObjectGUID,
			GroupLookup:       GroupLookupTokenGroups,
			MaxGroups:         1024,
		},
		MFA: MFA{
			MaxFailures:     5,
			LockoutDuration: Duration(5 * time.Minute),
		},
		ExtranetLockout: ExtranetLockout{
			Mode:              LockoutEnforce,
			Intranet:          LockoutIntranetSkip,
			Threshold:         4,
			FamiliarThreshold: 4,
			ObservationWindow: Duration(30 * time.Minute),
		},
		Session: Session{
			Lifetime:   Duration(8 * time.Hour),
			CookieName: "fedgate_session",
		},
		Store: Store{
			Driver: DriverSQLite,
			Path:   "/var/lib/fedgate/fedgate.db",
		},
		RelyingParties: RelyingParties{
			Office365: Office365{
				Enabled:       true,
				ReplyURLs:     []string{Office365ReplyURL},
				MFA:           MFAAlways,
				LegacyClients: LegacyDenyEnrolled,
			},
		},
		ProxyTrust: ProxyTrust{
			CertLifetime:       Duration(30 * day),
			TokenLifetime:      Duration(time.Hour),
			RevocationCacheTTL: Duration(30 * time.Second),
		},
		Log: Log{
			Level:  LevelInfo,
			Format: FormatJSON,
		},
	}
}

// IssuerURI returns federation.identifier, or the AD FS default
// "http://<name>/adfs/services/trust" when it is empty.
func (c Config) IssuerURI() string {
	if c.Federation.Identifier != "" {
		return c.Federation.Identifier
	}
	return "http://" + c.Federation.Name + "/adfs/services/trust"
}

// PublicURL returns federation.public_url without a trailing slash, or
// "https://<name>" when it is empty.
func (c Config) PublicURL() string {
	if c.Federation.PublicURL != "" {
		return strings.TrimSuffix(c.Federation.PublicURL, "/")
	}
	return "https://" + c.Federation.Name
}

// DisplayName returns federation.display_name, or federation.name when it
// is empty.
func (c Config) DisplayName() string {
	if c.Federation.DisplayName != "" {
		return c.Federation.DisplayName
	}
	return c.Federation.Name
}

// MFAIssuer returns mfa.issuer, or the display name when it is empty.
func (c Config) MFAIssuer() string {
	if c.MFA.Issuer != "" {
		return c.MFA.Issuer
	}
	return c.DisplayName()
}
