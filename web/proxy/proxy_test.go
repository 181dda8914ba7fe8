package proxy_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/web/proxy"
	"github.com/fedgate/fedgate/web/webtest"
)

func TestAllowList_OnlyPublishedPathsReachFedgate(t *testing.T) {
	e := newEnv(t, 1, nil)
	tests := []struct {
		name, method, target string
		want                 int
		forwarded            string // path fedgate must see; "" = must see nothing
	}{
		{"passive sign-in", "GET", "/adfs/ls/?wa=wsignin1.0&wtrealm=urn:federation:MicrosoftOnline", 200, "/adfs/ls/"},
		{"passive post", "POST", "/adfs/ls/", 200, "/adfs/ls/"},
		{"passive without slash", "GET", "/adfs/ls", 200, "/adfs/ls"},
		{"WS-Trust 2005 usernamemixed", "POST", "/adfs/services/trust/2005/usernamemixed", 200, "/adfs/services/trust/2005/usernamemixed"},
		{"WS-Trust 1.3 usernamemixed", "POST", "/adfs/services/trust/13/usernamemixed", 200, "/adfs/services/trust/13/usernamemixed"},
		{"MEX", "GET", "/adfs/services/trust/mex", 200, "/adfs/services/trust/mex"},
		{"metadata", "GET", "/FederationMetadata/2007-06/FederationMetadata.xml", 200, "/FederationMetadata/2007-06/FederationMetadata.xml"},
		{"metadata lower case", "GET", "/federationmetadata/2007-06/federationmetadata.xml", 200, "/federationmetadata/2007-06/federationmetadata.xml"},
		{"portal asset", "GET", "/adfs/portal/css/style.css", 200, "/adfs/portal/css/style.css"},
		{"favicon", "GET", "/favicon.ico", 200, "/favicon.ico"},
		{"absolute-form target", "GET", "https://evil.example/adfs/ls/", 200, "/adfs/ls/"},
		{"probe is answered locally", "GET", "/adfs/probe", 200, ""},

		{"windowstransport 2005", "POST", "/adfs/services/trust/2005/windowstransport", 404, ""},
		{"windowstransport 13", "POST", "/adfs/services/trust/13/windowstransport", 404, ""},
		{"certificatemixed", "POST", "/adfs/services/trust/2005/certificatemixed", 404, ""},
		{"oauth2", "GET", "/adfs/oauth2/authorize", 404, ""},
		{"oauth2 directory", "GET", "/adfs/oauth2/", 404, ""},
		{"admin", "GET", "/admin", 404, ""},
		{"root", "GET", "/", 404, ""},
		{"proxy enrollment is not published", "POST", "/adfs/proxy/EstablishTrust", 404, ""},
		{"proxy renewal is not published", "POST", "/adfs/proxy/RenewTrust", 404, ""},
		{"dot-dot out of ls", "GET", "/adfs/ls/../../admin", 404, ""},
		{"dot-dot out of portal", "GET", "/adfs/portal/../oauth2/authorize", 404, ""},
		{"dot-dot to windowstransport", "POST", "/adfs/services/trust/mex/../2005/windowstransport", 404, ""},
		{"dot segment", "GET", "/adfs/ls/./", 404, ""},
		{"double slash", "GET", "//adfs/ls/", 404, ""},
		{"inner double slash", "GET", "/adfs//ls/", 404, ""},
		{"encoded slash dot-dot", "GET", "/adfs/portal/..%2f..%2fadmin", 404, ""},
		{"encoded upper-case slash", "GET", "/adfs/portal/css%2F..%2F..%2Foauth2", 404, ""},
		{"encoded dots", "GET", "/adfs/portal/%2e%2e/oauth2/", 404, ""},
		{"encoded letter", "GET", "/adfs/%6cs/", 404, ""},
		{"encoded slash in ls", "GET", "/adfs/ls%2f", 404, ""},
		{"double encoding", "GET", "/adfs/portal/%252e%252e/admin", 404, ""},
		{"backslash", "GET", "/adfs/portal/css\\..\\..\\admin", 404, ""},
		{"matrix parameter", "GET", "/adfs/ls/;jsessionid=x", 404, ""},
		{"asterisk", "OPTIONS", "*", 404, ""},

		{"usernamemixed is POST only", "GET", "/adfs/services/trust/2005/usernamemixed", 405, ""},
		{"metadata is GET only", "POST", "/FederationMetadata/2007-06/FederationMetadata.xml", 405, ""},
		{"no DELETE on ls", "DELETE", "/adfs/ls/", 405, ""},
		{"no TRACE", "TRACE", "/adfs/ls/", 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.totalSeen()
			resp, body := e.raw(t, tt.method, tt.target, "")
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d; body %q", resp.StatusCode, tt.want, body)
			}
			after := e.totalSeen()
			if tt.forwarded == "" {
				if after != before {
					t.Fatalf("fedgate saw %d request(s); the proxy must answer itself", after-before)
				}
				if tt.want != 200 && resp.Header.Get("X-Activity-Id") == "" {
					t.Error("the proxy's own page lacks an activity ID")
				}
				return
			}
			if after != before+1 {
				t.Fatalf("fedgate saw %d request(s), want 1", after-before)
			}
			got := e.lastSeen(t)
			if got.Path != tt.forwarded || got.Method != tt.method || got.Host != federationName {
				t.Fatalf("fedgate saw %s %s (Host %s), want %s %s (Host %s)", got.Method, got.Path, got.Host, tt.method, tt.forwarded, federationName)
			}
			if _, query, _ := strings.Cut(tt.target, "?"); got.RawQuery != query {
				t.Fatalf("fedgate saw query %q, want %q", got.RawQuery, query)
			}
		})
	}
}

