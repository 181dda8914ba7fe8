package demo_test

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/cmd/internal/demo"
	"github.com/fedgate/fedgate/internal/testclock"
)

// spMetadata is a minimal SP descriptor with one loopback HTTP-POST ACS
// and unsigned requests, the shape mellon and pysaml2 produce for a lab.
func spMetadata(entityID, acs string) string {
	return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + entityID + `">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="` + acs + `" index="0"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`
}

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// redirectQuery is an HTTP-Redirect binding query carrying an unsigned
// AuthnRequest from issuer.
func redirectQuery(t *testing.T, issuer string, now time.Time) string {
	t.Helper()
	req := `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_demo-test-1" Version="2.0" IssueInstant="` +
		now.UTC().Format(time.RFC3339) + `"><saml:Issuer>` + issuer + `</saml:Issuer></samlp:AuthnRequest>`
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString(buf.Bytes())}, "RelayState": {"rs-1"}}.Encode()
}

// TestDemo_SAMLMetadataRegistersServiceProviders starts the demo with two
// --saml-metadata files and signs in at the first SP: its AuthnRequest is
// accepted, and after password and TOTP enrollment the Response is posted
// to the ACS from its metadata. The generated config names each trust by
// entity ID with the demo's MFA policy, and the banner lists them.
func TestDemo_SAMLMetadataRegistersServiceProviders(t *testing.T) {
	const (
		entityA = "http://127.0.0.1/mellon/metadata"
		acsA    = "http://127.0.0.1:9/mellon/postResponse"
		entityB = "https://pysaml2.example.test/sp.xml"
	)
	clk := testclock.New(time.Now().UTC())
	spDir := t.TempDir()
	fileA := writeFile(t, spDir, "mellon.xml", spMetadata(entityA, acsA))
	fileB := writeFile(t, spDir, "pysaml2.xml", spMetadata(entityB, "https://pysaml2.example.test/acs/post"))
	d := startWith(t, demo.Options{
		Office365MFA: "always", SAMLMetadata: []string{fileA, fileB}, Logger: slog.New(slog.DiscardHandler), Now: clk.Now,
	})

	cfg := checkSAMLParties(t, d, []samlEntry{
		{Name: entityA, MetadataFile: fileA, MFA: "always"},
		{Name: entityB, MetadataFile: fileB, MFA: "always"},
	})
	if !cfg.RelyingParties.Office365.Enabled {
		t.Error("the Office 365 trust was turned off")
	}
	for _, id := range []string{entityA, entityB} {
		if !strings.Contains(d.Banner(), "    "+id+"\n") {
			t.Errorf("banner does not list %s:\n%s", id, d.Banner())
		}
	}

	b := newBrowser(t, d)
	p := b.get(d.FedgateURL + "/adfs/ls/?" + redirectQuery(t, entityA, clk.Now()))
	p, _ = b.passwordAndEnroll(p, "alice@contoso.com", "Alice-Passw0rd!", clk.Now())
	f, err := p.Form("autopost")
	if err != nil {
		t.Fatalf("no auto-POST form: %v: %s", err, p.body)
	}
	if f.Action != acsA || f.Fields.Get("SAMLResponse") == "" || f.Fields.Get("RelayState") != "rs-1" {
		t.Fatalf("posts to %q with SAMLResponse %d bytes, RelayState %q", f.Action, len(f.Fields.Get("SAMLResponse")), f.Fields.Get("RelayState"))
	}

	// An SP that was not registered gets the error page, not a sign-in.
	p = newBrowser(t, d).get(d.FedgateURL + "/adfs/ls/?" + redirectQuery(t, "https://unregistered.example.test/sp", clk.Now()))
	if p.Has("loginForm") {
		t.Fatalf("an unregistered SP got the sign-in form: %s", p.body)
	}
}

func TestDemo_SAMLMetadataErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.xml", spMetadata("https://sp.example.test/a", "https://sp.example.test/acs"))
	twin := writeFile(t, dir, "twin.xml", spMetadata("https://sp.example.test/a", "https://sp.example.test/acs2"))
	entra := writeFile(t, dir, "entra.xml", spMetadata("urn:federation:MicrosoftOnline", "https://sp.example.test/acs"))
	notXML := writeFile(t, dir, "not.xml", "name: not metadata\n")
	httpACS := writeFile(t, dir, "http.xml", spMetadata("https://sp.example.test/h", "http://sp.example.test/acs"))
	big := writeFile(t, dir, "big.xml", strings.Repeat(" ", 300<<10))
	for _, tc := range []struct {
		name     string
		protocol string
		files    []string
		want     []string
	}{
		{"missing file", "", []string{filepath.Join(dir, "none.xml")}, []string{"--saml-metadata", "none.xml", "no such file"}},
		{"not metadata", "", []string{notXML}, []string{"--saml-metadata", "not.xml"}},
		{"too large", "", []string{big}, []string{"--saml-metadata", "larger than"}},
		{"plain http ACS", "", []string{httpACS}, []string{"--saml-metadata", "http.xml", "https"}},
		{"duplicate entity ID", "", []string{good, twin}, []string{"twin.xml", `"https://sp.example.test/a"`, "already registered by", "good.xml"}},
		{"Microsoft Online entity ID, wsfed", "", []string{entra}, []string{"entra.xml", "Microsoft Online"}},
		{"Microsoft Online entity ID, saml2", "saml2", []string{entra}, []string{"entra.xml", "Microsoft Online"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := t.TempDir()
			_, err := demo.Start(t.Context(), demo.Options{
				Listen: "127.0.0.1:0", MSOnlineListen: "127.0.0.1:0", DataDir: data, Protocol: tc.protocol, SAMLMetadata: tc.files,
			})
			if err == nil {
				t.Fatal("demo started")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			// Nothing was generated for a demo that cannot start.
			if entries, _ := os.ReadDir(data); len(entries) != 0 {
				t.Errorf("data directory holds %d entries", len(entries))
			}
		})
	}
}

// TestDemo_SAMLMetadataWithSAML2Protocol keeps Microsoft Online's own SAML
// trust first when the demo federates Office 365 over SAML 2.0.
func TestDemo_SAMLMetadataWithSAML2Protocol(t *testing.T) {
	file := writeFile(t, t.TempDir(), "sp.xml", spMetadata("https://sp.example.test/b", "https://sp.example.test/acs"))
	d := startWith(t, demo.Options{Protocol: "saml2", Office365MFA: "never", SAMLMetadata: []string{file}})
	checkSAMLParties(t, d, []samlEntry{
		{Name: "Microsoft Office 365 Identity Platform", MetadataFile: filepath.Join(d.DataDir, "msonline-sp.xml"), MFA: "never"},
		{Name: "https://sp.example.test/b", MetadataFile: file, MFA: "never"},
	})
}

// samlEntry is what the demo sets in a relying_parties.saml entry.
type samlEntry struct{ Name, MetadataFile, MFA string }

// checkSAMLParties loads the demo's generated configuration, checks its
// relying_parties.saml entries against want and returns it.
func checkSAMLParties(t *testing.T, d *demo.Demo, want []samlEntry) config.Config {
	t.Helper()
	cfg, err := config.Load(d.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.RelyingParties.SAML
	if len(got) != len(want) {
		t.Fatalf("relying_parties.saml has %d entries, want %d", len(got), len(want))
	}
	for i, w := range want {
		if g := (samlEntry{got[i].Name, got[i].MetadataFile, got[i].MFA}); g != w {
			t.Errorf("relying_parties.saml[%d] = %+v, want %+v", i, g, w)
		}
	}
	return cfg
}
