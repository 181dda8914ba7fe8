//go:build unix

package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/fedgate/fedgate/e2e/e2etest"
	"github.com/fedgate/fedgate/idp/metadata"
	"github.com/fedgate/fedgate/idp/samlp"
)

// A real Apache httpd with mod_auth_mellon (Debian's apache2 and
// libapache2-mod-auth-mellon, test-recipes.md recipe 6) as a SAML 2.0
// service provider of `fedgate demo`, driven through sign-in and single
// logout by headless Chromium (browser-mellon.js).
const (
	mellonEntityID   = "urn:fedgate:e2e:mellon"
	mellonShotPrefix = "mellon-"

	apacheStartTimeout = 30 * time.Second
	fetchTimeout       = 30 * time.Second

	federationMetadataPath = "/FederationMetadata/2007-06/FederationMetadata.xml"
	samlStatusSuccess      = "urn:oasis:names:tc:SAML:2.0:status:Success"
	multipleAuthn          = "http://schemas.microsoft.com/claims/multipleauthn"
	rsaSHA256              = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	aes256GCM              = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
)

// apacheReady is logged by httpd once it listens (AH00489 "… configured --
// resuming normal operations").
const apacheReady = "AH00489"

// TestBrowser_MellonSignInAndSingleLogout: mod_auth_mellon, registered in
// fedgate from the metadata mellon_create_metadata wrote (unedited: no
// NameIDFormat, so mellon asks for a transient NameID, its default) and
// reading fedgate's real FederationMetadata.xml, signs alice in through
// fedgate (password, TOTP enrollment, auto-POST) and gets an opaque
// transient NameID, not her ImmutableID; its single logout, naming that
// NameID, goes through fedgate's SingleLogoutService and ends the fedgate
// session too.
func TestBrowser_MellonSignInAndSingleLogout(t *testing.T) {
	if testing.Short() {
		t.Skip("browser acceptance test (builds fedgate, runs Apache and Chromium): skipped under -short")
	}
	root := e2etest.ModuleRoot(t)
	node := requireBrowser(t, root)
	sp := newMellonSP(t, root, e2etest.Mellon(t))
	bin := buildFedgate(t, root)
	demo := startDemo(t, bin, "--saml-metadata", sp.spMetadata)
	sp.useIdPMetadata(t, fetchFederationMetadata(t, demo))
	sp.start(t)

	outDir := filepath.Join(root, "e2e", "out")
	sum := runMellonWalk(t, node, filepath.Join(root, "e2e"), sp, demo, outDir)
	checkMellonSummary(t, sum, sp, demo)
	checkMellonShots(t, sum, outDir)
	if logs := demo.logs.String(); strings.Contains(logs, demoAlicePassword) {
		t.Error("the password typed into the browser reached fedgate's log")
	}
}

// mellonSP is Apache httpd with mod_auth_mellon in a private server root.
type mellonSP struct {
	apache e2etest.Apache
	root   string // server root: conf/, run/, tls/, htdocs/
	port   int
	origin string // https://127.0.0.1:PORT

	tlsCert, tlsKey string // httpd's throwaway loopback certificate

	spKey, spCert, spMetadata string // written by mellon_create_metadata
	idpMetadata, idpEntityID  string // fedgate's, as served
	log                       *capture
}