func TestForwarding_SpoofedHeadersNeverReachFedgate(t *testing.T) {
	e := newEnv(t, 1, nil)
	const spoof = "198.51.100.66"
	spoofed := "X-MS-Forwarded-Client-IP: " + spoof + "\r\n" +
		"x-ms-forwarded-client-ip: " + spoof + "\r\n" +
		"X_MS_Forwarded_Client_IP: " + spoof + "\r\n" +
		"X-MS-Proxy: " + spoof + "\r\n" +
		"X-MS-Endpoint-Absolute-Path: /" + spoof + "\r\n" +
		"X-MS-Client-IP: " + spoof + "\r\n" +
		"X-Forwarded-For: " + spoof + "\r\n" +
		"X-Forwarded-Host: " + spoof + "\r\n" +
		"X-Forwarded-Proto: http-" + spoof + "\r\n" +
		"Forwarded: for=" + spoof + "\r\n" +
		"X-Real-IP: " + spoof + "\r\n"
	resp, _ := e.raw(t, "GET", "/adfs/ls/?wa=wsignin1.0", spoofed)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := e.lastSeen(t)
	for k, vs := range got.Header {
		for _, v := range vs {
			if strings.Contains(v, spoof) {
				t.Errorf("fedgate received %s: %s", k, v)
			}
		}
	}
	want := map[string]string{
		proxytrust.HeaderForwardedClientIP:    clientAddr,
		proxytrust.HeaderProxy:                proxyName,
		proxytrust.HeaderEndpointAbsolutePath: "/adfs/ls/",
		"X-Forwarded-For":                     clientAddr,
		"X-Forwarded-Host":                    federationName,
		"X-Forwarded-Proto":                   "https",
	}
	for k, v := range want {
		if vs := got.Header.Values(k); len(vs) != 1 || vs[0] != v {
			t.Errorf("%s = %q, want exactly [%s]", k, vs, v)
		}
	}
	for _, k := range []string{"Forwarded", "X-Real-Ip", "X-Ms-Client-Ip", "X_MS_Forwarded_Client_IP"} {
		if _, ok := got.Header[k]; ok {
			t.Errorf("%s reached fedgate", k)
		}
	}
	if got.Origin.ClientIP.String() != clientAddr || !got.Origin.Extranet || got.Origin.Proxy != proxyName {
		t.Errorf("fedgate's view of the client: %+v, want %s via %s (extranet)", got.Origin, clientAddr, proxyName)
	}
}

func TestFedgate_IgnoresForwardedHeaderWithoutProxyCertificate(t *testing.T) {
	e := newEnv(t, 1, nil)
	// An intranet client talks to the node directly, claiming to be a proxy.
	c := e.client()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.nodes[0].srv.URL+"/adfs/ls/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(proxytrust.HeaderForwardedClientIP, "198.51.100.66")
	req.Header.Set(proxytrust.HeaderProxy, proxyName)
	c.Transport.(*http.Transport).TLSClientConfig.ServerName = "fs.corp.contoso.com"
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := e.lastSeen(t)
	if got.Origin.ClientIP.String() != clientAddr || got.Origin.Extranet || got.Origin.Proxy != "" {
		t.Fatalf("origin %+v, want direct client %s", got.Origin, clientAddr)
	}
	if got.Header.Get(proxytrust.HeaderForwardedClientIP) != "" || got.Header.Get(proxytrust.HeaderProxy) != "" {
		t.Fatal("forged headers reached the handler")
	}
}

func TestRevokedProxyCertificate_IsRefusedByFedgate(t *testing.T) {
	e := newEnv(t, 1, nil)
	if resp, _ := e.raw(t, "GET", "/adfs/ls/", ""); resp.StatusCode != 200 {
		t.Fatalf("before revocation: %d", resp.StatusCode)
	}
	if _, err := e.auth.RevokeProxy(t.Context(), proxyName); err != nil {
		t.Fatal(err)
	}
	before := e.totalSeen()
	resp, body := e.raw(t, "GET", "/adfs/ls/", "X-MS-Forwarded-Client-IP: 10.0.0.1\r\n")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("after revocation: %d %q, want 403", resp.StatusCode, body)
	}
	if e.totalSeen() != before {
		t.Fatal("fedgate's handler ran for a revoked proxy")
	}
}

