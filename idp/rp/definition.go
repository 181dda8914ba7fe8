package rp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
)

// Limits of a Definition.
const (
	// MaxDefinitionBytes bounds one YAML definition (ParseDefinition):
	// the inline SP metadata (at most samlp.MaxMetadataBytes) plus
	// settings and claim rules.
	MaxDefinitionBytes = samlp.MaxMetadataBytes + 64<<10
	// MaxNameBytes bounds Definition.Name.
	MaxNameBytes = 128
	// MaxIdentifiers and MaxReplyURLs bound a WS-Fed party's lists.
	MaxIdentifiers = 16
	MaxReplyURLs   = 16
	// MinTokenLifetime is the shortest token_lifetime accepted.
	MinTokenLifetime = 5 * time.Minute
	maxIdentifierLen = 1024
	maxURLLen        = 2048
)

// Values of the Definition settings.
const (
	NameIDFormatPersistent  = "persistent"
	NameIDFormatEmail       = "email"
	NameIDFormatUnspecified = "unspecified"
	// NameIDFormatTransient is SAML 2.0 only: a random NameID per session
	// and SP (samlp.NewTransientNameID).
	NameIDFormatTransient = "transient"
)

// nameIDFormats maps Definition.NameIDFormat to the format URIs.
var nameIDFormats = map[string]string{
	NameIDFormatPersistent:  samlp.NameIDFormatPersistent,
	NameIDFormatEmail:       samlp.NameIDFormatEmailAddress,
	NameIDFormatUnspecified: samlp.NameIDFormatUnspecified,
	NameIDFormatTransient:   samlp.NameIDFormatTransient,
}

// Definition is a relying-party trust as an administrator writes it: an
// item of relying_parties.wsfed or relying_parties.saml in fedgate.yaml,
// or what `fedgate rp add` stores (YAML, metadata inlined). Validate
// checks it without I/O; Party builds the trust. Every optional field's
// zero value is its default, and YAML omits it.
type Definition struct {
	// Name is the display name on the sign-in page, in logs and in the
	// audit trail. Required, unique, plain text of at most 128 bytes.
	Name string `yaml:"name"`
	// Protocol is "wsfed" or "saml2". Implied by the configuration list
	// the definition is in; required in the store.
	Protocol string `yaml:"protocol,omitempty"`
	// Identifiers are a WS-Fed party's realms (wtrealm values), matched
	// exactly. Required for WS-Fed (1 to 16); SAML parties take their
	// entity ID from the metadata and must leave it empty.
	Identifiers []string `yaml:"identifiers,omitempty"`
	// ReplyURLs are a WS-Fed party's reply URLs: the only places its
	// tokens are ever posted to; https (http only for loopback). Required
	// for WS-Fed (1 to 16); SAML parties use the metadata's assertion
	// consumer services and must leave it empty.
	ReplyURLs []string `yaml:"reply_urls,omitempty"`
	// MetadataFile is a SAML party's SP metadata file, read when the
	// trust is built. Exactly one of MetadataFile and Metadata for SAML.
	// Only metadata obtained from the SP over a trusted channel belongs
	// here: it decides where responses are posted.
	MetadataFile string `yaml:"metadata_file,omitempty"`
	// Metadata is the SP metadata XML itself (what the store keeps).
	Metadata string `yaml:"metadata,omitempty"`
	// MetadataURL is where Metadata was fetched from. Informational only:
	// nothing is ever fetched from it when the trust is built.
	MetadataURL string `yaml:"metadata_url,omitempty"`
	// MFA is "always" (default), "extranet_only" or "never".
	MFA string `yaml:"mfa,omitempty"`

	// SignatureAlgorithm signs the party's tokens: "rsa-sha256"
	// (default) or "rsa-sha1" (weak; only for a party that cannot verify
	// SHA-256).
	SignatureAlgorithm string `yaml:"signature_algorithm,omitempty"`
	// EncryptAssertions encrypts SAML assertions to the metadata's
	// encryption certificate. Default: on when the metadata has one;
	// false turns it off; true without such a certificate is an error.
	// SAML only.
	EncryptAssertions *bool `yaml:"encrypt_assertions,omitempty"`
	// Encryption is the block cipher of encrypted assertions: "aes256-gcm"
	// or "aes128-cbc". Default: what the metadata's EncryptionMethod list
	// allows, preferring AES-256-GCM. SAML only.
	Encryption string `yaml:"encryption,omitempty"`
	// RequireSignedRequests refuses unsigned AuthnRequests, verified with
	// the metadata's signing certificates (which must exist). Default
	// false: the metadata's AuthnRequestsSigned decides. It can only
	// tighten, never loosen, what the metadata asks for. SAML only.
	RequireSignedRequests bool `yaml:"require_signed_requests,omitempty"`
	// SignResponse signs the SAML Response as well as the assertion.
	// Default true; false signs only the assertion. SAML only.
	SignResponse *bool `yaml:"sign_response,omitempty"`
	// NameIDFormat is "persistent", "email", "unspecified" or (SAML
	// only) "transient". Default: SAML, the metadata's first
	// NameIDFormat, else persistent; WS-Fed, unspecified. A SAML SP may
	// ask for transient in its AuthnRequest and gets a random NameID per
	// session unless this is set: an explicit value is the only format
	// the SP receives, and a request for another one is answered
	// InvalidNameIDPolicy (samlp.ServiceProvider.StrictNameIDFormat).
	NameIDFormat string `yaml:"nameid_format,omitempty"`
	// NameIDSource is what the NameID holds: "immutable_id" (default; the
	// Office 365 source anchor, stable across renames), "upn", "mail",
	// "samaccountname" or "objectguid". With nameid_format email the
	// default is upn. Not allowed with nameid_format transient, whose
	// NameID holds no directory value.
	NameIDSource string `yaml:"nameid_source,omitempty"`
	// TokenLifetime is how long the party's tokens are valid. Default:
	// token_signing.token_lifetime (WS-Fed) or one hour (SAML); 5m to 24h.
	TokenLifetime Duration `yaml:"token_lifetime,omitempty"`
	// RequireFreshAuth makes every sign-in ask for the password instead of
	// using the single sign-on session. Default false.
	RequireFreshAuth bool `yaml:"require_fresh_auth,omitempty"`
	// Claims are the claim rules, in order (see package claims). Default:
	// UPN, name (display name) and e-mail address.
	Claims []claims.Rule `yaml:"claims,omitempty"`
	// Access says who may sign in (group-based issuance authorization).
	// Default: everyone who authenticates.
	Access claims.Access `yaml:"access,omitempty"`
}

