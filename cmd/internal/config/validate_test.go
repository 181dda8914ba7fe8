package config_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/cmd/internal/config"
)

const (
	testSealKey    = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
	testSessionKey = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
)

// valid returns Default() with every required field set, which passes
// Validate.
func valid(t *testing.T) *config.Config {
	t.Helper()
	c := config.Default()
	c.Federation.Name = "sts.contoso.com"
	c.Listen.TLSCertFile = "/etc/fedgate/tls.crt"
	c.Listen.TLSKeyFile = "/etc/fedgate/tls.key"
	c.TokenSigning.CertFile = "/etc/fedgate/signing.crt"
	c.TokenSigning.KeyFile = "/etc/fedgate/signing.key"
	c.Directory.URLs = []string{"ldaps://dc1.corp.contoso.com:636", "ldaps://dc2.corp.contoso.com"}
	c.Directory.BindDN = "CN=svc-fedgate,OU=Service Accounts,DC=corp,DC=contoso,DC=com"
	c.Directory.BindPassword = "bind-password"
	c.Directory.BaseDN = "DC=corp,DC=contoso,DC=com"
	c.MFA.SealKey = testSealKey
	c.Session.Key = testSessionKey
	if err := c.Validate(); err != nil {
		t.Fatalf("valid() does not validate: %v", err)
	}
	return &c
}

// problemPaths returns the YAML paths named by err, in order.
func problemPaths(t *testing.T, err error) []string {
	t.Helper()
	var paths []string
	for _, p := range config.Problems(err) {
		paths = append(paths, p.Path)
	}
	return paths
}

