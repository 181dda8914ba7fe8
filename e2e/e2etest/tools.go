package e2etest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Require reports that what is unavailable: t.Skip with the install hint,
// or t.Fatal when CI=true.
func Require(t testing.TB, what, install string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI but missing; install it with: %s", what, install)
		return
	}
	t.Skipf("%s is missing; install it with: %s (under CI=true this is a failure)", what, install)
}

// XMLSec1 returns the path of the xmlsec1 binary.
func XMLSec1(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("xmlsec1")
	if err != nil {
		Require(t, "xmlsec1", "apt-get install -y xmlsec1")
	}
	return p
}

// ModuleRoot returns the directory holding go.mod, searched upwards from
// the working directory (go test runs in the package directory).
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("e2etest: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Node returns the node binary and the e2e directory, whose node_modules
// must hold the packages pinned in e2e/package-lock.json.
func Node(t testing.TB) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		Require(t, "node", "apt-get install -y nodejs npm")
	}
	dir = filepath.Join(ModuleRoot(t), "e2e")
	for _, pkg := range []string{"passport-wsfed-saml2", "@node-saml/node-saml"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			Require(t, "e2e/node_modules/"+pkg, "npm ci --prefix e2e")
		}
	}
	return node, dir
}

// Result is the outcome of running a verifier.
type Result struct {
	// OK is true when the verifier exited 0 (accepted).
	OK bool
	// Output is stdout followed by stderr, for failure messages.
	Output string
	// Stdout alone, e.g. the JSON profile printed by rp-validate.js.
	Stdout string
}

// Run runs name with args and stdin. Exit status 0 is acceptance and 1 is
// rejection; anything else (status 2, a crash, a missing binary) fails the
// test, so a broken verifier can never pass for a rejection.
func Run(t testing.TB, dir string, stdin []byte, name string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Output: stdout.String() + stderr.String(), Stdout: stdout.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
		res.OK = true
	case errors.As(err, &exit) && exit.ExitCode() == 1:
	default:
		t.Fatalf("run %s %v: %v\n%s", name, args, err, res.Output)
	}
	return res
}

// XMLSec1Verify verifies the enveloped signature in file with xmlsec1,
// trusting only the PEM certificate certFile (--enabled-key-data key-name
// stops xmlsec1 from using the certificate embedded in the document).
// idAttrName and idNode name the ID attribute and its element, e.g.
// "AssertionID" and "urn:oasis:names:tc:SAML:1.0:assertion:Assertion":
// xmlsec1 must be told which attribute is an ID, or "#id" references do not
// resolve.
func XMLSec1Verify(t testing.TB, file, certFile, idAttrName, idNode string) Result {
	t.Helper()
	return Run(t, filepath.Dir(file), nil, XMLSec1(t), "--verify",
		"--pubkey-cert-pem", certFile,
		"--enabled-key-data", "key-name",
		"--id-attr:"+idAttrName, idNode,
		file)
}

// IDAttr names an attribute xmlsec1 must treat as an XML ID: Name on the
// elements Node ("namespace-URI:LocalName").
type IDAttr struct{ Name, Node string }

// SAML 2.0 elements signed by reference to their ID attribute.
var (
	SAML2Response  = IDAttr{Name: "ID", Node: "urn:oasis:names:tc:SAML:2.0:protocol:Response"}
	SAML2Assertion = IDAttr{Name: "ID", Node: "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"}
)

// XMLSec1VerifyNode verifies the one ds:Signature that the XPath
// expression selects in file (xmlsec1 --node-xpath), trusting only the PEM
// certificate certFile. Use it when a document carries several signatures,
// e.g. a SAML Response and its Assertion: without it xmlsec1 checks only
// the first in document order. ids lists every ID attribute a Reference
// may point at.
func XMLSec1VerifyNode(t testing.TB, file, certFile, xpath string, ids ...IDAttr) Result {
	t.Helper()
	args := []string{"--verify", "--pubkey-cert-pem", certFile, "--enabled-key-data", "key-name"}
	for _, id := range ids {
		args = append(args, "--id-attr:"+id.Name, id.Node)
	}
	args = append(args, "--node-xpath", xpath, file)
	return Run(t, filepath.Dir(file), nil, XMLSec1(t), args...)
}

// SystemPython is Debian's interpreter. It must be this one, not the first
// python3 on PATH: a pyenv or virtualenv python3 does not see Debian's
// python3-* packages (test-recipes.md, recipe 5).
const SystemPython = "/usr/bin/python3"

// probeTimeout bounds a quick "is it installed" check.
const probeTimeout = 30 * time.Second

// PySAML2 returns SystemPython after checking that it imports saml2 (the
// python3-pysaml2 package). pysaml2 verifies signatures with xmlsec1, so
// that is required too.
func PySAML2(t testing.TB) string {
	t.Helper()
	const install = "apt-get install -y python3-pysaml2 xmlsec1"
	XMLSec1(t)
	if _, err := os.Stat(SystemPython); err != nil {
		Require(t, SystemPython, install)
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, SystemPython, "-c", "import saml2").CombinedOutput(); err != nil {
		t.Logf("%s -c 'import saml2': %v\n%s", SystemPython, err, out)
		Require(t, "pysaml2 for "+SystemPython, install)
	}
	return SystemPython
}

// Apache is an installed Apache httpd with mod_auth_mellon, as Debian
// packages them (apache2, libapache2-mod-auth-mellon).
type Apache struct {
	// Binary is the httpd binary, run with -f <config> -k start|stop.
	Binary string
	// Modules is the directory holding mod_*.so.
	Modules string
	// CreateMetadata is mellon_create_metadata, which writes an SP key,
	// certificate and metadata.
	CreateMetadata string
}

// Mellon returns the Apache and mod_auth_mellon installation, or skips
// (fails under CI=true) when a part is missing.
func Mellon(t testing.TB) Apache {
	t.Helper()
	const install = "apt-get install -y apache2 libapache2-mod-auth-mellon"
	a := Apache{Binary: "/usr/sbin/apache2", Modules: "/usr/lib/apache2/modules"}
	for _, p := range []string{a.Binary, filepath.Join(a.Modules, "mod_auth_mellon.so"), filepath.Join(a.Modules, "mod_mpm_event.so")} {
		if _, err := os.Stat(p); err != nil {
			Require(t, p, install)
		}
	}
	p, err := exec.LookPath("mellon_create_metadata")
	if err != nil {
		Require(t, "mellon_create_metadata", install)
	}
	a.CreateMetadata = p
	return a
}
