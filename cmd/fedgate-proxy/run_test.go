package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/proxytrust/proxytrusttest"
)

// fixture is a fedgate stand-in node (proxy-trust endpoints plus a
// handler reporting the client origin) and a proxy configuration file
// pointing at it.
type fixture struct {
	auth    *proxytrust.Authority
	pki     *proxytrusttest.ServerPKI
	node    *httptest.Server
	dir     string
	cfgPath string
	now     time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	now := time.Now()
	clock := proxytrusttest.NewClock(now)
	auth, err := proxytrust.New(proxytrust.Config{
		CA: proxytrusttest.NewCA(t, now), Store: proxytrusttest.NewStore(clock.Now), Now: clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{auth: auth, pki: proxytrusttest.NewServerPKI(t, now), dir: t.TempDir(), now: now}

	r := chi.NewRouter()
	auth.Mount(r)
	r.Get("/adfs/probe", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "OK\n") })
	r.HandleFunc("/*", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s|%s|%v|%s", r.URL.Path, proxytrust.ClientIP(r.Context()), proxytrust.Extranet(r.Context()), proxytrust.ProxyName(r.Context()))
	})
	f.node = httptest.NewUnstartedServer((&proxytrust.Headers{Verifier: auth.Verifier()}).Wrap(r))
	f.node.TLS = auth.Verifier().ServerTLSConfig(&tls.Config{
		Certificates: []tls.Certificate{f.pki.Leaf(t, now, "127.0.0.1")}, MinVersion: tls.VersionTLS12,
	})
	f.node.StartTLS()
	t.Cleanup(f.node.Close)

	f.writeServerCert(t, "tls", "sts.contoso.com")
	writeFile(t, filepath.Join(f.dir, "fedgate-ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.pki.CA.Raw}), 0o644)
	f.cfgPath = filepath.Join(f.dir, "fedgate-proxy.yaml")
	writeFile(t, f.cfgPath, []byte(fmt.Sprintf(`federation_name: sts.contoso.com
listen:
  address: "127.0.0.1:0"
  probe_address: "127.0.0.1:0"
  tls_cert_file: %[1]s/tls.crt
  tls_key_file: %[1]s/tls.key
backend:
  ca_file: %[1]s/fedgate-ca.pem
  nodes:
    - url: %[2]s
proxy_trust:
  cert_file: %[1]s/proxy-trust.crt
  key_file: %[1]s/proxy-trust.key
log:
  level: debug
`, f.dir, f.node.URL)), 0o644)
	return f
}

// writeServerCert writes name.crt/name.key for the public listener.
func (f *fixture) writeServerCert(t *testing.T, name string, hosts ...string) *x509.Certificate {
	t.Helper()
	pair := f.pki.Leaf(t, f.now, append(hosts, "127.0.0.1")...)
	keyDER, err := x509.MarshalPKCS8PrivateKey(pair.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(f.dir, name+".key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	writeFile(t, filepath.Join(f.dir, name+".crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pair.Leaf.Raw}), 0o644)
	return pair.Leaf
}

func writeFile(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}

// testEnv is an env whose tickers never fire and whose SIGHUP channel the
// test drives.
func testEnv(hups chan os.Signal, ready func(https, probe net.Addr)) env {
	e := defaultEnv()
	e.ticker = func(time.Duration) (<-chan time.Time, func()) { return make(chan time.Time), func() {} }
	e.hangups = func() (<-chan os.Signal, func()) { return hups, func() {} }
	e.ready = ready
	return e
}

func (f *fixture) run(t *testing.T, e env, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runEnv(t.Context(), args, &out, &errOut, e)
	return code, out.String(), errOut.String()
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{nil, 2},
		{[]string{"frobnicate"}, 2},
		{[]string{"version"}, 0},
		{[]string{"help"}, 0},
		{[]string{"run", "--config", "/nonexistent/fedgate-proxy.yaml"}, 2},
		{[]string{"check-config", "--config", "/nonexistent/x.yaml", "stray"}, 2},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(t.Context(), tt.args, &out, &errOut); code != tt.code {
				t.Fatalf("exit %d, want %d (%s)", code, tt.code, errOut.String())
			}
		})
	}
}