func TestValidate_OneBadFieldReportsItsPath(t *testing.T) {
	d := func(s string) config.Duration {
		t.Helper()
		v, err := config.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name   string
		mutate func(c *config.Config)
		path   string
		want   string // substring of the message
	}{
		{"name required", func(c *config.Config) { c.Federation.Name = "" }, "federation.name", "is required"},
		{"name with scheme", func(c *config.Config) { c.Federation.Name = "https://sts.contoso.com" }, "federation.name", "is not a DNS name"},
		{"name with port", func(c *config.Config) { c.Federation.Name = "sts.contoso.com:443" }, "federation.name", "without scheme, port or path"},
		{"identifier relative", func(c *config.Config) { c.Federation.Identifier = "/adfs/services/trust" }, "federation.identifier", "not an absolute URI"},
		{"identifier with space", func(c *config.Config) { c.Federation.Identifier = "http://sts contoso/" }, "federation.identifier", "not an absolute URI"},
		{"display name control char", func(c *config.Config) { c.Federation.DisplayName = "Con\ntoso" }, "federation.display_name", "control characters"},
		{"public url http", func(c *config.Config) { c.Federation.PublicURL = "http://sts.contoso.com" }, "federation.public_url", `scheme "http" is not supported`},
		{"public url path", func(c *config.Config) { c.Federation.PublicURL = "https://sts.contoso.com/adfs" }, "federation.public_url", "has a path"},
		{"public url credentials", func(c *config.Config) { c.Federation.PublicURL = "https://u:p@sts.contoso.com" }, "federation.public_url", "holds credentials"},
		{"public url relative", func(c *config.Config) { c.Federation.PublicURL = "sts.contoso.com" }, "federation.public_url", "is not supported"},
		{"address not host:port", func(c *config.Config) { c.Listen.Address = "443" }, "listen.address", "is not host:port"},
		{"address bad port", func(c *config.Config) { c.Listen.Address = ":https" }, "listen.address", "is not a number"},
		{"address required", func(c *config.Config) { c.Listen.Address = "" }, "listen.address", "is required"},
		{"probe same as address", func(c *config.Config) { c.Listen.ProbeAddress = ":443" }, "listen.probe_address", "same as listen.address"},
		{"probe bad", func(c *config.Config) { c.Listen.ProbeAddress = "localhost" }, "listen.probe_address", "is not host:port"},
		{"tls cert required", func(c *config.Config) { c.Listen.TLSCertFile = "" }, "listen.tls_cert_file", "is required"},
		{"tls key required", func(c *config.Config) { c.Listen.TLSKeyFile = "" }, "listen.tls_key_file", "is required"},
		{"read header timeout zero", func(c *config.Config) { c.Listen.ReadHeaderTimeout = 0 }, "listen.read_header_timeout", "0s is out of range; use a duration from 1s to 5m"},
		{"read header above read", func(c *config.Config) { c.Listen.ReadHeaderTimeout = d("1m") }, "listen.read_header_timeout", "longer than listen.read_timeout"},
		{"read timeout too long", func(c *config.Config) { c.Listen.ReadTimeout = d("2h") }, "listen.read_timeout", "out of range"},
		{"write timeout zero", func(c *config.Config) { c.Listen.WriteTimeout = 0 }, "listen.write_timeout", "out of range"},
		{"idle timeout too long", func(c *config.Config) { c.Listen.IdleTimeout = d("1d") }, "listen.idle_timeout", "1d is out of range"},
		{"max header bytes small", func(c *config.Config) { c.Listen.MaxHeaderBytes = 10 }, "listen.max_header_bytes", "use 1024 to 1048576 bytes"},
		{"max body bytes negative", func(c *config.Config) { c.Listen.MaxBodyBytes = -1 }, "listen.max_body_bytes", "-1 is out of range"},
		{"signing cert required", func(c *config.Config) { c.TokenSigning.CertFile = "" }, "token_signing.cert_file", "is required"},
		{"signing key required", func(c *config.Config) { c.TokenSigning.KeyFile = "" }, "token_signing.key_file", "is required"},
		{"next cert same as cert", func(c *config.Config) { c.TokenSigning.NextCertFile = c.TokenSigning.CertFile }, "token_signing.next_cert_file", "same file"},
		{"algorithm unknown", func(c *config.Config) { c.TokenSigning.Algorithm = "rsa-md5" }, "token_signing.algorithm", `"rsa-md5" is not supported; use rsa-sha256 or rsa-sha1`},
		{"token lifetime short", func(c *config.Config) { c.TokenSigning.TokenLifetime = d("1m") }, "token_signing.token_lifetime", "use a duration from 5m to 1d"},
		{"token lifetime long", func(c *config.Config) { c.TokenSigning.TokenLifetime = d("25h") }, "token_signing.token_lifetime", "1d1h is out of range"},
		{"urls required", func(c *config.Config) { c.Directory.URLs = nil }, "directory.urls", "is required"},
		{"urls too many", func(c *config.Config) { c.Directory.URLs = slices.Repeat([]string{"ldaps://dc"}, 17) }, "directory.urls", "lists 17 servers"},
		{"url scheme", func(c *config.Config) { c.Directory.URLs[1] = "ldapx://dc2" }, "directory.urls[1]", `scheme "ldapx" is not supported; use ldaps:// or ldap:// with start_tls: true`},
		{"url plain ldap", func(c *config.Config) { c.Directory.URLs[0] = "ldap://dc1" }, "directory.urls[0]", "clear text"},
		{"url credentials", func(c *config.Config) { c.Directory.URLs[0] = "ldaps://admin:pw@dc1" }, "directory.urls[0]", "holds credentials"},
		{"url no host", func(c *config.Config) { c.Directory.URLs[0] = "ldaps://" }, "directory.urls[0]", "has no host"},
		{"url port", func(c *config.Config) { c.Directory.URLs[0] = "ldaps://dc1:0" }, "directory.urls[0]", "port"},
		{"url path", func(c *config.Config) { c.Directory.URLs[0] = "ldaps://dc1/DC=corp" }, "directory.urls[0]", "has a path"},
		{"url query", func(c *config.Config) { c.Directory.URLs[0] = "ldaps://dc1?x" }, "directory.urls[0]", "has a ?query"},
		{"url duplicate", func(c *config.Config) { c.Directory.URLs[1] = "LDAPS://DC1.corp.contoso.com:636" }, "directory.urls[1]", "repeats directory.urls[0]"},
		{"server name", func(c *config.Config) { c.Directory.ServerName = "dc 1" }, "directory.server_name", "not a host name"},
		{"bind dn required", func(c *config.Config) { c.Directory.BindDN = "" }, "directory.bind_dn", "is required"},
		{"bind dn not a dn", func(c *config.Config) { c.Directory.BindDN = "svc-fedgate" }, "directory.bind_dn", "not a distinguished name"},
		{"bind password missing", func(c *config.Config) { c.Directory.BindPassword = "" }, "directory.bind_password", "set bind_password or bind_password_file"},
		{"bind password both", func(c *config.Config) { c.Directory.BindPasswordFile = "/x" }, "directory.bind_password", "set exactly one of bind_password or bind_password_file"},
		{"base dn required", func(c *config.Config) { c.Directory.BaseDN = "" }, "directory.base_dn", "is required"},
		{"filter without placeholder", func(c *config.Config) { c.Directory.UserFilter = "(objectClass=user)" }, "directory.user_filter", "does not contain {username}"},
		{"filter unbalanced", func(c *config.Config) { c.Directory.UserFilter = "(&(uid={username})" }, "directory.user_filter", "balanced parentheses"},
		{"filter two filters", func(c *config.Config) { c.Directory.UserFilter = "(uid={username})(cn=x)" }, "directory.user_filter", "balanced parentheses"},
		{"filter bare", func(c *config.Config) { c.Directory.UserFilter = "uid={username}" }, "directory.user_filter", "balanced parentheses"},
		{"dial timeout", func(c *config.Config) { c.Directory.DialTimeout = d("2m") }, "directory.dial_timeout", "out of range"},
		{"timeout", func(c *config.Config) { c.Directory.Timeout = 0 }, "directory.timeout", "out of range"},
		{"pool size", func(c *config.Config) { c.Directory.PoolSize = 0 }, "directory.pool_size", "use 1 to 64 connections"},
		{"mfa issuer colon", func(c *config.Config) { c.MFA.Issuer = "Contoso:IT" }, "mfa.issuer", "without ':'"},
		{"mfa issuer from display name", func(c *config.Config) { c.Federation.DisplayName = "Contoso: IT" }, "mfa.issuer", "(from federation.display_name)"},
		{"mfa issuer too long", func(c *config.Config) { c.MFA.Issuer = strings.Repeat("x", 65) }, "mfa.issuer", "at most 64"},
		{"seal key missing", func(c *config.Config) { c.MFA.SealKey = "" }, "mfa.seal_key", "set seal_key or seal_key_file"},
		{"seal key short", func(c *config.Config) { c.MFA.SealKey = "AQEBAQ==" }, "mfa.seal_key", "is 4 bytes after base64 decoding; want exactly 32"},
		{"seal key not base64", func(c *config.Config) { c.MFA.SealKey = "not base64 at all!" }, "mfa.seal_key", "is not valid base64"},
		{"seal key both", func(c *config.Config) { c.MFA.SealKeyFile = "/x" }, "mfa.seal_key", "set exactly one"},
		{"max failures", func(c *config.Config) { c.MFA.MaxFailures = 0 }, "mfa.max_failures", "use 1 to 100 attempts"},
		{"lockout duration", func(c *config.Config) { c.MFA.LockoutDuration = d("30s") }, "mfa.lockout_duration", "from 1m to 1d"},
		{"lockout mode", func(c *config.Config) { c.ExtranetLockout.Mode = "strict" }, "extranet_lockout.mode", `"strict" is not supported; use enforce, log_only or off`},
		{"lockout threshold zero", func(c *config.Config) { c.ExtranetLockout.Threshold = 0 }, "extranet_lockout.threshold", "use 1 to 100 bad passwords"},
		{"lockout familiar threshold", func(c *config.Config) { c.ExtranetLockout.FamiliarThreshold = 101 }, "extranet_lockout.familiar_threshold", "101 is out of range"},
		{"lockout window short", func(c *config.Config) { c.ExtranetLockout.ObservationWindow = d("30s") }, "extranet_lockout.observation_window", "use a duration from 1m to 7d"},
		{"lockout window long", func(c *config.Config) { c.ExtranetLockout.ObservationWindow = d("8d") }, "extranet_lockout.observation_window", "8d is out of range"},
		{"session key missing", func(c *config.Config) { c.Session.Key = "" }, "session.key", "set key or key_file"},
		{"session key equals seal key", func(c *config.Config) { c.Session.Key = testSealKey }, "session.key", "same as mfa.seal_key"},
		{"session key both", func(c *config.Config) { c.Session.KeyFile = "/x" }, "session.key", "set exactly one of key or key_file"},
		{"session lifetime", func(c *config.Config) { c.Session.Lifetime = d("8d") }, "session.lifetime", "8d is out of range; use a duration from 1m to 7d"},
		{"cookie name", func(c *config.Config) { c.Session.CookieName = "fedgate session" }, "session.cookie_name", "not a valid cookie name"},
		{"cookie name required", func(c *config.Config) { c.Session.CookieName = "" }, "session.cookie_name", "is required"},
		{"driver", func(c *config.Config) { c.Store.Driver = "mysql" }, "store.driver", `"mysql" is not supported; use sqlite or postgres`},
		{"sqlite path", func(c *config.Config) { c.Store.Path = "" }, "store.path", "is required"},
		{"sqlite with dsn", func(c *config.Config) { c.Store.DSN = "postgres://x" }, "store.dsn", "only used with driver: postgres"},
		{"sqlite with dsn file", func(c *config.Config) { c.Store.DSNFile = "/x" }, "store.dsn_file", "only used with driver: postgres"},
		{"postgres without dsn", func(c *config.Config) { c.Store.Driver = config.DriverPostgres }, "store.dsn", "set dsn or dsn_file"},
		{"postgres with both", func(c *config.Config) {
			c.Store.Driver, c.Store.DSN, c.Store.DSNFile = config.DriverPostgres, "postgres://x", "/x"
		}, "store.dsn", "set exactly one"},
		{"reply urls empty", func(c *config.Config) { c.RelyingParties.Office365.ReplyURLs = nil }, "relying_parties.office365.reply_urls", "is empty"},
		{"alternate login id not an attribute", func(c *config.Config) { c.Directory.AlternateLoginID = "mail)(x" }, "directory.alternate_login_id", "is not an attribute name"},
		{"alternate login id with custom filter", func(c *config.Config) {
			c.Directory.AlternateLoginID = "mail"
			c.Directory.UserFilter = "(sAMAccountName={username})"
		}, "directory.alternate_login_id", "cannot be combined with a custom user_filter"},
		{"immutable id source unknown", func(c *config.Config) { c.Directory.ImmutableIDSource = "employeeID" }, "directory.immutable_id_source", "is not supported"},
		{"group lookup unknown", func(c *config.Config) { c.Directory.GroupLookup = "recursive" }, "directory.group_lookup", "is not supported"},
		{"max groups zero", func(c *config.Config) { c.Directory.MaxGroups = 0 }, "directory.max_groups", ""},
		{"retry interval too short", func(c *config.Config) { c.Directory.RetryInterval = config.Duration(time.Millisecond) }, "directory.retry_interval", ""},
		{"password change url http", func(c *config.Config) { c.Directory.PasswordChangeURL = "http://pw.contoso.com/" }, "directory.password_change_url", "not supported"},
		{"legacy clients unknown", func(c *config.Config) { c.RelyingParties.Office365.LegacyClients = "allow_all" }, "relying_parties.office365.legacy_clients", `"allow_all" is not a policy`},
		{"reply url http", func(c *config.Config) {
			c.RelyingParties.Office365.ReplyURLs = []string{"http://login.microsoftonline.com/login.srf"}
		}, "relying_parties.office365.reply_urls[0]", `scheme "http" is not supported; use an https URL`},
		{"reply url fragment", func(c *config.Config) {
			c.RelyingParties.Office365.ReplyURLs = []string{config.Office365ReplyURL + "#x"}
		}, "relying_parties.office365.reply_urls[0]", "fragment"},
		{"reply url duplicate", func(c *config.Config) {
			c.RelyingParties.Office365.ReplyURLs = []string{config.Office365ReplyURL, config.Office365ReplyURL}
		}, "relying_parties.office365.reply_urls[1]", "repeats reply_urls[0]"},
		{"mfa policy unknown", func(c *config.Config) { c.RelyingParties.Office365.MFA = "sometimes" }, "relying_parties.office365.mfa", `"sometimes" is not supported; use always, extranet_only or never`},
		{"mfa policy empty", func(c *config.Config) { c.RelyingParties.Office365.MFA = "" }, "relying_parties.office365.mfa", "is not supported"},
		{"proxy trust key missing", func(c *config.Config) { c.ProxyTrust.CACertFile = "/etc/fedgate/proxy-trust-ca.crt" }, "proxy_trust.ca_key_file", "is required"},
		{"proxy trust cert missing", func(c *config.Config) { c.ProxyTrust.CAKeyFile = "/etc/fedgate/proxy-trust-ca.key" }, "proxy_trust.ca_cert_file", "set both"},
		{"proxy trust cert is key", func(c *config.Config) {
			c.ProxyTrust.CACertFile, c.ProxyTrust.CAKeyFile = "/etc/fedgate/ca.pem", "/etc/fedgate/ca.pem"
		}, "proxy_trust.ca_key_file", "separate files"},
		{"proxy trust CA is the TLS certificate", func(c *config.Config) {
			c.ProxyTrust.CACertFile, c.ProxyTrust.CAKeyFile = c.Listen.TLSCertFile, "/etc/fedgate/proxy-trust-ca.key"
		}, "proxy_trust.ca_cert_file", "same file as listen.tls_cert_file; use a dedicated proxy-trust CA"},
		{"proxy trust key is the signing key", func(c *config.Config) {
			c.ProxyTrust.CACertFile, c.ProxyTrust.CAKeyFile = "/etc/fedgate/proxy-trust-ca.crt", c.TokenSigning.KeyFile
		}, "proxy_trust.ca_key_file", "same file as token_signing.key_file"},
		{"proxy trust cert lifetime short", func(c *config.Config) { c.ProxyTrust.CertLifetime = d("30m") }, "proxy_trust.cert_lifetime", "use a duration from 1h to 365d"},
		{"proxy trust token lifetime long", func(c *config.Config) { c.ProxyTrust.TokenLifetime = d("8d") }, "proxy_trust.token_lifetime", "8d is out of range; use a duration from 1m to 7d"},
		{"proxy trust cache ttl long", func(c *config.Config) { c.ProxyTrust.RevocationCacheTTL = d("6m") }, "proxy_trust.revocation_cache_ttl", "use a duration from 0s to 5m"},
		{"log level", func(c *config.Config) { c.Log.Level = "trace" }, "log.level", `"trace" is not supported; use debug, info, warn or error`},
		{"log format", func(c *config.Config) { c.Log.Format = "xml" }, "log.format", "use json or text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid(t)
			tt.mutate(c)
			err := c.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			probs := config.Problems(err)
			if len(probs) != 1 {
				t.Fatalf("Validate() reported %d problems, want 1:\n%v", len(probs), err)
			}
			if probs[0].Path != tt.path {
				t.Errorf("path = %q, want %q (message %q)", probs[0].Path, tt.path, probs[0].Error())
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.path+": ") {
				t.Errorf("message %q does not start with %q", msg, tt.path+": ")
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not contain %q", msg, tt.want)
			}
		})
	}
}

