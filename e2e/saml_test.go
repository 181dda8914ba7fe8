package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/e2e/e2etest"
	"github.com/fedgate/fedgate/idp/claims"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
)

// The SAML 2.0 service provider in these tests is @node-saml/node-saml,
// driven by e2e/saml-sp.js in one long-lived node process per SP so that
// its InResponseTo cache sees the request, the response and the replay.
const (
	samlSSOURL     = "https://sts.contoso.com/adfs/ls/"
	nodeSPEntityID = "https://node-sp.example.test/metadata"
	nodeSPACS      = "https://node-sp.example.test/login/callback"
	nodeSPTimeout  = 60 * time.Second // per command; saml-sp.js exits on its own after 120 s
	groupsClaim    = "http://schemas.xmlsoap.org/claims/Group"
)

type nodeSPOptions struct {
	validateInResponseTo string // "always" or "never"
	signRequests         bool   // node-saml signs AuthnRequests with a generated key
	decrypt              bool   // node-saml gets a generated decryption key
}

// nodeSP is a running saml-sp.js.
type nodeSP struct {
	t     *testing.T
	stdin io.WriteCloser
	lines chan string
	cmd   *exec.Cmd
	out   *capture // stderr, for failure messages (capture is in browser_test.go)
}

type nodeAnswer struct {
	Metadata string         `json:"metadata"`
	URL      string         `json:"url"`
	OK       bool           `json:"ok"`
	Error    string         `json:"error"`
	Profile  map[string]any `json:"profile"`
}

// startNodeSP writes the SP's configuration (and, as options ask, freshly
// generated key pairs) to a temporary directory and starts saml-sp.js.
func startNodeSP(t *testing.T, opts nodeSPOptions) *nodeSP {
	t.Helper()
	node, dir := e2etest.Node(t)
	tmp := t.TempDir()
	idpCert, _ := tokentest.PEM(t, tokentest.Current)
	cfg := map[string]string{
		"entityId":             nodeSPEntityID,
		"callbackUrl":          nodeSPACS,
		"entryPoint":           samlSSOURL,
		"idpIssuer":            issuerURI,
		"idpCertFile":          writeFile(t, tmp, "idp.crt", idpCert),
		"validateInResponseTo": opts.validateInResponseTo,
	}
	keyPair := func(name string) (certFile, keyFile string) {
		t.Helper()
		kp, err := token.GenerateKeyPair("node-sp "+name, time.Hour, time.Now(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		c, k, err := kp.MarshalPEM()
		if err != nil {
			t.Fatal(err)
		}
		return writeFile(t, tmp, name+".crt", c), writeFile(t, tmp, name+".key", k)
	}
	if opts.signRequests {
		cfg["signingCertFile"], cfg["signingKeyFile"] = keyPair("signing")
	}
	if opts.decrypt {
		cfg["decryptionCertFile"], cfg["decryptionKeyFile"] = keyPair("decryption")
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Not t.Context: it is cancelled before Cleanup runs and would kill the
	// process before it can exit 0 at end of input. The timeout kills a
	// process that hangs.
	ctx, cancel := context.WithTimeout(context.Background(), 3*nodeSPTimeout)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "saml-sp.js"), writeFile(t, tmp, "config.json", cfgJSON))
	cmd.Dir = dir
	sp := &nodeSP{t: t, cmd: cmd, lines: make(chan string, 4), out: &capture{}}
	cmd.Stderr = sp.out
	if sp.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
		for sc.Scan() {
			sp.lines <- sc.Text()
		}
		close(sp.lines)
	}()
	t.Cleanup(func() {
		_ = sp.stdin.Close()
		go func() { // keep stdout flowing so node can finish writing and exit
			for range sp.lines {
			}
		}()
		if err := cmd.Wait(); err != nil && ctx.Err() == nil {
			t.Errorf("saml-sp.js: %v\n%s", err, sp.out.String())
		}
	})
	return sp
}

