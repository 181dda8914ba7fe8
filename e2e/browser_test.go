//go:build unix

package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fedgate/fedgate/e2e/e2etest"
)

// The browser acceptance test: the real `fedgate demo` binary, driven by a
// real headless Chromium through browser.js (playwright-core).
const (
	chromiumPath = "/usr/bin/chromium"

	buildTimeout   = 5 * time.Minute // go build ./cmd/fedgate, cold cache on 2 cores
	bannerTimeout  = 60 * time.Second
	browserTimeout = 4 * time.Minute // browser.js stops itself after 150 s
	stopTimeout    = 10 * time.Second

	// maxCaptured bounds what is kept of each subprocess's output.
	maxCaptured = 4 << 20

	// Fixed by the demo directory (ldaptest.Contoso) and browser.js.
	demoAlicePassword    = "Alice-Passw0rd!"
	demoAliceImmutable   = "RW+aKiwLHUqeP11se4qfAQ==" // o365-reference section 4
	browserWrongPassword = "Not-Bobs-Passw0rd!"       // browser.js WRONG_PASSWORD
	mfaDoneText          = "MFA done by the federated IdP"
	genericSignInPrefix  = "Incorrect user ID or password"
	managedUser          = "someone@fabrikam.com"
)

// TestBrowser_DemoSignIn builds fedgate, starts `fedgate demo` on loopback
// ports and lets browser.js walk the Office 365 flow in headless Chromium:
// enrollment with a TOTP code, token auto-POST under the real CSP, single
// sign-on, the managed-domain page, the generic wrong-password error and a
// returning user's code page. Screenshots of every page land in e2e/out/.
func TestBrowser_DemoSignIn(t *testing.T) {
	if testing.Short() {
		t.Skip("browser acceptance test (builds fedgate, runs Chromium): skipped under -short")
	}
	root := e2etest.ModuleRoot(t)
	node := requireBrowser(t, root)
	bin := buildFedgate(t, root)
	// Legacy clients need app passwords, which browser.js creates on the
	// security page (see checkAppPasswords).
	demo := startDemo(t, bin, "--legacy-clients", "app_password")

	outDir := filepath.Join(root, "e2e", "out")
	sum := runBrowserJS(t, node, filepath.Join(root, "e2e"), demo.msonline, outDir)

	checkSummary(t, sum, demo)
	checkScreenshots(t, sum, outDir)
	checkAppPasswords(t, sum, demo, outDir)
	for _, c := range sum.ConsoleErrors {
		t.Logf("console %s in %s (%s): %s  [%s]", c.Type, c.Browser, c.Phase, c.Text, c.URL)
	}
	logs := demo.logs.String()
	for _, secret := range []string{demoAlicePassword, browserWrongPassword} {
		if strings.Contains(logs, secret) {
			t.Errorf("a password typed into the browser reached fedgate's log: %q", secret)
		}
	}
}

// requireBrowser returns the node binary, or skips (fails under CI=true)
// when Chromium, node or playwright-core is missing.
func requireBrowser(t *testing.T, root string) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		e2etest.Require(t, chromiumPath, "apt-get install -y chromium")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		e2etest.Require(t, "node", "apt-get install -y nodejs npm")
	}
	if _, err := os.Stat(filepath.Join(root, "e2e", "node_modules", "playwright-core", "package.json")); err != nil {
		e2etest.Require(t, "e2e/node_modules/playwright-core", "make e2e-deps")
	}
	return node
}

// buildFedgate compiles ./cmd/fedgate into a temporary directory.
func buildFedgate(t *testing.T, root string) string {
	t.Helper()
	return buildCmd(t, root, "./cmd/fedgate", filepath.Join(t.TempDir(), "fedgate"))
}

