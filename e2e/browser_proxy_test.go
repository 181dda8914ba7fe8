//go:build unix

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/e2e/e2etest"
)

// The proxy acceptance test: `fedgate demo` under the Office 365 MFA policy
// extranet_only, published through a real `fedgate-proxy` enrolled with a
// one-time token from `fedgate proxy-trust issue`, driven by headless
// Chromium through browser-proxy.js.
//
//	extranet browser ─TLS─▶ fedgate-proxy (127.0.0.1:P) ─mutual TLS, proxy-trust cert─▶ fedgate (127.0.0.1:F)
//	intranet browser ─TLS─▶ fedgate (127.0.0.1:F)
const (
	proxyName        = "wap1.contoso.com"
	proxyStartWait   = 60 * time.Second
	proxyCmdTimeout  = 60 * time.Second
	maxProxyToken    = 4 << 10
	demoBobPassword  = "Bob-Passw0rd!"
	noMFAText        = "No MFA claim"
	demoBob          = "bob@contoso.com"
	demoAlice        = "alice@contoso.com"
	proxyShotsPrefix = "proxy-"
)

// TestBrowser_ProxyExtranetOnlyMFA walks the demo flow twice in fresh
// browsers: alice through fedgate-proxy must enroll a TOTP authenticator
// and is signed in with MFA and insidecorporatenetwork=false; bob straight
// to fedgate signs in with his password alone and gets
// insidecorporatenetwork=true and no MFA claim. Screenshots land in
// e2e/out/proxy-*.png.
func TestBrowser_ProxyExtranetOnlyMFA(t *testing.T) {
	if testing.Short() {
		t.Skip("browser acceptance test (builds fedgate and fedgate-proxy, runs Chromium): skipped under -short")
	}
	root := e2etest.ModuleRoot(t)
	node := requireBrowser(t, root)
	bins := t.TempDir()
	fedgateBin := buildCmd(t, root, "./cmd/fedgate", filepath.Join(bins, "fedgate"))
	proxyBin := buildCmd(t, root, "./cmd/fedgate-proxy", filepath.Join(bins, "fedgate-proxy"))

	demo := startDemo(t, fedgateBin, "--mfa", "extranet_only")
	px := startProxy(t, fedgateBin, proxyBin, demo)

	outDir := filepath.Join(root, "e2e", "out")
	sum := runBrowserProxyJS(t, node, filepath.Join(root, "e2e"), demo, px.origin, outDir)

	ext, in := sum.Result.Extranet, sum.Result.Intranet
	t.Run("extranet via fedgate-proxy", func(t *testing.T) {
		if ext.UPN != demoAlice || !ext.TOTPDemanded || ext.MFA != mfaDoneText || ext.InsideCorporateNetwork != "false" {
			t.Errorf("signed in as %q, TOTP demanded %v, mfa %q, insidecorporatenetwork %q; want %s, true, %q, false",
				ext.UPN, ext.TOTPDemanded, ext.MFA, ext.InsideCorporateNetwork, demoAlice, mfaDoneText)
		}
		checkPagesOn(t, ext.FedgatePages, px.origin)
	})
	t.Run("intranet direct", func(t *testing.T) {
		if in.UPN != demoBob || in.TOTPDemanded || in.MFA != noMFAText || in.InsideCorporateNetwork != "true" {
			t.Errorf("signed in as %q, TOTP demanded %v, mfa %q, insidecorporatenetwork %q; want %s, false, %q, true",
				in.UPN, in.TOTPDemanded, in.MFA, in.InsideCorporateNetwork, demoBob, noMFAText)
		}
		checkPagesOn(t, in.FedgatePages, demo.fedgate)
	})
	for _, p := range []struct{ name, url, want string }{
		{"extranet signed-in page", ext.URL, demo.msonline},
		{"intranet signed-in page", in.URL, demo.msonline},
	} {
		if !strings.HasPrefix(p.url, p.want) {
			t.Errorf("%s at %s, want under %s", p.name, p.url, p.want)
		}
	}
	checkProxyShots(t, sum, outDir)
	// The extranet sign-in really went through the proxy: its access log
	// has the sign-in pages.
	if logs := px.logs.String(); !strings.Contains(logs, "/adfs/ls/") {
		t.Errorf("fedgate-proxy logged no request for /adfs/ls/:\n%s", logs)
	}
	for name, logs := range map[string]string{"fedgate demo": demo.logs.String(), "fedgate-proxy": px.logs.String()} {
		for _, secret := range []string{demoAlicePassword, demoBobPassword, px.token} {
			if strings.Contains(logs, secret) {
				t.Errorf("a secret reached the %s log (%d characters)", name, len(secret))
			}
		}
	}
}