// call sends one command and waits (bounded) for its answer.
func (sp *nodeSP) call(cmd map[string]string) nodeAnswer {
	sp.t.Helper()
	b, err := json.Marshal(cmd)
	if err != nil {
		sp.t.Fatal(err)
	}
	if _, err := sp.stdin.Write(append(b, '\n')); err != nil {
		sp.t.Fatalf("saml-sp.js stdin: %v\n%s", err, sp.out.String())
	}
	timer := time.NewTimer(nodeSPTimeout)
	defer timer.Stop()
	select {
	case line, ok := <-sp.lines:
		if !ok {
			sp.t.Fatalf("saml-sp.js exited during %q\n%s", cmd["cmd"], sp.out.String())
		}
		var a nodeAnswer
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			sp.t.Fatalf("saml-sp.js answered %q: %v", line, err)
		}
		return a
	case <-timer.C:
		sp.t.Fatalf("saml-sp.js gave no answer to %q within %s\n%s", cmd["cmd"], nodeSPTimeout, sp.out.String())
		return nodeAnswer{}
	}
}

// register reads node-saml's own metadata with ParseSPMetadata, the path
// `fedgate rp add --metadata` takes.
func (sp *nodeSP) register() *samlp.ServiceProvider {
	sp.t.Helper()
	md := sp.call(map[string]string{"cmd": "metadata"}).Metadata
	reg, err := samlp.ParseSPMetadata([]byte(md))
	if err != nil {
		sp.t.Fatalf("ParseSPMetadata(node-saml metadata): %v\n%s", err, md)
	}
	if reg.EntityID != nodeSPEntityID || len(reg.ACS) != 1 || reg.ACS[0].Location != nodeSPACS {
		sp.t.Fatalf("registered %+v", reg)
	}
	return reg
}