// ParseDefinition strictly decodes one YAML Definition: at most
// MaxDefinitionBytes, one document, unknown keys and ill-typed values
// refused with their line. It does not validate; call Validate or Party.
func ParseDefinition(doc []byte) (*Definition, error) {
	if len(doc) > MaxDefinitionBytes {
		return nil, fmt.Errorf("rp: definition is %d bytes; the limit is %d", len(doc), MaxDefinitionBytes)
	}
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	dec.KnownFields(true)
	var d Definition
	if err := dec.Decode(&d); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("rp: definition is empty")
		}
		return nil, fmt.Errorf("rp: definition: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("rp: definition holds more than one YAML document")
	}
	return &d, nil
}

// Validate reports every problem with d that needs no I/O, joined with
// errors.Join; each is a *FieldError naming the YAML key. attributes are
// the extra directory attributes claim rules may use besides the
// built-ins (ldapauth.Config.ExtraAttributes). The content of
// metadata_file and metadata is checked by Party.
func (d *Definition) Validate(attributes []string) error {
	v := &fieldErrs{}
	v.checkName(d.Name)
	v.checkOneOf("mfa", d.MFA, true, string(MFAAlways), string(MFAExtranetOnly), string(MFANever))
	v.checkOneOf("signature_algorithm", d.SignatureAlgorithm, true, string(token.RSASHA256), string(token.RSASHA1))
	v.checkOneOf("nameid_format", d.NameIDFormat, true, NameIDFormatPersistent, NameIDFormatEmail, NameIDFormatUnspecified, NameIDFormatTransient)
	if d.NameIDFormat == NameIDFormatTransient && Protocol(d.Protocol) == WSFed {
		v.add("nameid_format", errors.New("transient is a SAML 2.0 format; use persistent, email or unspecified for a WS-Federation party"))
	}
	if d.NameIDSource != "" {
		if _, err := ParseNameIDSource(d.NameIDSource); err != nil {
			v.add("nameid_source", err)
		} else if d.NameIDFormat == NameIDFormatTransient {
			v.add("nameid_source", errors.New("has no effect with nameid_format transient, whose NameID is random per session; remove it"))
		}
	}
	if lt := d.TokenLifetime.Std(); lt != 0 && (lt < MinTokenLifetime || lt > token.MaxLifetime) {
		v.add("token_lifetime", fmt.Errorf("%s is out of range; use %s to %s, or leave it out for the default", d.TokenLifetime, Duration(MinTokenLifetime), Duration(token.MaxLifetime)))
	}
	switch Protocol(d.Protocol) {
	case WSFed:
		d.validateWSFed(v)
	case SAML2:
		d.validateSAML(v)
	case "":
		v.add("protocol", fmt.Errorf("is required; use %q or %q", WSFed, SAML2))
	default:
		v.add("protocol", fmt.Errorf("%q is not supported; use %q or %q", d.Protocol, WSFed, SAML2))
	}
	claimsOnly := Party{Protocol: Protocol(d.Protocol), Identifiers: d.Identifiers, Claims: d.Claims, Access: d.Access}
	v.join(claimsOnly.ValidateClaims(attributes))
	return errors.Join(v.errs...)
}

