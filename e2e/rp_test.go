package e2e

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/e2e/e2etest"
)

// rpPickupTimeout bounds how long a running demo may take to serve a
// trust added or removed by another process (its refresh interval is 2 s).
const rpPickupTimeout = 60 * time.Second

// TestRP_AddToRunningDemo is the administrator's workflow across
// processes: `fedgate rp add --metadata` writes a SAML 2.0 trust into the
// store of a running `fedgate demo`, which starts accepting the SP's
// AuthnRequests without a restart; `rp list` shows it as stored; `rp
// remove` takes it away again.
func TestRP_AddToRunningDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs fedgate; skipped with -short")
	}
	const (
		entityID = "https://stored-sp.example.test/metadata"
		acs      = "https://stored-sp.example.test/acs"
	)
	bin := buildFedgate(t, e2etest.ModuleRoot(t))
	demo := startDemo(t, bin)
	config := filepath.Join(demo.data, "fedgate.yaml")
	metadata := writeFile(t, t.TempDir(), "sp.xml", []byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="`+entityID+`">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="`+acs+`" index="0"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`))
	c := pinnedClient(t, filepath.Join(demo.data, "demo-ca.pem"), 10*time.Second)
	defer c.CloseIdleConnections()

	if signInPageFor(t, c, demo.fedgate, entityID) {
		t.Fatal("an SP in no trust got the sign-in page")
	}
	runTool(t, bin, "rp", "add", "--config", config, "--metadata", metadata, "--name", "Stored SP", "--mfa", "never")
	if out := runTool(t, bin, "rp", "list", "--config", config); !strings.Contains(out, "Stored SP") || !strings.Contains(out, entityID) {
		t.Fatalf("rp list does not show the new trust:\n%s", out)
	}
	waitFor(t, "the running demo to serve the added trust", func() bool { return signInPageFor(t, c, demo.fedgate, entityID) })

	runTool(t, bin, "rp", "remove", "--config", config, "Stored SP")
	waitFor(t, "the running demo to drop the removed trust", func() bool { return !signInPageFor(t, c, demo.fedgate, entityID) })
}

// signInPageFor sends an unsigned HTTP-Redirect AuthnRequest from issuer
// and reports whether fedgate answered with its sign-in form (a trusted
// SP) rather than the error page.
func signInPageFor(t *testing.T, c *http.Client, origin, issuer string) bool {
	t.Helper()
	doc := `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_` +
		strings.ReplaceAll(time.Now().Format("150405.000000000"), ".", "") + `" Version="2.0" IssueInstant="` + time.Now().UTC().Format(time.RFC3339) +
		`"><saml:Issuer>` + issuer + `</saml:Issuer></samlp:AuthnRequest>`
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, doc); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	u := origin + "/adfs/ls/?" + url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString(buf.Bytes())}}.Encode()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("e2e: GET %s: %v", origin, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode == http.StatusOK && bytes.Contains(body, []byte(`id="loginForm"`))
}

// waitFor polls cond, each attempt waiting for the previous answer, until
// it holds or rpPickupTimeout passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), rpPickupTimeout)
	defer cancel()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("e2e: timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}
