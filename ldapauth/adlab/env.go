package adlab

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/fedgate/fedgate/ldapauth"
)

// Limits of the env file parser.
const (
	// MaxEnvSize is the largest env file accepted; the lab writes about 1 KiB.
	MaxEnvSize = 64 << 10
	// MaxLineLen is the longest line accepted.
	MaxLineLen = 4 << 10
	// MaxKeys is the most keys one file may set.
	MaxKeys = 256
	// maxCASize bounds the CA file read by Load.
	maxCASize = 1 << 20
)

// ParseEnv reads KEY='value' lines as deploy/samba-ad-lab.sh writes them:
// blank lines and # comments are ignored, an "export " prefix is allowed,
// keys are [A-Z_][A-Z0-9_]*, values are single-quoted (no escapes, no
// single quote inside) or bare words without whitespace, quotes, $, `
// or \. Duplicate keys, over-long input and anything else are errors that
// name the line.
func ParseEnv(data []byte) (map[string]string, error) {
	if len(data) > MaxEnvSize {
		return nil, fmt.Errorf("adlab: env file has %d bytes, more than %d", len(data), MaxEnvSize)
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 512), MaxLineLen)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		key, raw, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("adlab: env line %d: want KEY='value'", n)
		}
		if !isKey(key) {
			return nil, fmt.Errorf("adlab: env line %d: key %q must match [A-Z_][A-Z0-9_]*", n, key)
		}
		value, err := parseValue(raw)
		if err != nil {
			return nil, fmt.Errorf("adlab: env line %d (%s): %w", n, key, err)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("adlab: env line %d: %s is set twice", n, key)
		}
		if len(out) == MaxKeys {
			return nil, fmt.Errorf("adlab: env line %d: more than %d keys", n, MaxKeys)
		}
		out[key] = value
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("adlab: env file: %w (lines are limited to %d bytes)", err, MaxLineLen)
	}
	return out, nil
}

func isKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || c == '_' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func parseValue(raw string) (string, error) {
	if strings.HasPrefix(raw, "'") {
		v, rest, ok := strings.Cut(raw[1:], "'")
		if !ok {
			return "", errors.New("unterminated single quote")
		}
		if rest != "" {
			return "", errors.New("text after the closing quote")
		}
		return v, nil
	}
	if strings.ContainsAny(raw, " \t\"'$`\\") {
		return "", errors.New(`bare values may not contain whitespace, quotes, $, ` + "`" + ` or \; single-quote the value`)
	}
	return raw, nil
}

// Env is the Samba AD lab described by an env file.
type Env struct {
	// LDAPSURL and StartTLSURL are the DC's LDAPS and StartTLS URLs.
	LDAPSURL, StartTLSURL string
	// CAFile is the lab CA's PEM file; RootCAs holds it.
	CAFile  string
	RootCAs *x509.CertPool
	// BaseDN is the domain's naming context; Domain its NetBIOS name;
	// UPNSuffix the suffix of every lab user's UPN.
	BaseDN, Domain, UPNSuffix string
	// BindDN and BindPassword are the service account.
	BindDN, BindPassword string
	// AdminDN and AdminPassword are the domain administrator, used only
	// to reset lab state (unlocking accounts).
	AdminDN, AdminPassword string
	// LockoutThreshold is the domain's bad-password lockout threshold.
	LockoutThreshold int

	passwords map[string]string // by lower-case sAMAccountName
}

// Load reads and checks the env file at path and the CA file it names.
func Load(path string) (*Env, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("adlab: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxEnvSize+1))
	if err != nil {
		return nil, fmt.Errorf("adlab: read %s: %w", path, err)
	}
	vars, err := ParseEnv(data)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return fromVars(vars)
}

// fromVars builds an Env, reporting every missing or bad key at once.
func fromVars(v map[string]string) (*Env, error) {
	var errs []error
	get := func(key string) string {
		s := v["FEDGATE_AD_"+key]
		if s == "" {
			errs = append(errs, fmt.Errorf("adlab: FEDGATE_AD_%s is missing", key))
		}
		return s
	}
	e := &Env{
		LDAPSURL: get("LDAPS_URL"), StartTLSURL: get("STARTTLS_URL"), CAFile: get("CA_FILE"),
		BaseDN: get("BASE_DN"), Domain: get("DOMAIN"), UPNSuffix: get("UPN_SUFFIX"),
		BindDN: get("BIND_DN"), BindPassword: get("BIND_PASSWORD"),
		AdminDN: get("ADMIN_DN"), AdminPassword: get("ADMIN_PASSWORD"),
		passwords: map[string]string{},
	}
	if s := get("LOCKOUT_THRESHOLD"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			errs = append(errs, fmt.Errorf("adlab: FEDGATE_AD_LOCKOUT_THRESHOLD %q: want 1-1000", s))
		}
		e.LockoutThreshold = n
	}
	for k, val := range v {
		if user, ok := strings.CutPrefix(k, "FEDGATE_AD_PASSWORD_"); ok && user != "" {
			e.passwords[strings.ToLower(user)] = val
		}
	}
	for _, u := range []struct{ name, scheme string }{{e.LDAPSURL, "ldaps"}, {e.StartTLSURL, "ldap"}} {
		if p, err := url.Parse(u.name); u.name != "" && (err != nil || p.Scheme != u.scheme || p.Host == "") {
			errs = append(errs, fmt.Errorf("adlab: %q is not an %s:// URL", u.name, u.scheme))
		}
	}
	if e.CAFile != "" {
		pool, err := readCA(e.CAFile)
		if err != nil {
			errs = append(errs, err)
		}
		e.RootCAs = pool
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return e, nil
}

func readCA(path string) (*x509.CertPool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("adlab: CA file: %w", err)
	}
	defer f.Close()
	pem, err := io.ReadAll(io.LimitReader(f, maxCASize+1))
	if err != nil {
		return nil, fmt.Errorf("adlab: CA file %s: %w", path, err)
	}
	if len(pem) > maxCASize {
		return nil, fmt.Errorf("adlab: CA file %s is larger than %d bytes", path, maxCASize)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("adlab: CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// LogValue logs e without any password.
func (e *Env) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("ldaps_url", e.LDAPSURL),
		slog.String("starttls_url", e.StartTLSURL),
		slog.String("ca_file", e.CAFile),
		slog.String("base_dn", e.BaseDN),
		slog.String("bind_dn", e.BindDN),
		slog.String("bind_password", "[redacted]"),
		slog.String("admin_dn", e.AdminDN),
		slog.String("admin_password", "[redacted]"),
	)
}

// Password returns the lab password of sAMAccountName user ("" when the
// env file has none).
func (e *Env) Password(user string) string { return e.passwords[strings.ToLower(user)] }

// Config returns an ldapauth.Config for the lab over LDAPS: URL, pinned
// CA, service account and base DN; other fields at their defaults.
func (e *Env) Config() ldapauth.Config {
	return ldapauth.Config{
		URLs:         []string{e.LDAPSURL},
		RootCAs:      e.RootCAs,
		BindDN:       e.BindDN,
		BindPassword: e.BindPassword,
		BaseDN:       e.BaseDN,
	}
}

// TLSConfig is a client TLS configuration trusting only the lab CA, for
// raw go-ldap connections to the lab's host.
func (e *Env) TLSConfig() *tls.Config {
	host := "127.0.0.1"
	if u, err := url.Parse(e.LDAPSURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return &tls.Config{RootCAs: e.RootCAs, ServerName: host, MinVersion: tls.VersionTLS12}
}
