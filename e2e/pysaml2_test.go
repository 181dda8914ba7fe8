package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/e2e/e2etest"
	"github.com/fedgate/fedgate/idp/metadata"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
)

// The SAML 2.0 service provider in these tests is pysaml2 (Debian's
// python3-pysaml2 7.0), driven by e2e/pysaml2/validate.py under the system
// Python. It reads fedgate's real federation metadata (the AD FS shape,
// with the WS-Fed RoleDescriptor next to the IDPSSODescriptor), and fedgate
// reads pysaml2's own SP metadata and signed AuthnRequest.
const (
	pySAML2EntityID = "https://pysaml2-sp.example.test/metadata"
	pySAML2ACS      = "https://pysaml2-sp.example.test/acs"
	pySAML2Timeout  = 2 * time.Minute // one validate.py run, loaded 2-core machine
	// pySAML2Skew is pysaml2's accepted_time_diff in seconds: fedgate's
	// IdP here runs on the wall clock, so only process start-up separates
	// the two.
	pySAML2Skew = 60
)

// pySAML2SP is one validate.py configuration.
type pySAML2SP struct {
	python, script, config string
}

// pySAML2Requests is what `validate.py request` prints: the SP metadata
// and one HTTP-Redirect AuthnRequest signed with RSA-SHA256, then one
// signed with RSA-SHA1.
type pySAML2Requests struct {
	Metadata string `json:"metadata"`
	Requests []struct {
		SigAlg    string `json:"sig_alg"`
		RequestID string `json:"request_id"`
		URL       string `json:"url"`
	} `json:"requests"`
}

const (
	sigAlgRSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	sigAlgRSASHA1   = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
)

// pySAML2Case is one response for `validate.py validate`.
type pySAML2Case struct {
	Name         string            `json:"name"`
	SAMLResponse string            `json:"saml_response"`
	Outstanding  map[string]string `json:"outstanding"`
}

// pySAML2Outcome is pysaml2's verdict on one case.
type pySAML2Outcome struct {
	Name         string              `json:"name"`
	OK           bool                `json:"ok"`
	Error        string              `json:"error"`
	NameID       string              `json:"name_id"`
	NameIDFormat string              `json:"name_id_format"`
	Issuer       string              `json:"issuer"`
	InResponseTo string              `json:"in_response_to"`
	SessionIndex string              `json:"session_index"`
	Attributes   map[string][]string `json:"attributes"`
}