// newMellonSP picks a loopback port, prepares the server root (world
// readable: the workers run as www-data; only the private keys stay 0600,
// the root master reads them at start), a TLS certificate for 127.0.0.1,
// and has mellon_create_metadata generate the SP key pair and metadata for
// https://127.0.0.1:PORT/mellon.
func newMellonSP(t *testing.T, moduleRoot string, apache e2etest.Apache) *mellonSP {
	t.Helper()
	dir, err := os.MkdirTemp("", "fedgate-e2e-mellon-")
	if err != nil {
		t.Fatal(err)
	}
	// Registered first, so it runs after the stop registered by start.
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if strings.ContainsAny(dir, " \t\"\\") {
		t.Fatalf("server root %q has characters httpd.conf.tmpl does not quote", dir)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"conf", "run", "tls"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.CopyFS(filepath.Join(dir, "htdocs"), os.DirFS(filepath.Join(moduleRoot, "e2e", "mellon", "htdocs"))); err != nil {
		t.Fatal(err)
	}
	types, err := os.ReadFile(filepath.Join(moduleRoot, "e2e", "mellon", "mime.types"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "mime.types"), types, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chmodTree(filepath.Join(dir, "htdocs")); err != nil {
		t.Fatal(err)
	}
	sp := &mellonSP{apache: apache, root: dir, port: freeLoopbackPort(t), log: &capture{}}
	sp.origin = "https://127.0.0.1:" + strconv.Itoa(sp.port)
	sp.tlsCert, sp.tlsKey = writeLoopbackTLS(t, filepath.Join(dir, "tls"))

	conf := filepath.Join(dir, "conf")
	cmd := exec.Command(apache.CreateMetadata, mellonEntityID, sp.origin+"/mellon")
	cmd.Dir = conf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mellon_create_metadata: %v\n%s", err, out)
	}
	one := func(ext string) string {
		t.Helper()
		m, err := filepath.Glob(filepath.Join(conf, "*."+ext))
		if err != nil || len(m) != 1 {
			t.Fatalf("mellon_create_metadata wrote %d *.%s files (%v), want 1", len(m), ext, err)
		}
		return m[0]
	}
	sp.spKey, sp.spCert, sp.spMetadata = one("key"), one("cert"), one("xml")
	return sp
}

// useIdPMetadata stores fedgate's metadata where MellonIdPMetadataFile
// points and remembers its entity ID.
func (sp *mellonSP) useIdPMetadata(t *testing.T, md []byte) {
	t.Helper()
	entityID, _, _, err := metadata.ParseSigningCertificates(md)
	if err != nil {
		t.Fatalf("fedgate's federation metadata: %v", err)
	}
	if !bytes.Contains(md, []byte("<IDPSSODescriptor")) {
		t.Fatalf("fedgate's federation metadata has no IDPSSODescriptor:\n%s", md)
	}
	sp.idpEntityID = entityID
	sp.idpMetadata = filepath.Join(sp.root, "conf", "idp-metadata.xml")
	if err := os.WriteFile(sp.idpMetadata, md, 0o644); err != nil {
		t.Fatal(err)
	}
}

// start renders httpd.conf and runs `apache2 -f … -k start` in the
// foreground (-D FOREGROUND: the test owns the process) until httpd reports
// that it listens. t.Cleanup runs `apache2 -f … -k stop`, then startGroup's
// stop waits for the exit (SIGKILL to the group if httpd hangs).
func (sp *mellonSP) start(t *testing.T) {
	t.Helper()
	confFile := sp.renderConfig(t)
	ready := &readyWriter{capture: sp.log, marker: apacheReady, ready: make(chan struct{})}
	cmd := exec.Command(sp.apache.Binary, "-f", confFile, "-k", "start", "-D", "FOREGROUND")
	cmd.Stdout, cmd.Stderr = ready, ready
	exited := startGroup(t, cmd, "httpd")
	t.Cleanup(func() { // runs before startGroup's stop
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		if out, err := exec.CommandContext(ctx, sp.apache.Binary, "-f", confFile, "-k", "stop").CombinedOutput(); err != nil {
			t.Logf("apache2 -k stop: %v\n%s", err, out)
		}
		if t.Failed() {
			t.Logf("httpd error log:\n%s", sp.log)
		}
	})
	timer := time.NewTimer(apacheStartTimeout)
	defer timer.Stop()
	select {
	case <-ready.ready:
	case err := <-exited:
		t.Fatalf("e2e: httpd exited during start-up: %v\n%s", err, sp.log)
	case <-timer.C:
		t.Fatalf("e2e: httpd did not report %s within %s\n%s", apacheReady, apacheStartTimeout, sp.log)
	}
	t.Logf("mod_auth_mellon SP %s at %s", mellonEntityID, sp.origin)
}

// renderConfig writes conf/httpd.conf from e2e/mellon/httpd.conf.tmpl.
func (sp *mellonSP) renderConfig(t *testing.T) string {
	t.Helper()
	tmpl, err := template.ParseFiles(filepath.Join(e2etest.ModuleRoot(t), "e2e", "mellon", "httpd.conf.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{
		"Root": sp.root, "Port": sp.port, "Modules": sp.apache.Modules,
		"EntityID": mellonEntityID, "SPKey": sp.spKey, "SPCert": sp.spCert,
		"SPMetadata": sp.spMetadata, "IdPMetadata": sp.idpMetadata,
		"TLSCert": sp.tlsCert, "TLSKey": sp.tlsKey,
	}
	if os.Geteuid() == 0 { // httpd refuses to serve as root; workers drop to www-data
		data["User"], data["Group"] = "www-data", "www-data"
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(sp.root, "conf", "httpd.conf")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fetchFederationMetadata downloads the demo's FederationMetadata.xml over
// TLS verified against the demo's CA, bounded like any metadata reader.
func fetchFederationMetadata(t *testing.T, demo *runningDemo) []byte {
	t.Helper()
	client := pinnedClient(t, filepath.Join(demo.data, "demo-ca.pem"), fetchTimeout)
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, demo.fedgate+federationMetadataPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", req.URL, err)
	}
	defer resp.Body.Close()
	md, err := io.ReadAll(io.LimitReader(resp.Body, metadata.MaxDocumentBytes+1))
	if err != nil {
		t.Fatalf("GET %s: %v", req.URL, err)
	}
	if resp.StatusCode != http.StatusOK || len(md) > metadata.MaxDocumentBytes {
		t.Fatalf("GET %s: %s, %d bytes", req.URL, resp.Status, len(md))
	}
	return md
}

// runMellonWalk runs browser-mellon.js (see runWalk) and returns its
// summary, kept as out/mellon-summary.json.
func runMellonWalk(t *testing.T, node, dir string, sp *mellonSP, demo *runningDemo, outDir string) *mellonSummary {
	t.Helper()
	var sum mellonSummary
	runWalk(t, node, dir, "browser-mellon.js", []string{sp.origin, demo.fedgate, outDir}, nil, outDir, "mellon-summary.json", &sum)
	return &sum
}

// samlMessage is a SAML message browser-mellon.js decoded from an
// HTTP-Redirect binding URL or an HTTP-POST form (browserlib.js
// samlMessage, samlPostMessage).
type samlMessage struct {
	Param, Element, ID, InResponseTo, Destination, Status, SigAlg string
	Signed, RelayState, EncryptedAssertion                        bool
	EncryptionAlgorithms                                          []string
}

// mellonSummary is browser-mellon.js's JSON summary (field names match
// case-insensitively).
type mellonSummary struct {
	walkResult
	Result struct {
		SignIn struct {
			AuthnRequest samlMessage
			AutoPost     struct {
				Page, Action             string
				FormFields, PostedFields []string
				SAML                     samlMessage
			}
			MFA   struct{ SeedBytes int }
			Shown struct{ NameID, IdP, UPN, Email, MFA string }
			URL   string
		}
		Logout struct {
			Hops                []string
			ToFedgate, ToMellon []samlMessage
			URL                 string
		}
		AfterLogout struct {
			PasswordPage bool
			URL          string
		}
	}
	Pages         []walkPage
	PageErrors    []json.RawMessage
	CSPViolations []json.RawMessage
}

// checkMellonSummary asserts on what browser-mellon.js saw, independently
// of the checks it made itself.
func checkMellonSummary(t *testing.T, sum *mellonSummary, sp *mellonSP, demo *runningDemo) {
	t.Helper()
	if len(sum.CSPViolations) > 0 || len(sum.PageErrors) > 0 {
		t.Errorf("CSP violations %s; page errors %s", sum.CSPViolations, sum.PageErrors)
	}
	slo := demo.fedgate + "/adfs/ls/"
	r := sum.Result
	t.Run("sign-in", func(t *testing.T) {
		in := r.SignIn
		if a := in.AuthnRequest; a.Element != "AuthnRequest" || !a.Signed || a.SigAlg != rsaSHA256 || a.Destination != slo {
			t.Errorf("mellon's AuthnRequest %+v; want one signed with RSA-SHA256 for %s", a, slo)
		}
		acs := sp.origin + "/mellon/postResponse"
		if in.AutoPost.Action != acs || !slices.Contains(in.AutoPost.PostedFields, "SAMLResponse") || !slices.Contains(in.AutoPost.PostedFields, "RelayState") {
			t.Errorf("token form %+v; want SAMLResponse and RelayState POSTed to %s", in.AutoPost, acs)
		}
		// mellon_create_metadata lists the SP certificate for encryption
		// without EncryptionMethod, so fedgate encrypts with AES-256-GCM,
		// which lasso (xmlsec1) decrypts.
		if r := in.AutoPost.SAML; r.Element != "Response" || r.Status != samlStatusSuccess || r.Destination != acs ||
			r.InResponseTo != in.AuthnRequest.ID || !r.Signed || !r.EncryptedAssertion || !slices.Contains(r.EncryptionAlgorithms, aes256GCM) {
			t.Errorf("posted Response %+v; want a signed Success to %s in response to %q with an AES-256-GCM EncryptedAssertion",
				r, acs, in.AuthnRequest.ID)
		}
		if in.MFA.SeedBytes < 16 {
			t.Errorf("TOTP seed of %d bytes", in.MFA.SeedBytes)
		}
		// mellon asked for transient (lasso's default without a
		// NameIDFormat in the SP metadata): 128 random bits, base64url,
		// never a directory identifier.
		if raw, err := base64.RawURLEncoding.DecodeString(in.Shown.NameID); err != nil || len(raw) != samlp.TransientNameIDBytes ||
			in.Shown.NameID == demoAliceImmutable || strings.Contains(in.Shown.NameID, "@") {
			t.Errorf("MELLON_NAME_ID = %q, want an opaque transient NameID (%d random bytes, base64url), not the ImmutableID %q",
				in.Shown.NameID, samlp.TransientNameIDBytes, demoAliceImmutable)
		}
		for _, c := range []struct{ name, got, want string }{
			{"MELLON_IDP", in.Shown.IdP, sp.idpEntityID},
			{"MELLON_upn", in.Shown.UPN, "alice@contoso.com"},
			{"MELLON_mfa", in.Shown.MFA, multipleAuthn},
		} {
			if c.got != c.want {
				t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
			}
		}
	})
	t.Run("single logout", func(t *testing.T) {
		lo := r.Logout
		if len(lo.ToFedgate) != 1 || len(lo.ToMellon) != 1 {
			t.Fatalf("SAML messages on the way: to fedgate %+v, to mellon %+v (hops %q); want one LogoutRequest and one LogoutResponse",
				lo.ToFedgate, lo.ToMellon, lo.Hops)
		}
		req, resp := lo.ToFedgate[0], lo.ToMellon[0]
		if req.Element != "LogoutRequest" || !req.Signed || req.Destination != slo {
			t.Errorf("mellon's LogoutRequest %+v; want a signed one for %s", req, slo)
		}
		want := sp.origin + "/mellon/logout"
		if resp.Element != "LogoutResponse" || resp.Status != samlStatusSuccess || resp.InResponseTo != req.ID ||
			!resp.Signed || resp.SigAlg != rsaSHA256 || resp.Destination != want {
			t.Errorf("fedgate's LogoutResponse %+v; want a signed (RSA-SHA256) Success to %s in response to %q", resp, want, req.ID)
		}
		if lo.URL != sp.origin+"/loggedout.html" {
			t.Errorf("single logout ended at %s", lo.URL)
		}
	})
	if !r.AfterLogout.PasswordPage || r.AfterLogout.URL != slo {
		t.Errorf("after single logout: %+v; want fedgate's password page", r.AfterLogout)
	}
}

// requiredMellonShots are pages the walk must have captured (names without
// the mellon-NN- prefix).
var requiredMellonShots = []string{
	"fedgate-password", "enroll-qr", "fedgate-autopost", "mellon-protected", "mellon-logged-out", "fedgate-password-after-logout",
}

// checkMellonShots asserts on browser-mellon.js's screenshots (see
// checkShots).
func checkMellonShots(t *testing.T, sum *mellonSummary, outDir string) {
	t.Helper()
	checkShots(t, sum.Pages, mellonShotPrefix, outDir, requiredMellonShots)
}

// freeLoopbackPort returns a TCP port that was free on 127.0.0.1 a moment
// ago. httpd needs the number in its config before it starts, and
// mellon's metadata before fedgate starts, so the port cannot be handed
// over as a listener; a port taken in between fails start-up clearly.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// writeLoopbackTLS writes a self-signed ECDSA certificate for 127.0.0.1
// valid for a day, and its key (0600), to dir. Chromium runs with
// --ignore-certificate-errors, as for the demo's own certificates.
func writeLoopbackTLS(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// chmodTree makes dir's files 0644 and directories 0755, for httpd's
// workers.
func chmodTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if d.IsDir() {
			mode = 0o755
		}
		return os.Chmod(p, mode)
	})
}

// readyWriter keeps a process's output in capture and closes ready the
// first time marker appears in it.
type readyWriter struct {
	*capture
	marker string
	ready  chan struct{}
	once   sync.Once
}

func (w *readyWriter) Write(p []byte) (int, error) {
	n, err := w.capture.Write(p)
	select {
	case <-w.ready: // seen: later output is only kept
	default:
		if strings.Contains(w.capture.String(), w.marker) {
			w.once.Do(func() { close(w.ready) })
		}
	}
	return n, err
}
