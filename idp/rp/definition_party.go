package rp

import (
	"errors"
	"fmt"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
)

// Env is what Definition.Party needs from its surroundings.
type Env struct {
	// ReadFile reads metadata_file. Required when a definition names
	// one; it should refuse files larger than samlp.MaxMetadataBytes
	// (Party checks the size again after reading). Default nil: a
	// definition with metadata_file fails.
	ReadFile func(name string) ([]byte, error)
	// Attributes are the extra directory attributes claim rules may use
	// besides the built-ins: exactly what the directory client reads
	// (ldapauth.Config.ExtraAttributes). Default none.
	Attributes []string
}

// Party validates d and builds the trust it describes. SAML parties read
// their metadata (inline, or metadata_file through env.ReadFile) with
// samlp.ParseSPMetadata and then apply the definition's overrides. Every
// error names the YAML key: definition problems are *FieldErrors joined
// with errors.Join; a metadata problem is "metadata_file: …" or
// "metadata: …"; the built trust is checked once more with
// Party.Validate.
func (d *Definition) Party(env Env) (Party, error) {
	if err := d.Validate(env.Attributes); err != nil {
		return Party{}, err
	}
	p := Party{
		Name: d.Name, Protocol: Protocol(d.Protocol), MFA: MFAAlways, RequireFreshAuth: d.RequireFreshAuth,
		TokenLifetime: d.TokenLifetime.Std(), NameIDSource: NameIDSource(d.NameIDSource),
		Claims: append([]claims.Rule(nil), d.Claims...),
		Access: claims.Access{
			PermitGroups: append([]string(nil), d.Access.PermitGroups...),
			DenyGroups:   append([]string(nil), d.Access.DenyGroups...),
		},
	}
	if d.MFA != "" {
		p.MFA = MFAPolicy(d.MFA)
	}
	switch p.Protocol {
	case WSFed:
		p.Identifiers = append([]string(nil), d.Identifiers...)
		p.ReplyURLs = append([]string(nil), d.ReplyURLs...)
		p.SignatureAlgorithm = token.SignatureAlgorithm(d.SignatureAlgorithm)
		if d.NameIDFormat != "" {
			p.NameIDFormat = nameIDFormats[d.NameIDFormat]
		}
	case SAML2:
		sp, err := d.serviceProvider(env)
		if err != nil {
			return Party{}, err
		}
		p.SAML = sp
		p.Identifiers = []string{sp.EntityID}
		p.ReplyURLs = acsLocations(sp)
	}
	if err := p.Validate(); err != nil {
		return Party{}, err
	}
	return p, nil
}

// serviceProvider reads and parses the SP metadata and applies the
// definition's SAML settings.
func (d *Definition) serviceProvider(env Env) (*samlp.ServiceProvider, error) {
	key, doc := "metadata", []byte(d.Metadata)
	if d.MetadataFile != "" {
		key = "metadata_file"
		if env.ReadFile == nil {
			return nil, &FieldError{Field: key, Err: errors.New("cannot be read here; inline the XML as metadata instead")}
		}
		var err error
		if doc, err = env.ReadFile(d.MetadataFile); err != nil {
			return nil, &FieldError{Field: key, Err: err}
		}
		if len(doc) > samlp.MaxMetadataBytes {
			return nil, &FieldError{Field: key, Err: fmt.Errorf("%s is %d bytes; the limit is %d", d.MetadataFile, len(doc), samlp.MaxMetadataBytes)}
		}
	}
	sp, err := samlp.ParseSPMetadata(doc)
	if err != nil {
		if d.MetadataFile != "" {
			err = fmt.Errorf("%s: %w", d.MetadataFile, err)
		}
		return nil, &FieldError{Field: key, Err: err}
	}
	if d.SignatureAlgorithm != "" {
		sp.SignatureAlgorithm = token.SignatureAlgorithm(d.SignatureAlgorithm)
	}
	if d.EncryptAssertions != nil {
		switch {
		case !*d.EncryptAssertions:
			sp.EncryptionCert = nil
		case sp.EncryptionCert == nil:
			return nil, &FieldError{Field: "encrypt_assertions", Err: errors.New("is true but the metadata has no encryption certificate")}
		}
	}
	if d.Encryption != "" {
		if sp.EncryptionCert == nil {
			return nil, &FieldError{Field: "encryption", Err: errors.New("is set but assertions are not encrypted (the metadata has no encryption certificate)")}
		}
		sp.Encryption = samlp.Encryption(d.Encryption)
	}
	if d.RequireSignedRequests {
		if len(sp.SigningCerts) == 0 {
			return nil, &FieldError{Field: "require_signed_requests", Err: errors.New("is true but the metadata has no signing certificate to verify requests with")}
		}
		sp.RequireSignedRequests = true
	}
	if d.SignResponse != nil {
		sp.SignResponse = *d.SignResponse
	}
	if d.NameIDFormat != "" {
		// An explicit format is the only one the SP receives.
		sp.NameIDFormat, sp.StrictNameIDFormat = nameIDFormats[d.NameIDFormat], true
	}
	if d.TokenLifetime != 0 {
		sp.AssertionLifetime = d.TokenLifetime.Std()
	}
	if err := sp.Validate(); err != nil {
		return nil, &FieldError{Field: key, Err: err}
	}
	return sp, nil
}