// runningProxy is an enrolled `fedgate-proxy run` subprocess.
type runningProxy struct {
	origin string // https://127.0.0.1:PORT
	logs   *capture
	token  string // the spent enrollment token, to check it is never logged
}

// proxyConfig is the fedgate-proxy configuration: the demo's TLS
// certificate (valid for 127.0.0.1) as the public one, the demo as the only
// node, pinned to the demo CA. Fast health checks let the proxy notice the
// node quickly; everything else is the documented default.
const proxyConfig = `federation_name: sts.contoso.com
listen:
  address: 127.0.0.1:0
  probe_address: ""
  tls_cert_file: %q
  tls_key_file: %q
backend:
  nodes:
    - url: %q
  ca_file: %q
  health_interval: 1s
proxy_trust:
  cert_file: %q
  key_file: %q
log:
  level: info
  format: json
`

// startProxy issues a one-time token on the demo's configuration
// (`fedgate proxy-trust issue`), enrolls a fedgate-proxy with it, runs the
// proxy on a free loopback port and waits until it answers /adfs/probe.
func startProxy(t *testing.T, fedgateBin, proxyBin string, demo *runningDemo) *runningProxy {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "fedgate-proxy.yaml")
	cfg := fmt.Sprintf(proxyConfig, filepath.Join(demo.data, "tls.crt"), filepath.Join(demo.data, "tls.key"), demo.fedgate,
		filepath.Join(demo.data, "demo-ca.pem"), filepath.Join(dir, "proxy-trust.crt"), filepath.Join(dir, "proxy-trust.key"))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	// On fedgate: the token is printed to stdout, once.
	tok := runTool(t, fedgateBin, "proxy-trust", "issue", "--config", filepath.Join(demo.data, "fedgate.yaml"), "--name", proxyName)
	token := strings.TrimSpace(tok)
	if token == "" || len(token) > maxProxyToken || strings.ContainsAny(token, " \n") {
		t.Fatalf("e2e: fedgate proxy-trust issue printed %d bytes, not one token", len(tok))
	}
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// On the proxy.
	out := runTool(t, proxyBin, "enroll", "--config", cfgPath, "--token-file", tokenFile)
	t.Logf("fedgate-proxy enroll: %s", strings.TrimSpace(out))

	logs := newAddrWriter()
	cmd := exec.Command(proxyBin, "run", "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = logs, logs
	exited := startGroup(t, cmd, "fedgate-proxy")
	ctx, cancel := context.WithTimeout(t.Context(), proxyStartWait)
	defer cancel()
	var addr string
	select {
	case addr = <-logs.addr:
	case err := <-exited:
		t.Fatalf("e2e: fedgate-proxy exited before serving: %v\n%s", err, logs)
	case <-ctx.Done():
		t.Fatalf("e2e: fedgate-proxy did not report its address within %s\n%s", proxyStartWait, logs)
	}
	px := &runningProxy{origin: "https://" + addr, logs: &logs.capture, token: token}
	waitProbe(ctx, t, px.origin, demo.data)
	t.Logf("fedgate-proxy: %s → %s", px.origin, demo.fedgate)
	return px
}

// runTool runs bin with args (bounded) and returns its stdout; a failure
// fails the test with stderr.
func runTool(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), proxyCmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("e2e: %s %s: %v\n%s", filepath.Base(bin), strings.Join(args[:min(2, len(args))], " "), err, stderr.String())
	}
	return stdout.String()
}