// buildCmd compiles the main package pkg to out. go test puts GOROOT/bin
// first on PATH, so "go" is the toolchain running the test.
func buildCmd(t *testing.T, root, pkg, out string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("e2e: the go tool is not on PATH: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("e2e: go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// runningDemo is a `fedgate demo` subprocess.
type runningDemo struct {
	msonline string // "Start here" URL, e.g. https://127.0.0.1:PORT/
	fedgate  string // fedgate origin, e.g. https://127.0.0.1:PORT
	logs     *capture
	banner   *bannerWriter // stdout
	data     string        // the demo's data directory (tls.crt, …)
}

// startDemo runs `fedgate demo` with a fresh data directory on free
// loopback ports, plus the extra flags, in its own process group (stopped
// in t.Cleanup, see startGroup), and waits (bounded) for the banner's URLs.
func startDemo(t *testing.T, bin string, extra ...string) *runningDemo {
	t.Helper()
	data := t.TempDir() // registered before the stop in startGroup, so removed after it
	banner, logs := newBannerWriter(), &capture{}
	args := append([]string{"demo", "--listen", "127.0.0.1:0", "--msonline-listen", "127.0.0.1:0", "--data", data}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = banner, logs
	exited := startGroup(t, cmd, "fedgate demo")
	ctx, cancel := context.WithTimeout(t.Context(), bannerTimeout)
	defer cancel()
	select {
	case <-banner.ready:
	case err := <-exited:
		t.Fatalf("e2e: fedgate demo exited before printing its URLs: %v\nstdout:\n%s\nstderr:\n%s", err, banner, logs)
	case <-ctx.Done():
		t.Fatalf("e2e: fedgate demo printed no URLs within %s\nstdout:\n%s\nstderr:\n%s", bannerTimeout, banner, logs)
	}
	msonline, fedgate := banner.urls()
	t.Logf("fedgate demo %v: start %s, fedgate %s", extra, msonline, fedgate)
	return &runningDemo{msonline: msonline, fedgate: strings.TrimSuffix(fedgate, "/adfs/ls/"), logs: logs, banner: banner, data: data}
}

// pinnedClient returns an HTTPS client that trusts only the certificates
// in pemFile (the demo's demo-ca.pem or tls.crt), speaks TLS 1.2 or later
// and bounds each request by timeout. The caller closes its idle
// connections.
func pinnedClient(t *testing.T, pemFile string, timeout time.Duration) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(pemFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatalf("e2e: %s holds no certificate", pemFile)
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}},
	}
}

// startGroup starts cmd in its own process group and stops the group in
// t.Cleanup (SIGTERM, then SIGKILL after stopTimeout). The returned
// channel receives cmd's exit once.
func startGroup(t *testing.T, cmd *exec.Cmd, name string) <-chan error {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("e2e: start %s: %v", name, err)
	}
	exited := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		exited <- cmd.Wait()
		close(done)
	}()
	pgid := cmd.Process.Pid
	t.Cleanup(func() {
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		timer := time.NewTimer(stopTimeout)
		defer timer.Stop()
		select {
		case <-done:
		case <-timer.C:
			t.Logf("%s ignored SIGTERM for %s; killing its process group", name, stopTimeout)
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-done
		}
	})
	return exited
}

// runBrowserJS runs browser.js against the demo and returns its summary.
func runBrowserJS(t *testing.T, node, dir, startURL, outDir string) *browserSummary {
	t.Helper()
	var sum browserSummary
	runWalk(t, node, dir, "browser.js", []string{startURL, outDir}, nil, outDir, "browser-summary.json", &sum)
	return &sum
}

// walkResult is how a walk script (browser.js, browser-proxy.js,
// browser-samba.js, browser-mellon.js; browserlib.js runMain) says its run
// ended; each summary type embeds it.
type walkResult struct {
	OK                            bool
	Phase, Error, URL, Screenshot string
}

func (w *walkResult) ended() *walkResult { return w }

// walkSummary is a walk script's decoded JSON summary.
type walkSummary interface{ ended() *walkResult }