// newPySAML2SP writes fedgate's federation metadata (signed with keys),
// a fresh SP key pair and validate.py's configuration to a temporary
// directory.
func newPySAML2SP(t *testing.T, keys token.KeySet) *pySAML2SP {
	t.Helper()
	python := e2etest.PySAML2(t)
	tmp := t.TempDir()
	md, err := metadata.Build(metadata.Config{EntityID: issuerURI, PassiveURL: samlSSOURL, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	kp, err := token.GenerateKeyPair("pysaml2 sp signing", time.Hour, time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := kp.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	xmlsec1 := e2etest.XMLSec1(t)
	cfg, err := json.Marshal(map[string]any{
		"entity_id":          pySAML2EntityID,
		"acs":                pySAML2ACS,
		"idp_metadata":       writeFile(t, tmp, "FederationMetadata.xml", md),
		"xmlsec1":            xmlsec1,
		"key_file":           writeFile(t, tmp, "sp.key", keyPEM),
		"cert_file":          writeFile(t, tmp, "sp.crt", certPEM),
		"accepted_time_diff": pySAML2Skew,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &pySAML2SP{
		python: python,
		script: filepath.Join(e2etest.ModuleRoot(t), "e2e", "pysaml2", "validate.py"),
		config: writeFile(t, tmp, "config.json", cfg),
	}
}

// run runs validate.py and decodes its JSON answer into out. validate.py
// signals rejections inside the answer, so any non-zero exit is a failure.
func (sp *pySAML2SP) run(t *testing.T, stdin []byte, out any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), pySAML2Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, sp.python, append([]string{sp.script}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("validate.py %s: %v\nstderr:\n%s", args[0], err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("validate.py %s printed no JSON answer: %v\n%s\nstderr:\n%s", args[0], err, stdout.String(), stderr.String())
	}
	if s := strings.TrimSpace(stderr.String()); s != "" {
		t.Logf("validate.py %s stderr:\n%s", args[0], s)
	}
}

// request has pysaml2 produce its SP metadata and signed HTTP-Redirect
// AuthnRequests; fedgate registers the SP from that metadata (the path of
// `fedgate rp add --metadata`) and parses the requests as /adfs/ls/ does.
// The RSA-SHA256 request is returned; the RSA-SHA1 one (pysaml2's default)
// must be refused, since the party is not configured for SHA-1.
func (sp *pySAML2SP) request(t *testing.T, idp *samlp.IdP) (*samlp.ServiceProvider, *samlp.AuthnRequest) {
	t.Helper()
	var r pySAML2Requests
	sp.run(t, nil, &r, "request", sp.config)
	reg, err := samlp.ParseSPMetadata([]byte(r.Metadata))
	if err != nil {
		t.Fatalf("ParseSPMetadata(pysaml2 metadata): %v\n%s", err, r.Metadata)
	}
	if reg.EntityID != pySAML2EntityID || len(reg.ACS) != 1 || reg.ACS[0].Location != pySAML2ACS ||
		!reg.RequireSignedRequests || len(reg.SigningCerts) == 0 || reg.EncryptionCert == nil || reg.Encryption != samlp.AES256GCM {
		t.Fatalf("registered %+v from\n%s", reg, r.Metadata)
	}
	if len(r.Requests) != 2 || r.Requests[0].SigAlg != sigAlgRSASHA256 || r.Requests[1].SigAlg != sigAlgRSASHA1 {
		t.Fatalf("validate.py made requests %+v, want RSA-SHA256 then RSA-SHA1", r.Requests)
	}
	lookup := func(id string) (*samlp.ServiceProvider, error) {
		if id == reg.EntityID {
			return reg, nil
		}
		return nil, nil
	}
	parse := func(raw string) (*samlp.AuthnRequest, error) {
		t.Helper()
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := u.Scheme + "://" + u.Host + u.Path; got != samlSSOURL {
			t.Fatalf("pysaml2 sent its AuthnRequest to %q, want fedgate's SingleSignOnService %q", got, samlSSOURL)
		}
		if u.Query().Get("SigAlg") == "" || u.Query().Get("Signature") == "" {
			t.Fatalf("pysaml2's AuthnRequest is not signed: %s", raw)
		}
		return idp.ParseRedirect(u.RawQuery, lookup)
	}
	if _, err := parse(r.Requests[1].URL); !errors.Is(err, samlp.ErrBadSignature) {
		t.Errorf("an RSA-SHA1 signed AuthnRequest from a party not configured for SHA-1: err = %v, want ErrBadSignature", err)
	}
	req, err := parse(r.Requests[0].URL)
	if err != nil {
		t.Fatalf("ParseRedirect(pysaml2 request): %v", err)
	}
	if req.ID != r.Requests[0].RequestID || !req.Signed || req.ACS.Location != pySAML2ACS {
		t.Fatalf("parsed request %+v; pysaml2 says its ID is %q", req, r.Requests[0].RequestID)
	}
	return reg, req
}

// validate has pysaml2 judge every case and returns the outcomes by name.
func (sp *pySAML2SP) validate(t *testing.T, cases []pySAML2Case) map[string]pySAML2Outcome {
	t.Helper()
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	var outs []pySAML2Outcome
	sp.run(t, in, &outs, "validate", sp.config)
	if len(outs) != len(cases) {
		t.Fatalf("validate.py answered %d cases, want %d", len(outs), len(cases))
	}
	byName := make(map[string]pySAML2Outcome, len(outs))
	for i, o := range outs {
		if o.Name != cases[i].Name {
			t.Fatalf("outcome %d is for %q, want %q", i, o.Name, cases[i].Name)
		}
		byName[o.Name] = o
	}
	return byName
}

// encoded is the SAMLResponse form value for xml.
func encoded(xml []byte) string { return base64.StdEncoding.EncodeToString(xml) }

// TestSAML_PySAML2: pysaml2 reads fedgate's AD FS-shaped metadata and
// sends a signed AuthnRequest that fedgate verifies (and an RSA-SHA1 one
// that fedgate refuses); it decrypts and accepts fedgate's response
// (Response and assertion signatures required, InResponseTo matched) with
// alice's NameID and attributes, and rejects a wrong audience, a tampered
// assertion, another key's signature and a response to a request it never
// sent.
func TestSAML_PySAML2(t *testing.T) {
	keys := tokentest.KeySet(t)
	sp := newPySAML2SP(t, keys)
	idp := newSAMLIdP(t, keys)
	other := newSAMLIdP(t, token.KeySet{Current: tokentest.KeyPair(t, tokentest.Other)})
	reg, req := sp.request(t, idp)

	build := func(t *testing.T, idp *samlp.IdP, edit func(*samlp.ResponseInput)) []byte {
		t.Helper()
		in := aliceInput(req.Input())
		in.NameID = aliceImmID // the persistent NameID fedgate issues by default
		if edit != nil {
			edit(&in)
		}
		resp, err := idp.BuildResponse(in)
		if err != nil {
			t.Fatal(err)
		}
		return resp.XML
	}
	// As registered, the SP's metadata lists an encryption certificate:
	// fedgate encrypts the assertion (AES-256-GCM) and pysaml2 decrypts
	// it. Tampering needs the plaintext, so those cases are built for the
	// same SP without encryption, which pysaml2 accepts as well.
	good := build(t, idp, nil)
	if !bytes.Contains(good, []byte("EncryptedAssertion")) || bytes.Contains(good, []byte(aliceUPN)) {
		t.Fatal("the response to pysaml2 is not encrypted")
	}
	plainSP := *reg
	plainSP.EncryptionCert = nil
	plain := func(in *samlp.ResponseInput) { in.SP = &plainSP }
	plainGood := build(t, idp, plain)
	tampered := bytes.Replace(plainGood, []byte(">VPN Users<"), []byte(">Domain Admins<"), 1)
	if bytes.Equal(tampered, plainGood) {
		t.Fatal("group value not found in the response")
	}
	wrongAudience := build(t, idp, func(in *samlp.ResponseInput) {
		spCopy := *reg
		spCopy.Audience = "urn:example:another-sp"
		in.SP = &spCopy
	})
	outstanding := map[string]string{req.ID: pySAML2ACS}

	tests := []struct {
		name        string
		response    []byte
		outstanding map[string]string
		wantErr     string // "" = accepted
	}{
		{name: "accepted", response: good, outstanding: outstanding},
		{name: "accepted without encryption", response: plainGood, outstanding: outstanding},
		{name: "wrong audience", response: wrongAudience, outstanding: outstanding, wantErr: "AudienceRestrictions conditions not satisfied"},
		{name: "tampered assertion", response: tampered, outstanding: outstanding, wantErr: "SignatureError"},
		{name: "signed by another key", response: build(t, other, nil), outstanding: outstanding, wantErr: "SignatureError"},
		{name: "request never sent", response: good, outstanding: map[string]string{}, wantErr: "Unsolicited response"},
	}
	cases := make([]pySAML2Case, len(tests))
	for i, tt := range tests {
		cases[i] = pySAML2Case{Name: tt.name, SAMLResponse: encoded(tt.response), Outstanding: tt.outstanding}
	}
	outs := sp.validate(t, cases)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := outs[tt.name]
			if tt.wantErr != "" {
				if o.OK || !strings.Contains(o.Error, tt.wantErr) {
					t.Fatalf("ok=%v error=%q, want a rejection mentioning %q", o.OK, o.Error, tt.wantErr)
				}
				t.Logf("pysaml2: %s", o.Error)
				return
			}
			if !o.OK {
				t.Fatalf("pysaml2 rejected the response: %s", o.Error)
			}
			checkPySAML2Alice(t, o, req.ID)
		})
	}
}

// checkPySAML2Alice asserts what pysaml2 read from alice's response.
func checkPySAML2Alice(t *testing.T, o pySAML2Outcome, inResponseTo string) {
	t.Helper()
	for _, c := range []struct{ field, got, want string }{
		{"name_id", o.NameID, aliceImmID},
		{"name_id_format", o.NameIDFormat, samlp.NameIDFormatPersistent},
		{"issuer", o.Issuer, issuerURI},
		{"in_response_to", o.InResponseTo, inResponseTo},
		{"session_index", o.SessionIndex, "_session1"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	// pysaml2's attribute map for AD FS claim types (attributemaps/adfs_v1x)
	// names the group claim "group"; unknown names stay as sent.
	want := map[string][]string{"IDPEmail": {aliceUPN}, "group": {"Sales", "VPN Users"}}
	got, _ := json.Marshal(o.Attributes)
	if w, _ := json.Marshal(want); !bytes.Equal(got, w) {
		t.Errorf("attributes = %s, want %s", got, w)
	}
}
