package demo

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/idp/samlp"
)

// maxSAMLPartyName is config.SAMLParty.Name's length limit in bytes.
const maxSAMLPartyName = 128

// samlSP is one --saml-metadata service provider as the generated config
// registers it.
type samlSP struct {
	EntityID string
	Party    samlPartyYAML
}

// samlPartyYAML is the relying_parties.saml entry the demo writes: the
// keys of config.SAMLParty it sets, and no others, so the rendered entry
// stays this small whatever else the schema offers.
type samlPartyYAML struct {
	Name         string `yaml:"name"`
	MetadataFile string `yaml:"metadata_file"`
	MFA          string `yaml:"mfa"`
}

// readSAMLMetadata reads each --saml-metadata file and turns it into a
// relying_parties.saml entry named after its entity ID, under mfaPolicy.
// Each file is parsed with samlp.ParseSPMetadata here, the way `serve`
// parses it later, so a bad file is reported with the flag that named it.
// Two files with one entity ID, or a file claiming Microsoft Online's
// entity ID (the demo's Office 365 trust, in either protocol), are refused.
func readSAMLMetadata(files []string, mfaPolicy string) ([]samlSP, error) {
	if len(files) > config.MaxSAMLParties-1 {
		return nil, fmt.Errorf("demo: --saml-metadata given %d times; at most %d", len(files), config.MaxSAMLParties-1)
	}
	seen := map[string]string{samlp.EntraEntityID: "the demo's Microsoft Online trust"}
	sps := make([]samlSP, 0, len(files))
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, fmt.Errorf("demo: --saml-metadata %s: %w", f, err)
		}
		doc, err := readLimited(abs, samlp.MaxMetadataBytes)
		if err != nil {
			return nil, fmt.Errorf("demo: --saml-metadata %s: %w", f, err)
		}
		sp, err := samlp.ParseSPMetadata(doc)
		if err != nil {
			return nil, fmt.Errorf("demo: --saml-metadata %s: %w", f, err)
		}
		if other, dup := seen[sp.EntityID]; dup {
			return nil, fmt.Errorf("demo: --saml-metadata %s: entity ID %q is already registered by %s; give each service provider its own entity ID", f, sp.EntityID, other)
		}
		seen[sp.EntityID] = f
		sps = append(sps, samlSP{
			EntityID: sp.EntityID,
			Party:    samlPartyYAML{Name: partyName(sp.EntityID), MetadataFile: abs, MFA: mfaPolicy},
		})
	}
	return sps, nil
}

// partyName is the relying-party name for an entity ID: the entity ID
// itself, with any control character (ParseSPMetadata refuses only the C0
// ones) replaced by U+FFFD and shortened with "…" to fit
// config.SAMLParty.Name's limit.
func partyName(entityID string) string {
	entityID = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return utf8.RuneError
		}
		return r
	}, entityID)
	if len(entityID) <= maxSAMLPartyName {
		return entityID
	}
	const ellipsis = "…"
	cut := maxSAMLPartyName - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(entityID[cut]) {
		cut--
	}
	return entityID[:cut] + ellipsis
}

// readLimited reads a regular file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return b, nil
}

// samlPartiesYAML renders parties as list items indented for
// relying_parties.saml.
func samlPartiesYAML(sps []samlSP) (string, error) {
	if len(sps) == 0 {
		return "", nil
	}
	parties := make([]samlPartyYAML, len(sps))
	for i, sp := range sps {
		parties[i] = sp.Party
	}
	out, err := yaml.Marshal(parties)
	if err != nil {
		return "", fmt.Errorf("demo: render relying_parties.saml: %w", err)
	}
	var b strings.Builder
	b.WriteString("    # Registered with --saml-metadata (named by entity ID).\n")
	for line := range strings.Lines(string(out)) {
		b.WriteString("    " + line)
	}
	return b.String(), nil
}