func TestFailover_ToSecondNodeWhenFirstIsDown(t *testing.T) {
	e := newEnv(t, 1, func(c *proxy.Config) {
		c.Nodes = append([]proxy.Node{{URL: deadNodeURL(t)}}, c.Nodes...)
	})
	live := e.nodes[0]
	for i := range 4 {
		resp, err := e.client().Post(e.front.URL+"/adfs/ls/", "application/x-www-form-urlencoded", strings.NewReader("step=password&n="+string(rune('0'+i))))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != live.name {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, body)
		}
	}
	seen := live.requests()
	if len(seen) != 4 || seen[0].Body != "step=password&n=0" {
		t.Fatalf("live node saw %d requests, first body %q", len(seen), seen[0].Body)
	}
	if st := e.proxy.Nodes(); st[0].Healthy || !st[1].Healthy {
		t.Fatalf("node states %+v, want the dead node marked down", st)
	}
}

func TestHealthChecks_MarkNodeDownAndBackUp(t *testing.T) {
	e := newEnv(t, 2, nil)
	ctx, cancel := context.WithCancel(t.Context())
	ticks := make(chan time.Time)
	done := make(chan struct{})
	go func() {
		e.proxy.RunHealthChecks(ctx, ticks)
		close(done)
	}()
	t.Cleanup(func() { cancel(); <-done })

	e.nodes[0].probeDown.Store(true)
	tick(ctx, ticks)
	if st := e.proxy.Nodes(); st[0].Healthy || !st[1].Healthy {
		t.Fatalf("after failed probe: %+v", st)
	}
	for range 3 {
		resp, _ := e.raw(t, "GET", "/adfs/ls/", "")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	if n := len(e.nodes[0].requests()); n != 0 {
		t.Fatalf("the node marked down got %d requests while another was healthy", n)
	}

	e.nodes[0].probeDown.Store(false)
	tick(ctx, ticks)
	if st := e.proxy.Nodes(); !st[0].Healthy || !st[1].Healthy {
		t.Fatalf("after good probe: %+v", st)
	}
	for range 4 {
		_, _ = e.raw(t, "GET", "/adfs/ls/", "")
	}
	if len(e.nodes[0].requests()) == 0 {
		t.Fatal("the recovered node receives no traffic")
	}
	if !strings.Contains(e.logBuf.String(), "fedgate node is up") {
		t.Error("recovery not logged")
	}
}

func TestUnavailablePage_WhenNoNodeAnswers(t *testing.T) {
	dead1, dead2 := deadNodeURL(t), deadNodeURL(t)
	e := newEnv(t, 0, func(c *proxy.Config) {
		c.Nodes = []proxy.Node{{URL: dead1}, {URL: dead2}}
	})
	resp, body := e.raw(t, "GET", "/adfs/ls/?wa=wsignin1.0", "")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q", ct)
	}
	page, err := webtest.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	id := page.Text("activity-id")
	if len(id) != 36 || resp.Header.Get("X-Activity-Id") != id {
		t.Fatalf("activity ID %q / header %q", id, resp.Header.Get("X-Activity-Id"))
	}
	if !strings.Contains(page.Text("title"), "temporarily unavailable") {
		t.Errorf("title %q", page.Text("title"))
	}
	for _, leak := range []string{strings.TrimPrefix(dead1, "https://"), strings.TrimPrefix(dead2, "https://"), "127.0.0.1", "dial", "refused", "tls"} {
		if strings.Contains(body, leak) {
			t.Errorf("the page reveals %q", leak)
		}
	}
	if resp.Header.Get("Retry-After") == "" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Error("missing Retry-After or no-store")
	}
	if !strings.Contains(e.logBuf.String(), id) {
		t.Error("the activity ID is not in the log")
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, 1, func(c *proxy.Config) { c.MaxBodyBytes = 1024 })
	big := strings.Repeat("a", 2048)
	tests := []struct {
		name string
		body io.Reader
	}{
		{"declared length", strings.NewReader(big)},
		{"chunked", io.MultiReader(strings.NewReader(big))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := e.client().Post(e.front.URL+"/adfs/services/trust/13/usernamemixed", "application/soap+xml", tt.body)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413", resp.StatusCode)
			}
		})
	}
	for _, r := range e.nodes[0].requests() {
		if len(r.Body) > 1024 {
			t.Fatalf("fedgate received a %d-byte body", len(r.Body))
		}
	}
}

func TestNew_ReportsEveryProblem(t *testing.T) {
	_, err := proxy.New(proxy.Config{Nodes: []proxy.Node{{URL: "http://fs1"}, {URL: "https://fs2/adfs"}}, DialTimeout: -1})
	if err == nil {
		t.Fatal("New accepted an invalid config")
	}
	for _, want := range []string{"FederationName", "Nodes[0]", "scheme must be https", "Nodes[1]", "RootCAs", "ClientCert", "DialTimeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
