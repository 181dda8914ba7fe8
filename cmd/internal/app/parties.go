package app

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/internal/boundedfile"
)

// ConfiguredParties returns the relying-party trusts of cfg the way Build
// registers them, in this order: the built-in Office 365 trust (when
// enabled, with its extra claims and access rules), relying_parties.wsfed,
// relying_parties.saml. SAML metadata files are read now (PartyEnv).
// Errors name the YAML path, such as
// "relying_parties.saml[1].metadata_file: …". cfg must be valid.
func ConfiguredParties(cfg config.Config) ([]rp.Party, error) {
	var parties []rp.Party
	if o := cfg.RelyingParties.Office365; o.Enabled {
		policy, err := rp.ParseMFAPolicy(o.MFA)
		if err != nil {
			return nil, fmt.Errorf("relying_parties.office365.mfa: %w", err)
		}
		p := rp.Office365(policy, o.ReplyURLs...)
		p.Claims, p.Access = o.Claims, o.Access
		parties = append(parties, p)
	}
	env := PartyEnv(cfg)
	var errs []error
	for _, list := range []struct {
		key   string
		proto rp.Protocol
		defs  []rp.Definition
	}{
		{"relying_parties.wsfed", rp.WSFed, cfg.RelyingParties.WSFed},
		{"relying_parties.saml", rp.SAML2, cfg.RelyingParties.SAML},
	} {
		for i, d := range list.defs {
			if d.Protocol == "" {
				d.Protocol = string(list.proto) // implied by the list
			}
			p, err := d.Party(env)
			if err != nil {
				errs = append(errs, withPath(list.key+"["+strconv.Itoa(i)+"]", err))
				continue
			}
			parties = append(parties, p)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return parties, nil
}

// PartyEnv is the rp.Env of cfg: metadata files read with the
// samlp.MaxMetadataBytes limit, and directory.claim_attributes as the
// attributes claim rules may use (exactly what the directory client
// reads).
func PartyEnv(cfg config.Config) rp.Env {
	return rp.Env{
		ReadFile:   func(name string) ([]byte, error) { return boundedfile.Read(name, samlp.MaxMetadataBytes) },
		Attributes: append([]string(nil), cfg.Directory.ClaimAttributes...),
	}
}

// withPath prefixes every problem in err (a joined error of
// rp.FieldErrors and others) with the YAML path of its definition.
func withPath(path string, err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, withPath(path, e))
		}
		return errors.Join(out...)
	}
	var fe *rp.FieldError
	if errors.As(err, &fe) {
		return fmt.Errorf("%s.%s: %w", path, fe.Field, fe.Err)
	}
	return fmt.Errorf("%s: %w", path, err)
}
