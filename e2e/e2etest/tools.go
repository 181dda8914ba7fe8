package e2etest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
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