// authnRequest has node-saml produce an HTTP-Redirect AuthnRequest and
// parses it with fedgate, as the /adfs/ls/ handler will.
func (sp *nodeSP) authnRequest(idp *samlp.IdP, reg *samlp.ServiceProvider, relay string) *samlp.AuthnRequest {
	sp.t.Helper()
	raw := sp.call(map[string]string{"cmd": "authorize", "relayState": relay}).URL
	u, err := url.Parse(raw)
	if err != nil {
		sp.t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != samlSSOURL {
		sp.t.Fatalf("node-saml sent the request to %q", got)
	}
	req, err := idp.ParseRedirect(u.RawQuery, func(id string) (*samlp.ServiceProvider, error) {
		if id == reg.EntityID {
			return reg, nil
		}
		return nil, nil
	})
	if err != nil {
		sp.t.Fatalf("ParseRedirect(node-saml request): %v", err)
	}
	if req.ACS.Location != nodeSPACS || req.RelayState != relay || req.Signed != reg.RequireSignedRequests {
		sp.t.Fatalf("parsed request %+v", req)
	}
	return req
}

func (sp *nodeSP) validate(r *samlp.Response) nodeAnswer {
	sp.t.Helper()
	return sp.call(map[string]string{"cmd": "validate", "SAMLResponse": r.PostForm().SAMLResponse})
}

// newSAMLIdP is fedgate's SAML IdP on the wall clock (node-saml checks
// NotBefore/NotOnOrAfter against it), signing with keys.
func newSAMLIdP(t *testing.T, keys token.KeySet) *samlp.IdP {
	t.Helper()
	idp, err := samlp.New(samlp.Config{EntityID: issuerURI, SSOURL: samlSSOURL, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return idp
}

// aliceInput is the sign-in fedgate reports for the request.
func aliceInput(base samlp.ResponseInput) samlp.ResponseInput {
	base.NameID = aliceUPN
	base.Attributes = []samlp.Attribute{
		{Name: "IDPEmail", Values: []string{aliceUPN}},
		aliceGroups(),
	}
	base.AuthnInstant = time.Now()
	base.SessionIndex = "_session1"
	return base
}

// aliceGroupRules are a party's claim rules mapping group membership to
// the Group claim (AD FS "Send Group Membership as a Claim").
var aliceGroupRules = []claims.Rule{
	{MemberOf: "CN=Sales,OU=Groups,DC=contoso,DC=com", Value: "Sales", Claim: groupsClaim},
	{MemberOf: "CN=VPN Users,OU=Groups,DC=contoso,DC=com", Value: "VPN Users", Claim: groupsClaim},
	{MemberOf: "CN=Finance,OU=Groups,DC=contoso,DC=com", Value: "Finance", Claim: groupsClaim},
}

// aliceGroups is the Group attribute aliceGroupRules give alice, whose
// directory groups (one spelt in another case, as DNs may be) include
// Sales and VPN Users but not Finance: node-saml must see exactly
// ["Sales", "VPN Users"].
func aliceGroups() samlp.Attribute {
	subject := &claims.Subject{UPN: aliceUPN, Groups: []string{
		"CN=Domain Users,CN=Users,DC=contoso,DC=com", "CN=Sales,OU=Groups,DC=contoso,DC=com", "cn=vpn users,ou=groups,dc=contoso,dc=com",
	}}
	out, err := claims.Evaluate(aliceGroupRules, subject)
	if err != nil || len(out) != 1 {
		panic(fmt.Sprintf("e2e: claim rules on fixed input: %v, %v", out, err)) // static input; cannot happen
	}
	return samlp.Attribute{Name: out[0].Type, Values: out[0].Values}
}

func checkAliceProfile(t *testing.T, a nodeAnswer, inResponseTo string) {
	t.Helper()
	if !a.OK {
		t.Fatalf("node-saml rejected the response: %s", a.Error)
	}
	p := a.Profile
	want := map[string]any{
		"nameID": aliceUPN, "nameIDFormat": samlp.NameIDFormatEmailAddress, "issuer": issuerURI,
		"IDPEmail": aliceUPN, "sessionIndex": "_session1",
	}
	if inResponseTo != "" {
		want["inResponseTo"] = inResponseTo
	}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("profile[%q] = %v, want %v", k, p[k], v)
		}
	}
	if _, has := p["inResponseTo"]; inResponseTo == "" && has {
		t.Errorf("unsolicited response has inResponseTo %v", p["inResponseTo"])
	}
	if g, _ := json.Marshal(p[groupsClaim]); string(g) != `["Sales","VPN Users"]` {
		t.Errorf("profile[%q] = %s, want both groups", groupsClaim, g)
	}
}

// TestSAML_NodeSAML_SPInitiated: node-saml (validateInResponseTo
// "always", response and assertion signatures required, signed
// AuthnRequests) registered from its own metadata accepts fedgate's
// response once, rejects the replay, a wrong audience, an unsolicited
// response and a response signed by another key.
func TestSAML_NodeSAML_SPInitiated(t *testing.T) {
	sp := startNodeSP(t, nodeSPOptions{validateInResponseTo: "always", signRequests: true})
	reg := sp.register()
	if !reg.RequireSignedRequests || len(reg.SigningCerts) != 1 || reg.EncryptionCert != nil ||
		reg.NameIDFormat != samlp.NameIDFormatEmailAddress {
		t.Fatalf("registered %+v", reg)
	}
	idp := newSAMLIdP(t, tokentest.KeySet(t))
	other := newSAMLIdP(t, token.KeySet{Current: tokentest.KeyPair(t, tokentest.Other)})

	t.Run("accepted once, replay rejected", func(t *testing.T) {
		req := sp.authnRequest(idp, reg, "/app?x=1")
		resp, err := idp.BuildResponse(aliceInput(req.Input()))
		if err != nil {
			t.Fatal(err)
		}
		checkAliceProfile(t, sp.validate(resp), req.ID)
		a := sp.validate(resp)
		if a.OK || !strings.Contains(a.Error, "InResponseTo") {
			t.Fatalf("replay: ok=%v error=%q, want an InResponseTo rejection", a.OK, a.Error)
		}
		t.Logf("replay, node-saml: %s", a.Error)
	})

	tests := []struct {
		name    string
		build   func(t *testing.T, req *samlp.AuthnRequest) (*samlp.Response, error)
		wantErr string
	}{
		{name: "wrong audience", wantErr: "audience mismatch",
			build: func(t *testing.T, req *samlp.AuthnRequest) (*samlp.Response, error) {
				in := aliceInput(req.Input())
				wrong := *in.SP
				wrong.Audience = "urn:example:another-sp"
				in.SP = &wrong
				return idp.BuildResponse(in)
			}},
		{name: "unsolicited response", wantErr: "InResponseTo is missing",
			build: func(t *testing.T, req *samlp.AuthnRequest) (*samlp.Response, error) {
				in := aliceInput(req.Input())
				in.InResponseTo = ""
				return idp.BuildResponse(in)
			}},
		{name: "signed by another key", wantErr: "signature",
			build: func(t *testing.T, req *samlp.AuthnRequest) (*samlp.Response, error) {
				return other.BuildResponse(aliceInput(req.Input()))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.build(t, sp.authnRequest(idp, reg, ""))
			if err != nil {
				t.Fatal(err)
			}
			a := sp.validate(resp)
			if a.OK || !strings.Contains(a.Error, tt.wantErr) {
				t.Fatalf("ok=%v error=%q, want a rejection mentioning %q", a.OK, a.Error, tt.wantErr)
			}
			t.Logf("node-saml: %s", a.Error)
		})
	}
}

// TestSAML_NodeSAML_EncryptedAssertion: node-saml's metadata lists
// AES-256-GCM first, so ParseSPMetadata selects it; node-saml
// (xml-encryption 3.1) decrypts both that and the AES-128-CBC fallback.
func TestSAML_NodeSAML_EncryptedAssertion(t *testing.T) {
	sp := startNodeSP(t, nodeSPOptions{validateInResponseTo: "always", decrypt: true})
	reg := sp.register()
	if reg.EncryptionCert == nil || reg.Encryption != samlp.AES256GCM {
		t.Fatalf("registered encryption %q, certificate %v; want AES-256-GCM from node-saml's metadata", reg.Encryption, reg.EncryptionCert != nil)
	}
	idp := newSAMLIdP(t, tokentest.KeySet(t))
	tests := []struct {
		enc     samlp.Encryption
		wantAlg string
	}{
		{enc: samlp.AES256GCM, wantAlg: "http://www.w3.org/2009/xmlenc11#aes256-gcm"},
		{enc: samlp.AES128CBC, wantAlg: "http://www.w3.org/2001/04/xmlenc#aes128-cbc"},
	}
	for _, tt := range tests {
		t.Run(string(tt.enc), func(t *testing.T) {
			req := sp.authnRequest(idp, reg, "")
			in := aliceInput(req.Input())
			spWith := *reg
			spWith.Encryption = tt.enc
			in.SP = &spWith
			resp, err := idp.BuildResponse(in)
			if err != nil {
				t.Fatal(err)
			}
			x := string(resp.XML)
			if !strings.Contains(x, "EncryptedAssertion") || !strings.Contains(x, `Algorithm="`+tt.wantAlg+`"`) || strings.Contains(x, aliceUPN) {
				t.Fatalf("response is not encrypted with %s:\n%s", tt.wantAlg, x)
			}
			checkAliceProfile(t, sp.validate(resp), req.ID)
		})
	}
}

// TestSAML_NodeSAML_IdPInitiated: an unsolicited response (no
// InResponseTo, saml-profiles §4.1.5) to the SP's default ACS is accepted
// by node-saml configured with validateInResponseTo "never".
func TestSAML_NodeSAML_IdPInitiated(t *testing.T) {
	sp := startNodeSP(t, nodeSPOptions{validateInResponseTo: "never"})
	reg := sp.register()
	idp := newSAMLIdP(t, tokentest.KeySet(t))
	resp, err := idp.BuildResponse(aliceInput(samlp.ResponseInput{SP: reg, ACS: reg.ACS[0], RelayState: "/start"}))
	if err != nil {
		t.Fatal(err)
	}
	if f := resp.PostForm(); f.Action != nodeSPACS || f.RelayState != "/start" {
		t.Fatalf("PostForm = %+v", f)
	}
	if _, err := base64.StdEncoding.DecodeString(resp.PostForm().SAMLResponse); err != nil {
		t.Fatal(err)
	}
	checkAliceProfile(t, sp.validate(resp), "")
}

// TestSAML_XMLSec1 checks both signatures of a SAML 2.0 Response with
// xmlsec1, pinned to fedgate's certificate: the Response's and the
// Assertion's, each selected by XPath (otherwise xmlsec1 checks only the
// first in document order). Changing the assertion breaks both; changing
// only the Response's Destination breaks only the Response signature.
func TestSAML_XMLSec1(t *testing.T) {
	e2etest.XMLSec1(t)
	sp := &samlp.ServiceProvider{
		EntityID:     nodeSPEntityID,
		ACS:          []samlp.Endpoint{{Binding: samlp.BindingHTTPPost, Location: nodeSPACS, IsDefault: true}},
		SignResponse: true,
	}
	resp, err := newSAMLIdP(t, tokentest.KeySet(t)).BuildResponse(aliceInput(samlp.ResponseInput{SP: sp, ACS: sp.ACS[0]}))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	replace := func(old, new string) []byte {
		t.Helper()
		out := bytes.Replace(resp.XML, []byte(old), []byte(new), 1)
		if bytes.Equal(out, resp.XML) {
			t.Fatalf("%q not found in the response", old)
		}
		return out
	}
	cert, _ := tokentest.PEM(t, tokentest.Current)
	otherCert, _ := tokentest.PEM(t, tokentest.Other)
	var (
		current  = writeFile(t, dir, "idp.crt", cert)
		other    = writeFile(t, dir, "other.crt", otherCert)
		good     = writeFile(t, dir, "response.xml", resp.XML)
		assertn  = writeFile(t, dir, "tampered-assertion.xml", replace(">VPN Users<", ">Domain Admins<"))
		destOnly = writeFile(t, dir, "tampered-destination.xml", replace(`Destination="`+nodeSPACS+`"`, `Destination="https://evil.example/acs"`))
	)
	const (
		responseSig  = "/*/*[local-name()='Signature']"
		assertionSig = "//*[local-name()='Assertion']/*[local-name()='Signature']"
	)
	tests := []struct {
		name, file, cert, xpath string
		wantOK                  bool
	}{
		{"response signature verifies", good, current, responseSig, true},
		{"assertion signature verifies", good, current, assertionSig, true},
		{"tampered assertion: response signature fails", assertn, current, responseSig, false},
		{"tampered assertion: assertion signature fails", assertn, current, assertionSig, false},
		{"tampered Destination: response signature fails", destOnly, current, responseSig, false},
		{"tampered Destination: assertion signature still verifies", destOnly, current, assertionSig, true},
		{"response signature under another certificate fails", good, other, responseSig, false},
		{"assertion signature under another certificate fails", good, other, assertionSig, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e2etest.XMLSec1VerifyNode(t, tt.file, tt.cert, tt.xpath, e2etest.SAML2Response, e2etest.SAML2Assertion)
			if res.OK != tt.wantOK {
				t.Fatalf("xmlsec1 accepted=%v, want %v\n%s", res.OK, tt.wantOK, res.Output)
			}
		})
	}
}
