package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/store"
)

// metadataSummary is what `rp show` prints instead of the SP metadata XML.
type metadataSummary struct {
	EntityID              string        `yaml:"entity_id"`
	ACS                   []acsSummary  `yaml:"assertion_consumer_services"`
	RequireSignedRequests bool          `yaml:"require_signed_requests"`
	NameIDFormat          string        `yaml:"nameid_format,omitempty"`
	SigningCertificates   []certSummary `yaml:"signing_certificates,omitempty"`
	EncryptionCertificate *certSummary  `yaml:"encryption_certificate,omitempty"`
	Encryption            string        `yaml:"encryption,omitempty"`
	Document              *docSummary   `yaml:"document,omitempty"`
	Error                 string        `yaml:"error,omitempty"`
}

type acsSummary struct {
	Location string `yaml:"location"`
	Index    int    `yaml:"index"`
	Default  bool   `yaml:"default,omitempty"`
}

type certSummary struct {
	Subject  string `yaml:"subject"`
	Issuer   string `yaml:"issuer"`
	SHA256   string `yaml:"sha256_fingerprint"`
	NotAfter string `yaml:"not_after"`
	Expired  bool   `yaml:"expired,omitempty"`
}

type docSummary struct {
	Bytes  int    `yaml:"bytes"`
	SHA256 string `yaml:"sha256"`
	Note   string `yaml:"note"`
}

// summariseSP describes sp; doc, when not nil, is the XML it came from.
func summariseSP(sp *samlp.ServiceProvider, doc []byte, now time.Time) metadataSummary {
	s := metadataSummary{
		EntityID: sp.EntityID, RequireSignedRequests: sp.RequireSignedRequests, NameIDFormat: sp.NameIDFormat,
	}
	def := defaultACS(sp.ACS)
	for i, e := range sp.ACS {
		s.ACS = append(s.ACS, acsSummary{Location: e.Location, Index: e.Index, Default: i == def})
	}
	for _, c := range sp.SigningCerts {
		s.SigningCertificates = append(s.SigningCertificates, summariseCert(c, now))
	}
	if sp.EncryptionCert != nil {
		c := summariseCert(sp.EncryptionCert, now)
		s.EncryptionCertificate = &c
		s.Encryption = string(sp.Encryption)
		if s.Encryption == "" {
			s.Encryption = string(samlp.AES256GCM)
		}
	}
	if doc != nil {
		sum := sha256.Sum256(doc)
		s.Document = &docSummary{Bytes: len(doc), SHA256: hex.EncodeToString(sum[:]), Note: "raw XML omitted; fedgate rp show --full prints it"}
	}
	return s
}

// defaultACS is the index in acs of the endpoint used when a request names
// none: the first IsDefault, else the first.
func defaultACS(acs []samlp.Endpoint) int {
	for i, e := range acs {
		if e.IsDefault {
			return i
		}
	}
	return 0
}

func summariseCert(c *x509.Certificate, now time.Time) certSummary {
	sum := sha256.Sum256(c.Raw)
	return certSummary{
		Subject: c.Subject.String(), Issuer: c.Issuer.String(), SHA256: colonHex(sum[:]),
		NotAfter: c.NotAfter.UTC().Format(time.RFC3339), Expired: now.After(c.NotAfter),
	}
}

// colonHex formats a fingerprint the way certificate tools print it.
func colonHex(b []byte) string {
	parts := make([]string, len(b))
	for i, v := range b {
		parts[i] = fmt.Sprintf("%02X", v)
	}
	return strings.Join(parts, ":")
}

// showStored writes a stored definition as YAML with its metadata replaced
// by a summary, unless full.
func showStored(w io.Writer, rec store.RelyingPartyRecord, full bool, now time.Time) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(rec.Definition, &doc); err != nil {
		return fmt.Errorf("stored definition of %q is not YAML: %w", rec.Name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("stored definition of %q is not a YAML mapping", rec.Name)
	}
	m := doc.Content[0]
	m.HeadComment = fmt.Sprintf("source: store (fedgate rp add); updated %s", rec.UpdatedAt.UTC().Format(time.RFC3339))
	if !full {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value != "metadata" {
				continue
			}
			var sum metadataSummary
			sp, err := samlp.ParseSPMetadata([]byte(m.Content[i+1].Value))
			if err != nil {
				sum = metadataSummary{Error: err.Error()}
			} else {
				sum = summariseSP(sp, []byte(m.Content[i+1].Value), now)
			}
			var n yaml.Node
			if err := n.Encode(sum); err != nil {
				return fmt.Errorf("summarise metadata: %w", err)
			}
			m.Content[i].LineComment = "summary of the stored SAML metadata"
			m.Content[i+1] = &n
		}
	}
	return encodeYAML(w, &doc)
}

// partyView is how `rp show` prints a party defined in fedgate.yaml.
type partyView struct {
	Name        string   `yaml:"name"`
	Protocol    string   `yaml:"protocol"`
	Identifiers []string `yaml:"identifiers"`
	ReplyURLs   []string `yaml:"reply_urls"`
	MFA         string   `yaml:"mfa"`
	// Fresh and Lifetime are shown only when set.
	Fresh    bool             `yaml:"require_fresh_auth,omitempty"`
	Lifetime string           `yaml:"token_lifetime,omitempty"`
	Claims   []claims.Rule    `yaml:"claims,omitempty"`
	Access   claims.Access    `yaml:"access,omitempty"`
	Metadata *metadataSummary `yaml:"metadata,omitempty"`
}

// showConfigured writes a party from the configuration file.
func showConfigured(w io.Writer, p *rp.Party, now time.Time) error {
	v := partyView{
		Name: p.Name, Protocol: string(p.Protocol), Identifiers: p.Identifiers, ReplyURLs: p.ReplyURLs, MFA: string(p.MFA),
		Fresh: p.RequireFreshAuth, Claims: p.Claims, Access: p.Access,
	}
	if p.TokenLifetime > 0 {
		v.Lifetime = rp.Duration(p.TokenLifetime).String()
	}
	if p.SAML != nil {
		sum := summariseSP(p.SAML, nil, now)
		v.Metadata = &sum
	}
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		return fmt.Errorf("show %q: %w", p.Name, err)
	}
	n.HeadComment = "source: fedgate.yaml (change it there; fedgate rp remove does not apply)"
	return encodeYAML(w, &n)
}

func encodeYAML(w io.Writer, n *yaml.Node) error {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return fmt.Errorf("encode YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("encode YAML: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