// runWalk runs `node script args…` in dir, in its own process group and
// bounded by browserTimeout, with env added to the test's environment. It
// decodes stdout into sum and keeps it as outDir/keepAs. Exit status 1
// with a summary (an expectation failed) fails the test with the failing
// phase, page and screenshot; any other failure, or success without
// ok=true, fails it with stdout.
func runWalk(t *testing.T, node, dir, script string, args, env []string, outDir, keepAs string, sum walkSummary) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), browserTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{script}, args...)...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	stdout, stderr := &capture{}, &capture{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// Own process group; on timeout SIGTERM it, so playwright-core closes
	// Chromium, and kill node itself if it still hangs after WaitDelay.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = stopTimeout
	err := cmd.Run()
	t.Logf("%s stderr:\n%s", script, stderr)

	decodeErr := json.Unmarshal(stdout.Bytes(), sum)
	if decodeErr == nil {
		if werr := os.WriteFile(filepath.Join(outDir, keepAs), stdout.Bytes(), 0o644); werr != nil {
			t.Logf("e2e: keep the summary: %v", werr)
		}
	}
	res := sum.ended()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("e2e: %s did not finish within %s: %v", script, browserTimeout, err)
	case err == nil && (decodeErr != nil || !res.OK):
		t.Fatalf("e2e: %s passed without an ok summary (%v)\n%s", script, decodeErr, stdout)
	case err == nil:
	case errors.As(err, &exit) && exit.ExitCode() == 1 && decodeErr == nil:
		t.Fatalf("%s: %s failed: %s\n  page: %s\n  screenshot: %s",
			script, res.Phase, res.Error, res.URL, filepath.Join(outDir, res.Screenshot))
	default:
		t.Fatalf("e2e: node %s: %v\nstdout:\n%s", script, err, stdout)
	}
}

// checkSummary asserts on what browser.js saw, independently of the
// checks browser.js made itself.
func checkSummary(t *testing.T, sum *browserSummary, demo *runningDemo) {
	t.Helper()
	if !sum.OK {
		t.Fatalf("browser.js exited 0 without ok=true: %+v", sum)
	}
	r := sum.Result
	for _, s := range []struct {
		name string
		got  signedIn
	}{
		{"first sign-in", r.FirstSignIn},
		{"single sign-on", r.SSO.signedIn},
		{"returning sign-in", r.ReturningSignIn.signedIn},
	} {
		t.Run(s.name, func(t *testing.T) {
			if s.got.UPN != "alice@contoso.com" || s.got.MFA != mfaDoneText {
				t.Errorf("signed in as %q with mfa %q", s.got.UPN, s.got.MFA)
			}
			if s.got.ImmutableID != demoAliceImmutable || s.got.Issuer == "" {
				t.Errorf("ImmutableID %q, issuer %q", s.got.ImmutableID, s.got.Issuer)
			}
			if !strings.HasPrefix(s.got.URL, demo.msonline) {
				t.Errorf("signed-in page %s is not on the simulated Microsoft Online %s", s.got.URL, demo.msonline)
			}
		})
	}
	if r.FirstSignIn.AutoPost.Action != strings.TrimSuffix(demo.msonline, "/")+"/login.srf" {
		t.Errorf("token form posted to %q", r.FirstSignIn.AutoPost.Action)
	}
	var fedgatePages []string
	for _, u := range r.SSO.Navigations {
		if strings.HasPrefix(u, demo.fedgate+"/") {
			fedgatePages = append(fedgatePages, u)
		}
	}
	if r.SSO.PasswordPageShown || len(fedgatePages) != 1 {
		t.Errorf("single sign-on went through fedgate pages %q; want only the token page", fedgatePages)
	}
	if !r.ReturningSignIn.CodePageShown {
		t.Error("a returning user did not see the code page")
	}
	if r.Managed.User != managedUser {
		t.Errorf("managed domain checked for %q", r.Managed.User)
	}
	if !strings.HasPrefix(r.WrongPassword.Error, genericSignInPrefix) || r.UnknownUser.Error != r.WrongPassword.Error {
		t.Errorf("wrong password says %q, unknown user says %q; want the same generic message",
			r.WrongPassword.Error, r.UnknownUser.Error)
	}
	if len(sum.CSPViolations) > 0 || len(sum.PageErrors) > 0 {
		t.Errorf("CSP violations %s; page errors %s", sum.CSPViolations, sum.PageErrors)
	}
	// Pages are attributed to the right server: the banner's URLs are the
	// ones the browser ended up on.
	for _, p := range sum.Pages {
		want := demo.msonline
		switch {
		case strings.HasPrefix(p.Name, "fedgate-security"):
			want = demo.fedgate + "/adfs/portal/security"
		case strings.HasPrefix(p.Name, "fedgate-") || p.Name == "enroll-qr":
			want = demo.fedgate + "/adfs/ls/"
		}
		if !strings.HasPrefix(p.URL, want) {
			t.Errorf("%s was at %s, want under %s", p.Screenshot, p.URL, want)
		}
	}
}