func TestEnrollThenRun(t *testing.T) {
	f := newFixture(t)
	e := testEnv(make(chan os.Signal), func(net.Addr, net.Addr) {})

	code, _, stderr := f.run(t, e, "check-config", "--config", f.cfgPath)
	if code != 2 || !strings.Contains(stderr, "not enrolled") {
		t.Fatalf("check-config before enrollment: %d %s", code, stderr)
	}

	tok, _, err := f.auth.IssueToken(t.Context(), "wap1.contoso.com", 0)
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(f.dir, "token")
	writeFile(t, tokenFile, []byte(tok.Reveal()+"\n"), 0o600)
	code, stdout, stderr := f.run(t, e, "enroll", "--config", f.cfgPath, "--token-file", tokenFile)
	if code != 0 || !strings.Contains(stdout, "wap1.contoso.com") {
		t.Fatalf("enroll: %d %s %s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, tok.Reveal()) {
		t.Fatal("enroll printed the token")
	}
	st, err := os.Stat(filepath.Join(f.dir, "proxy-trust.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v", err)
	}
	if code, _, stderr := f.run(t, e, "enroll", "--config", f.cfgPath, "--token-file", tokenFile); code != 2 || !strings.Contains(stderr, "already enrolled") {
		t.Fatalf("second enroll: %d %s", code, stderr)
	}
	if code, _, stderr := f.run(t, e, "enroll", "--config", f.cfgPath, "--token-file", tokenFile, "--force"); code != 1 || !strings.Contains(stderr, "401") {
		t.Fatalf("enroll with a used token: %d %s", code, stderr)
	}
	if code, stdout, stderr := f.run(t, e, "check-config", "--config", f.cfgPath); code != 0 || !strings.Contains(stdout, "configuration OK") {
		t.Fatalf("check-config: %d %s %s", code, stdout, stderr)
	}

	ctx, cancel := context.WithCancel(t.Context())
	hups := make(chan os.Signal)
	addrs := make(chan [2]net.Addr, 1)
	e = testEnv(hups, func(https, probe net.Addr) { addrs <- [2]net.Addr{https, probe} })
	done := make(chan int, 1)
	var logs bytes.Buffer
	go func() { done <- runEnv(ctx, []string{"run", "--config", f.cfgPath}, io.Discard, &logs, e) }()
	var a [2]net.Addr
	select {
	case a = <-addrs:
	case code := <-done:
		t.Fatalf("run exited with %d: %s", code, logs.String())
	}
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("run exit %d", code)
		}
	}()

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: f.pki.Pool, ServerName: "sts.contoso.com", MinVersion: tls.VersionTLS12},
	}}
	base := "https://" + a[0].String()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/adfs/ls/?wa=wsignin1.0"); code != 200 || body != "/adfs/ls/|127.0.0.1|true|wap1.contoso.com" {
		t.Fatalf("through the proxy: %d %q", code, body)
	}
	if code, _ := get("/adfs/oauth2/authorize"); code != 404 {
		t.Fatalf("unpublished path: %d", code)
	}
	resp, err := http.Get("http://" + a[1].String() + "/adfs/probe")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("probe listener: %d", resp.StatusCode)
	}

	// SIGHUP reloads the public certificate: new connections get the new one.
	newLeaf := f.writeServerCert(t, "tls", "sts.contoso.com", "sts2.contoso.com")
	hups <- os.Interrupt // any value: the channel stands for SIGHUP
	hups <- os.Interrupt // received only after the first reload finished
	client.CloseIdleConnections()
	resp, err = client.Get(base + "/adfs/probe")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.TLS.PeerCertificates[0]; !got.Equal(newLeaf) {
		t.Fatalf("after SIGHUP the listener presents serial %s, want %s", got.SerialNumber, newLeaf.SerialNumber)
	}
}

func TestReadToken(t *testing.T) {
	tok, _ := proxytrust.NewToken(rand.Reader)
	dir := t.TempDir()
	file := filepath.Join(dir, "t")
	writeFile(t, file, []byte(tok.Reveal()+"\n"), 0o600)
	tests := []struct {
		name, arg, file string
		ok              bool
	}{
		{"file", "", file, true},
		{"argument", tok.Reveal(), "", true},
		{"both", tok.Reveal(), file, false},
		{"neither", "", "", false},
		{"missing file", "", filepath.Join(dir, "none"), false},
		{"malformed", "fgpt1.short", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readToken(tt.arg, tt.file)
			if tt.ok != (err == nil) || (tt.ok && got.Reveal() != tok.Reveal()) {
				t.Fatalf("readToken = %v, %v", got, err)
			}
		})
	}
}