func (d *Definition) validateWSFed(v *fieldErrs) {
	v.checkList("identifiers", d.Identifiers, MaxIdentifiers, "list the realms (wtrealm values) the application sends", func(s string) error {
		if s == "" || len(s) > maxIdentifierLen || s != strings.TrimSpace(s) || strings.ContainsFunc(s, unicode.IsControl) || !utf8.ValidString(s) {
			return fmt.Errorf("%q must be non-empty text of at most %d bytes without surrounding spaces or control characters", clipText(s, 64), maxIdentifierLen)
		}
		return nil
	})
	v.checkList("reply_urls", d.ReplyURLs, MaxReplyURLs, "list the URLs the application receives tokens at", func(s string) error {
		if len(s) > maxURLLen {
			return fmt.Errorf("is longer than %d bytes", maxURLLen)
		}
		return CheckReplyURL(s)
	})
	for _, f := range []struct {
		key string
		set bool
	}{
		{"metadata_file", d.MetadataFile != ""}, {"metadata", d.Metadata != ""}, {"metadata_url", d.MetadataURL != ""},
		{"encrypt_assertions", d.EncryptAssertions != nil}, {"encryption", d.Encryption != ""},
		{"require_signed_requests", d.RequireSignedRequests}, {"sign_response", d.SignResponse != nil},
	} {
		if f.set {
			v.add(f.key, errors.New("is a SAML 2.0 setting; remove it from this WS-Federation party"))
		}
	}
}

func (d *Definition) validateSAML(v *fieldErrs) {
	if len(d.Identifiers) > 0 {
		v.add("identifiers", errors.New("a SAML 2.0 party is known by the entity ID in its metadata; remove identifiers"))
	}
	if len(d.ReplyURLs) > 0 {
		v.add("reply_urls", errors.New("a SAML 2.0 party's reply URLs are the assertion consumer services in its metadata; remove reply_urls"))
	}
	switch {
	case d.MetadataFile != "" && d.Metadata != "":
		v.add("metadata", errors.New("is set together with metadata_file; set exactly one"))
	case d.MetadataFile == "" && d.Metadata == "":
		v.add("metadata_file", errors.New("is required; give the path of the service provider's SAML 2.0 metadata XML (or the XML itself as metadata)"))
	case len(d.Metadata) > samlp.MaxMetadataBytes:
		v.add("metadata", fmt.Errorf("is %d bytes; the limit is %d", len(d.Metadata), samlp.MaxMetadataBytes))
	}
	if d.MetadataFile != "" && (strings.ContainsFunc(d.MetadataFile, unicode.IsControl) || len(d.MetadataFile) > 4096) {
		v.add("metadata_file", errors.New("is not a usable file path"))
	}
	if d.MetadataURL != "" {
		u, err := url.Parse(d.MetadataURL)
		if err != nil || len(d.MetadataURL) > maxURLLen || u.Scheme != "https" || u.Host == "" || u.User != nil {
			v.add("metadata_url", errors.New("must be the https URL the metadata was fetched from (informational), without credentials"))
		}
	}
	v.checkOneOf("encryption", d.Encryption, true, string(samlp.AES256GCM), string(samlp.AES128CBC))
	if d.Encryption != "" && d.EncryptAssertions != nil && !*d.EncryptAssertions {
		v.add("encryption", errors.New("is set but encrypt_assertions is false; remove one of them"))
	}
}

// fieldErrs collects FieldErrors.
type fieldErrs struct{ errs []error }

func (v *fieldErrs) add(field string, err error) {
	v.errs = append(v.errs, &FieldError{Field: field, Err: err})
}

// join adds every error of a (nested) joined error, flattened.
func (v *fieldErrs) join(err error) {
	if err == nil {
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			v.join(e)
		}
		return
	}
	v.errs = append(v.errs, err)
}

func (v *fieldErrs) checkName(name string) {
	switch {
	case strings.TrimSpace(name) == "":
		v.add("name", errors.New("is required; name the application as users should see it"))
	case len(name) > MaxNameBytes:
		v.add("name", fmt.Errorf("is %d bytes long; the limit is %d", len(name), MaxNameBytes))
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl) || name != strings.TrimSpace(name):
		v.add("name", errors.New("must be plain text without control characters or surrounding spaces"))
	}
}

// checkOneOf reports a value outside allowed ("" allowed when optional).
func (v *fieldErrs) checkOneOf(field, value string, optional bool, allowed ...string) {
	if value == "" && optional {
		return
	}
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	v.add(field, fmt.Errorf("%q is not supported; use %s", clipText(value, 64), strings.Join(allowed, ", ")))
}

// checkList checks a required list of at most limit unique items.
func (v *fieldErrs) checkList(field string, list []string, limit int, hint string, check func(string) error) {
	switch {
	case len(list) == 0:
		v.add(field, fmt.Errorf("is required; %s", hint))
		return
	case len(list) > limit:
		v.add(field, fmt.Errorf("lists %d entries; the limit is %d", len(list), limit))
		return
	}
	seen := map[string]int{}
	for i, s := range list {
		f := field + "[" + strconv.Itoa(i) + "]"
		if err := check(s); err != nil {
			v.add(f, err)
			continue
		}
		if j, dup := seen[s]; dup {
			v.add(f, fmt.Errorf("repeats %s[%d]; list each once", field, j))
		}
		seen[s] = i
	}
}

// clipText shortens s for messages.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