// requiredShots are pages the walk must have captured (by name, without
// the NN- prefix).
var requiredShots = []string{
	"msonline-signin", "fedgate-password", "enroll-qr", "fedgate-autopost", "msonline-signed-in",
	"fedgate-autopost-sso", "msonline-signed-in-sso", "msonline-managed-domain",
	"fedgate-wrong-password", "fedgate-mfa-code", "msonline-signed-in-returning",
	"fedgate-security", "fedgate-security-revoked",
}

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// checkScreenshots asserts on browser.js's screenshots (see checkShots).
func checkScreenshots(t *testing.T, sum *browserSummary, outDir string) {
	t.Helper()
	checkShots(t, sum.Pages, "", outDir, requiredShots)
	t.Logf("%d screenshots in %s", len(sum.Pages), outDir)
}

// walkPage is one page a walk script screenshotted.
type walkPage struct {
	N                            int
	Name, Phase, URL, Screenshot string
}

// checkShots asserts a walk's screenshots are numbered 1..n in order as
// <prefix>NN-<name>.png, exist as PNG files in outDir and include every
// required name.
func checkShots(t *testing.T, pages []walkPage, prefix, outDir string, required []string) {
	t.Helper()
	seen := map[string]bool{}
	for i, p := range pages {
		if want := fmt.Sprintf("%s%02d-%s.png", prefix, i+1, p.Name); p.N != i+1 || p.Screenshot != want {
			t.Errorf("page %d recorded as #%d %q, want %q", i+1, p.N, p.Screenshot, want)
		}
		b, err := os.ReadFile(filepath.Join(outDir, p.Screenshot))
		if err != nil || !bytes.HasPrefix(b, pngMagic) {
			t.Errorf("screenshot %s is missing or not a PNG (err %v)", p.Screenshot, err)
		}
		seen[p.Name] = true
	}
	for _, name := range required {
		if !seen[name] {
			t.Errorf("no screenshot of %s", name)
		}
	}
}

// browserSummary is browser.js's JSON summary (field names match
// case-insensitively).
type browserSummary struct {
	walkResult
	Result struct {
		FirstSignIn signedIn
		SSO         struct {
			signedIn
			PasswordPageShown bool
			Navigations       []string
		}
		ReturningSignIn struct {
			signedIn
			CodePageShown bool
		}
		Managed       struct{ User, Text string }
		WrongPassword struct{ User, Error string }
		UnknownUser   struct{ User, Error string }
		AppPasswords  struct {
			Created, Revoked int
			File             string
		}
	}
	Pages         []walkPage
	ConsoleErrors []struct{ Browser, Phase, Type, Text, URL string }
	PageErrors    []json.RawMessage
	CSPViolations []json.RawMessage
}

// signedIn is what the simulated Microsoft Online's signed-in page showed.
type signedIn struct {
	UPN, MFA, ImmutableID, Issuer, URL string
	AutoPost                           struct{ Page, Action string }
}

// bannerLine matches the two URL lines of demo.Banner.
var bannerLine = regexp.MustCompile(`(?m)^\s*(Start here \(simulated Microsoft Online\)|fedgate \(federation service\)):\s*(https://\S+)(?:\s+\(.*\))?\s*$`)

// bannerWriter is the demo's stdout: it keeps the first maxCaptured bytes
// and closes ready once both URL lines have been printed.
type bannerWriter struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	msonline string
	fedgate  string
	ready    chan struct{}
	once     sync.Once
}

func newBannerWriter() *bannerWriter { return &bannerWriter{ready: make(chan struct{})} }

func (w *bannerWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := maxCaptured - w.buf.Len(); room > 0 {
		w.buf.Write(p[:min(len(p), room)])
	}
	if w.msonline != "" && w.fedgate != "" {
		return len(p), nil // found: later output is only kept
	}
	for _, m := range bannerLine.FindAllStringSubmatch(w.buf.String(), -1) {
		if strings.HasPrefix(m[1], "Start here") {
			w.msonline = m[2]
		} else {
			w.fedgate = m[2]
		}
	}
	if w.msonline != "" && w.fedgate != "" {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func (w *bannerWriter) urls() (msonline, fedgate string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.msonline, w.fedgate
}

func (w *bannerWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// capture is a goroutine-safe writer keeping the first maxCaptured bytes.
type capture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := maxCaptured - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *capture) Bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.buf.Bytes())
}

func (c *capture) String() string { return string(c.Bytes()) }