func TestValidate_AcceptedVariants(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *config.Config)
	}{
		{"plain ldap with start_tls", func(c *config.Config) {
			c.Directory.URLs = []string{"ldap://dc1.corp.contoso.com:389"}
			c.Directory.StartTLS = true
		}},
		{"ldap by IP", func(c *config.Config) { c.Directory.URLs = []string{"ldaps://10.0.0.5", "ldaps://[2001:db8::5]:636"} }},
		{"urn identifier", func(c *config.Config) { c.Federation.Identifier = "urn:contoso:sts" }},
		{"public url with port and slash", func(c *config.Config) { c.Federation.PublicURL = "https://sts.contoso.com:8443/" }},
		{"probe disabled", func(c *config.Config) { c.Listen.ProbeAddress = "" }},
		{"office365 disabled without reply urls", func(c *config.Config) {
			c.RelyingParties.Office365.Enabled = false
			c.RelyingParties.Office365.ReplyURLs = nil
		}},
		{"postgres dsn", func(c *config.Config) {
			c.Store.Driver = config.DriverPostgres
			c.Store.DSN = "postgres://fedgate:pw@db/fedgate"
		}},
		{"secrets as files", func(c *config.Config) {
			c.Directory.BindPassword, c.Directory.BindPasswordFile = "", "/etc/fedgate/bind-password"
			c.MFA.SealKey, c.MFA.SealKeyFile = "", "/etc/fedgate/mfa.key"
			c.Session.Key, c.Session.KeyFile = "", "/etc/fedgate/session.key"
		}},
		{"url-safe key", func(c *config.Config) { c.Session.Key = "-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s" }},
		{"sha1", func(c *config.Config) { c.TokenSigning.Algorithm = config.AlgorithmRSASHA1 }},
		{"lockout log only", func(c *config.Config) { c.ExtranetLockout.Mode = config.LockoutLogOnly }},
		{"lockout off", func(c *config.Config) { c.ExtranetLockout.Mode = config.LockoutOff }},
		{"lockout bounds", func(c *config.Config) {
			c.ExtranetLockout.Threshold, c.ExtranetLockout.FamiliarThreshold = 1, 100
			c.ExtranetLockout.ObservationWindow = config.Duration(7 * 24 * time.Hour)
		}},
		{"mfa extranet only", func(c *config.Config) { c.RelyingParties.Office365.MFA = config.MFAExtranetOnly }},
		{"mfa never", func(c *config.Config) { c.RelyingParties.Office365.MFA = config.MFANever }},
		{"proxy trust on", func(c *config.Config) {
			c.ProxyTrust.CACertFile, c.ProxyTrust.CAKeyFile = "/etc/fedgate/proxy-trust-ca.crt", "/etc/fedgate/proxy-trust-ca.key"
		}},
		{"proxy trust bounds and no revocation cache", func(c *config.Config) {
			c.ProxyTrust.CertLifetime, c.ProxyTrust.TokenLifetime = config.Duration(time.Hour), config.Duration(7*24*time.Hour)
			c.ProxyTrust.RevocationCacheTTL = 0
		}},
		{"bounds", func(c *config.Config) {
			c.TokenSigning.TokenLifetime = config.Duration(5 * time.Minute)
			c.Session.Lifetime = config.Duration(7 * 24 * time.Hour)
			c.Listen.MaxHeaderBytes = 1024
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid(t)
			tt.mutate(c)
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestValidate_ReportsEveryProblem(t *testing.T) {
	c := valid(t)
	c.Directory.URLs[1] = "ldapx://dc2"
	c.Log.Level = "loud"
	c.Session.Lifetime = 0
	err := c.Validate()
	got := problemPaths(t, err)
	want := []string{"directory.urls[1]", "session.lifetime", "log.level"}
	if !slices.Equal(got, want) {
		t.Fatalf("problem paths = %q, want %q\n%v", got, want, err)
	}
	if n := strings.Count(err.Error(), "\n"); n != 2 {
		t.Errorf("message has %d newlines, want one problem per line:\n%v", n, err)
	}
}

func TestValidate_DefaultListsEveryRequiredSetting(t *testing.T) {
	c := config.Default()
	got := problemPaths(t, c.Validate())
	want := []string{
		"federation.name", "listen.tls_cert_file", "listen.tls_key_file",
		"token_signing.cert_file", "token_signing.key_file",
		"directory.urls", "directory.bind_dn", "directory.bind_password", "directory.base_dn",
		"mfa.seal_key", "session.key",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Default().Validate() paths =\n%q\nwant\n%q", got, want)
	}
}

func TestConfig_DerivedValues(t *testing.T) {
	c := valid(t)
	if got, want := c.IssuerURI(), "http://sts.contoso.com/adfs/services/trust"; got != want {
		t.Errorf("IssuerURI() = %q, want %q", got, want)
	}
	if got, want := c.PublicURL(), "https://sts.contoso.com"; got != want {
		t.Errorf("PublicURL() = %q, want %q", got, want)
	}
	if got, want := c.DisplayName(), "sts.contoso.com"; got != want {
		t.Errorf("DisplayName() = %q, want %q", got, want)
	}
	if got, want := c.MFAIssuer(), "sts.contoso.com"; got != want {
		t.Errorf("MFAIssuer() = %q, want %q", got, want)
	}
	c.Federation.Identifier = "urn:contoso"
	c.Federation.PublicURL = "https://login.contoso.com/"
	c.Federation.DisplayName = "Contoso"
	if got, want := c.IssuerURI(), "urn:contoso"; got != want {
		t.Errorf("IssuerURI() = %q, want %q", got, want)
	}
	if got, want := c.PublicURL(), "https://login.contoso.com"; got != want {
		t.Errorf("PublicURL() = %q, want %q", got, want)
	}
	if got, want := c.MFAIssuer(), "Contoso"; got != want {
		t.Errorf("MFAIssuer() = %q, want %q", got, want)
	}
}