// waitProbe polls GET origin/adfs/probe over TLS pinned to the demo CA
// until it answers 200 or ctx ends. Each attempt is bounded; the loop
// waits for the previous answer, so it never sleeps.
func waitProbe(ctx context.Context, t *testing.T, origin, data string) {
	t.Helper()
	c := pinnedClient(t, filepath.Join(data, "demo-ca.pem"), 5*time.Second)
	defer c.CloseIdleConnections()
	var last error
	for ctx.Err() == nil {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, origin+"/adfs/probe", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
	}
	t.Fatalf("e2e: fedgate-proxy %s/adfs/probe never answered 200: %v", origin, last)
}

// addrWriter captures fedgate-proxy's JSON log and sends the address of
// its "fedgate-proxy serving" line once.
type addrWriter struct {
	capture
	addr chan string
	line []byte
	sent bool
}

func newAddrWriter() *addrWriter { return &addrWriter{addr: make(chan string, 1)} }

func (w *addrWriter) Write(p []byte) (int, error) {
	if _, err := w.capture.Write(p); err != nil {
		return 0, err
	}
	w.capture.mu.Lock()
	defer w.capture.mu.Unlock()
	if w.sent {
		return len(p), nil
	}
	w.line = append(w.line, p...)
	sc := bufio.NewScanner(bytes.NewReader(w.line))
	sc.Buffer(nil, maxCaptured)
	for sc.Scan() {
		var rec struct{ Msg, Address string }
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "fedgate-proxy serving" && rec.Address != "" {
			w.addr <- rec.Address
			w.sent, w.line = true, nil
			break
		}
	}
	if len(w.line) > maxCaptured {
		w.line = nil
	}
	return len(p), nil
}

// runBrowserProxyJS runs browser-proxy.js and returns its summary; a
// failed expectation fails the test with the phase, page and screenshot.
func runBrowserProxyJS(t *testing.T, node, dir string, demo *runningDemo, proxyOrigin, outDir string) *proxySummary {
	t.Helper()
	var sum proxySummary
	runWalk(t, node, dir, "browser-proxy.js", []string{demo.msonline, demo.fedgate, proxyOrigin, outDir}, nil, outDir, "proxy-summary.json", &sum)
	if len(sum.CSPViolations)+len(sum.PageErrors)+len(sum.StrayRequests) > 0 {
		t.Errorf("CSP violations %s; page errors %s; requests bypassing the proxy %s", sum.CSPViolations, sum.PageErrors, sum.StrayRequests)
	}
	return &sum
}

// checkPagesOn asserts every fedgate page a browser showed was on origin.
func checkPagesOn(t *testing.T, pages []string, origin string) {
	t.Helper()
	if len(pages) == 0 {
		t.Fatal("the browser showed no fedgate page")
	}
	for _, u := range pages {
		if !strings.HasPrefix(u, origin+"/") {
			t.Errorf("fedgate page %s is not under %s", u, origin)
		}
	}
}

// requiredProxyShots are pages the walk must have captured (names without
// the proxy-NN- prefix).
var requiredProxyShots = []string{
	"extranet-msonline-signin", "extranet-fedgate-password", "extranet-enroll-qr", "extranet-msonline-signed-in",
	"intranet-msonline-signin", "intranet-fedgate-password", "intranet-msonline-signed-in",
}

// checkProxyShots asserts on browser-proxy.js's screenshots (see
// checkShots).
func checkProxyShots(t *testing.T, sum *proxySummary, outDir string) {
	t.Helper()
	checkShots(t, sum.Pages, proxyShotsPrefix, outDir, requiredProxyShots)
}

// proxySummary is browser-proxy.js's JSON summary.
type proxySummary struct {
	walkResult
	Result                    struct{ Extranet, Intranet proxySignIn }
	Pages                     []walkPage
	PageErrors, CSPViolations []json.RawMessage
	StrayRequests             []json.RawMessage
}

// proxySignIn is one browser's sign-in as browser-proxy.js saw it.
type proxySignIn struct {
	UPN, MFA, InsideCorporateNetwork, URL string
	TOTPDemanded                          bool
	FedgatePages                          []string
}
