package app

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
)

// samlParties reads relying_parties.saml: each metadata file is parsed
// with samlp.ParseSPMetadata into an rp.SAML2 party. Errors name the YAML
// path of the entry.
func samlParties(list []config.SAMLParty) ([]rp.Party, error) {
	parties := make([]rp.Party, 0, len(list))
	for i, c := range list {
		path := "relying_parties.saml[" + strconv.Itoa(i) + "]"
		doc, err := readBounded(c.MetadataFile, samlp.MaxMetadataBytes)
		if err != nil {
			return nil, fmt.Errorf("%s.metadata_file: %w", path, err)
		}
		sp, err := samlp.ParseSPMetadata(doc)
		if err != nil {
			return nil, fmt.Errorf("%s.metadata_file: %s: %w", path, c.MetadataFile, err)
		}
		policy := rp.MFAAlways
		if c.MFA != "" {
			if policy, err = rp.ParseMFAPolicy(c.MFA); err != nil {
				return nil, fmt.Errorf("%s.mfa: %w", path, err)
			}
		}
		parties = append(parties, rp.SAMLParty(c.Name, sp, policy))
	}
	return parties, nil
}

// readBounded reads at most limit bytes of a file, refusing larger files.
func readBounded(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	return b, nil
}
