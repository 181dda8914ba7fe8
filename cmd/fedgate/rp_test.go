package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/sqlite"
	"github.com/fedgate/fedgate/idp/token/tokentest"
)

// rpFixture is a temporary configuration with a SQLite store.
type rpFixture struct{ testConfig }

// newRPFixture writes a valid configuration (Office 365 on, plus extra
// YAML appended) whose store is a SQLite file in a temporary directory.
func newRPFixture(t *testing.T, extra string) rpFixture {
	t.Helper()
	return rpFixture{newTestConfig(t, placeholderDirectory, extra)}
}

// rp runs `fedgate rp verb --config … args…` and returns the exit code,
// stdout and stderr.
func (f rpFixture) rp(t *testing.T, verb string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), append([]string{"rp", verb, "--config", f.config}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func (f rpFixture) mustRP(t *testing.T, verb string, args ...string) string {
	t.Helper()
	code, out, errOut := f.rp(t, verb, args...)
	if code != 0 {
		t.Fatalf("fedgate rp %s %q: exit %d\nstdout: %s\nstderr: %s", verb, args, code, out, errOut)
	}
	return out
}

// spMetadataXML is SP metadata with a signing certificate (tokentest
// Next) and, when org is not empty, an organization display name.
func spMetadataXML(t *testing.T, entityID, acs, org string) string {
	t.Helper()
	cert := base64.StdEncoding.EncodeToString(tokentest.KeyPair(t, tokentest.Next).Cert.Raw)
	var orgXML string
	if org != "" {
		orgXML = `<md:Organization><md:OrganizationName xml:lang="en">x</md:OrganizationName>` +
			`<md:OrganizationDisplayName xml:lang="de">Deutsch</md:OrganizationDisplayName>` +
			`<md:OrganizationDisplayName xml:lang="en">` + org + `</md:OrganizationDisplayName>` +
			`<md:OrganizationURL xml:lang="en">https://sp.example.com/</md:OrganizationURL></md:Organization>`
	}
	return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="` + entityID + `">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="true">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` + cert + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="` + acs + `" index="1"/>
  </md:SPSSODescriptor>` + orgXML + `
</md:EntityDescriptor>`
}

// listJSON returns `rp list --json` keyed by party name.
func (f rpFixture) listJSON(t *testing.T) map[string]rpRow {
	t.Helper()
	rows := map[string]rpRow{}
	for _, line := range strings.Split(strings.TrimSpace(f.mustRP(t, "list", "--json")), "\n") {
		var r rpRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("list --json line %q: %v", line, err)
		}
		rows[r.Name] = r
	}
	return rows
}

func TestRP_AddFromFileThenListShowRemove(t *testing.T) {
	f := newRPFixture(t, "")
	md := f.file(t, "sp.xml", spMetadataXML(t, "https://sp.example.com/metadata", "https://sp.example.com/acs", "Example\tApp \u202e"))
	out := f.mustRP(t, "add", "--metadata", md, "--mfa", "extranet_only")
	if !strings.Contains(out, "Example App") || !strings.Contains(out, "https://sp.example.com/metadata") {
		t.Fatalf("add output: %s", out)
	}

	table := f.mustRP(t, "list")
	for _, want := range []string{"NAME", "Microsoft Office 365 Identity Platform", "urn:federation:MicrosoftOnline (+1)", "config",
		"Example App", "https://sp.example.com/metadata", "store", "extranet_only"} {
		if !strings.Contains(table, want) {
			t.Errorf("list lacks %q:\n%s", want, table)
		}
	}
	rows := f.listJSON(t)
	if r := rows["Example App"]; r.Source != "store" || r.Protocol != "saml2" || r.MFA != "extranet_only" ||
		len(r.ReplyURLs) != 1 || r.ReplyURLs[0] != "https://sp.example.com/acs" || r.Problem != "" || r.UpdatedAt == "" {
		t.Errorf("stored row = %+v", r)
	}
	if r := rows["Microsoft Office 365 Identity Platform"]; r.Source != "config" || r.MFA != "always" || len(r.Identifiers) != 2 {
		t.Errorf("Office 365 row = %+v", r)
	}

	summary := f.mustRP(t, "show", "Example App")
	fp := tokentest.KeyPair(t, tokentest.Next).Cert
	for _, want := range []string{"# source: store", "entity_id: https://sp.example.com/metadata", "location: https://sp.example.com/acs",
		"require_signed_requests: true", "sha256_fingerprint:", "not_after: \"2053-12-24", "subject: " + fp.Subject.String(),
		"mfa: extranet_only", "--full prints it"} {
		if !strings.Contains(summary, want) {
			t.Errorf("show lacks %q:\n%s", want, summary)
		}
	}
	if strings.Contains(summary, "X509Certificate") {
		t.Errorf("show printed the raw XML without --full:\n%s", summary)
	}
	if full := f.mustRP(t, "show", "--full", "Example App"); !strings.Contains(full, "<md:EntityDescriptor") {
		t.Errorf("show --full lacks the XML:\n%s", full)
	}

	if out := f.mustRP(t, "remove", "Example App"); !strings.Contains(out, "removed") {
		t.Errorf("remove output: %s", out)
	}
	if _, ok := f.listJSON(t)["Example App"]; ok {
		t.Error("removed party still listed")
	}
	if code, _, errOut := f.rp(t, "remove", "Example App"); code != 1 || !strings.Contains(errOut, "no stored relying party") {
		t.Errorf("second remove: exit %d: %s", code, errOut)
	}
	if code, _, errOut := f.rp(t, "show", "Example App"); code != 1 || !strings.Contains(errOut, "no relying party is named") {
		t.Errorf("show after remove: exit %d: %s", code, errOut)
	}
}

func TestRP_NameDefaults(t *testing.T) {
	tests := []struct {
		name, org, flag, want string
	}{
		{"organization display name, English preferred", "Payroll", "", "Payroll"},
		{"entity ID without organization", "", "", "https://sp.example.com/metadata"},
		{"--name wins", "Payroll", "Pay", "Pay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRPFixture(t, "")
			md := f.file(t, "sp.xml", spMetadataXML(t, "https://sp.example.com/metadata", "https://sp.example.com/acs", tt.org))
			args := []string{"--metadata", md}
			if tt.flag != "" {
				args = append(args, "--name", tt.flag)
			}
			f.mustRP(t, "add", args...)
			if _, ok := f.listJSON(t)[tt.want]; !ok {
				t.Errorf("no party named %q in %v", tt.want, f.listJSON(t))
			}
		})
	}
}

// metadataServer serves doc at /md over TLS and returns its URL and a PEM
// file with its certificate, for --metadata-ca.
func metadataServer(t *testing.T, f rpFixture, h http.HandlerFunc) (string, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := f.file(t, "ca.pem", string(tokentest.CertPEM(srv.Certificate())))
	return srv.URL, ca
}

func TestRP_AddFromURL(t *testing.T) {
	f := newRPFixture(t, "")
	doc := spMetadataXML(t, "https://sp.example.com/metadata", "https://sp.example.com/acs", "")
	base, ca := metadataServer(t, f, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old":
			http.Redirect(w, r, "/md", http.StatusFound) // same host: followed
		case "/md":
			w.Header().Set("Content-Type", "application/samlmetadata+xml")
			fmt.Fprint(w, doc)
		default:
			http.NotFound(w, r)
		}
	})
	if code, _, errOut := f.rp(t, "add", "--metadata", base+"/md"); code != 1 || !strings.Contains(errOut, "certificate") {
		t.Fatalf("without --metadata-ca: exit %d: %s; want a TLS verification failure", code, errOut)
	}
	f.mustRP(t, "add", "--metadata", base+"/old", "--metadata-ca", ca, "--name", "SP")
	if show := f.mustRP(t, "show", "SP"); !strings.Contains(show, "metadata_url: "+base+"/old") {
		t.Errorf("show lacks the metadata URL:\n%s", show)
	}
}

func TestRP_AddFromURLRefusals(t *testing.T) {
	f := newRPFixture(t, "")
	doc := spMetadataXML(t, "https://sp.example.com/metadata", "https://sp.example.com/acs", "")
	var base string
	base, ca := metadataServer(t, f, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/elsewhere": // same server, other host name
			http.Redirect(w, r, strings.Replace(base, "127.0.0.1", "localhost", 1)+"/md", http.StatusFound)
		case "/downgrade":
			http.Redirect(w, r, strings.Replace(base, "https://", "http://", 1)+"/md", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/huge":
			w.Write(bytes.Repeat([]byte(" "), 300<<10))
		case "/md":
			fmt.Fprint(w, doc)
		default:
			http.NotFound(w, r)
		}
	})
	tests := []struct {
		name, src, want string
	}{
		{"redirect to another host", base + "/elsewhere", "another host"},
		{"redirect to http", base + "/downgrade", "not https"},
		{"redirect loop", base + "/loop", "redirects"},
		{"too large", base + "/huge", "larger than"},
		{"not found", base + "/missing", "404"},
		{"plain http off loopback", "http://sp.example.com/md", "only for loopback"},
		{"credentials in URL", "https://u:p@sp.example.com/md", "credentials"},
		{"other scheme", "ftp://sp.example.com/md", "not supported"},
		{"missing file", filepath.Join(f.dir, "nope.xml"), "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := f.rp(t, "add", "--metadata", tt.src, "--metadata-ca", ca)
			if code != 1 || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d: %s; want 1 and %q", code, errOut, tt.want)
			}
			if strings.Contains(errOut, "u:p@") {
				t.Errorf("error echoes URL credentials: %s", errOut)
			}
		})
	}
	if rows := f.listJSON(t); len(rows) != 1 {
		t.Fatalf("refused adds stored something: %v", rows)
	}
}

func TestRP_AddRefusesDuplicatesAndCollisions(t *testing.T) {
	f := newRPFixture(t, "")
	md := f.file(t, "sp.xml", spMetadataXML(t, "https://sp.example.com/metadata", "https://sp.example.com/acs", ""))
	other := f.file(t, "other.xml", spMetadataXML(t, "https://other.example.com/metadata", "https://other.example.com/acs", ""))
	office := f.file(t, "o365.xml", spMetadataXML(t, rp.Office365Realm, "https://sp.example.com/acs", ""))
	f.mustRP(t, "add", "--metadata", md, "--name", "SP")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"same identifier, other name", []string{"--metadata", md, "--name", "SP again"}, `already belongs to relying party "SP"`},
		{"same name", []string{"--metadata", other, "--name", "SP"}, "--replace"},
		{"identifier of a configured party", []string{"--metadata", office, "--name", "Fake"}, "defined in fedgate.yaml"},
		{"name of a configured party", []string{"--metadata", other, "--name", "Microsoft Office 365 Identity Platform"}, "name of a relying party in fedgate.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, errOut := f.rp(t, "add", tt.args...); code != 1 || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d: %s; want 1 and %q", code, errOut, tt.want)
			}
		})
	}
	f.mustRP(t, "add", "--metadata", other, "--name", "SP", "--replace")
	if r := f.listJSON(t)["SP"]; len(r.Identifiers) != 1 || r.Identifiers[0] != "https://other.example.com/metadata" {
		t.Fatalf("--replace did not replace: %+v", r)
	}
}

func TestRP_AddDefinition(t *testing.T) {
	f := newRPFixture(t, "")
	wsfed := f.file(t, "app.yaml", `name: Intranet
protocol: wsfed
identifiers: [urn:intranet]
reply_urls: [https://intranet.contoso.com/]
require_fresh_auth: true
`)
	f.mustRP(t, "add", "--definition", wsfed, "--mfa", "never")
	if r := f.listJSON(t)["Intranet"]; r.Protocol != "wsfed" || r.MFA != "never" || r.Identifiers[0] != "urn:intranet" {
		t.Fatalf("row = %+v", r)
	}
	// metadata_file is inlined (relative to the definition file), so
	// every node reads the same document.
	f.file(t, "sp.xml", spMetadataXML(t, "https://sp.example.com/metadata", "https://sp.example.com/acs", ""))
	saml := f.file(t, "sp.yaml", "name: SP\nmetadata_file: sp.xml\nsign_response: false\n")
	f.mustRP(t, "add", "--definition", saml)
	full := f.mustRP(t, "show", "--full", "SP")
	if !strings.Contains(full, "<md:EntityDescriptor") || strings.Contains(full, "metadata_file") || !strings.Contains(full, "sign_response: false") {
		t.Fatalf("stored definition:\n%s", full)
	}
	bad := f.file(t, "bad.yaml", "name: Bad\nprotocol: wsfed\nidentifiers: [urn:bad]\nreply_urls: [http://bad.example.com/]\n")
	if code, _, errOut := f.rp(t, "add", "--definition", bad); code != 1 || !strings.Contains(errOut, "reply_urls") {
		t.Fatalf("invalid definition: exit %d: %s", code, errOut)
	}
	unknown := f.file(t, "unknown.yaml", "name: U\nprotocol: wsfed\nfrobnicate: 1\n")
	if code, _, errOut := f.rp(t, "add", "--definition", unknown); code != 1 || !strings.Contains(errOut, "frobnicate") {
		t.Fatalf("unknown key: exit %d: %s", code, errOut)
	}
	both := f.file(t, "both.yaml", "name: Both\nmetadata_file: sp.xml\n")
	if code, _, errOut := f.rp(t, "add", "--definition", both, "--metadata", filepath.Join(f.dir, "sp.xml")); code != 1 || !strings.Contains(errOut, "keep one") {
		t.Fatalf("metadata twice: exit %d: %s", code, errOut)
	}
}

func TestRP_InvalidMetadata(t *testing.T) {
	f := newRPFixture(t, "")
	tests := []struct{ name, doc, want string }{
		{"not XML", "hello", "metadata"},
		{"DTD", `<!DOCTYPE x [<!ENTITY a "b">]><x/>`, "metadata"},
		{"http ACS", spMetadataXML(t, "https://sp.example.com/metadata", "http://sp.example.com/acs", ""), "https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := f.file(t, "bad.xml", tt.doc)
			if code, _, errOut := f.rp(t, "add", "--metadata", md, "--name", "X"); code != 1 || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d: %s", code, errOut)
			}
		})
	}
}

func TestRP_ConfiguredParties(t *testing.T) {
	f := newRPFixture(t, "")
	md := f.file(t, "cfg-sp.xml", spMetadataXML(t, "https://cfg.example.com/metadata", "https://cfg.example.com/acs", ""))
	f = newRPFixtureIn(t, f, fmt.Sprintf("relying_parties:\n  saml:\n    - name: Configured SP\n      metadata_file: %s\n      mfa: never\n", md))
	rows := f.listJSON(t)
	if r := rows["Configured SP"]; r.Source != "config" || r.MFA != "never" || r.Identifiers[0] != "https://cfg.example.com/metadata" {
		t.Fatalf("configured SAML row = %+v", r)
	}
	show := f.mustRP(t, "show", "Configured SP")
	if !strings.Contains(show, "# source: fedgate.yaml") || !strings.Contains(show, "entity_id: https://cfg.example.com/metadata") {
		t.Errorf("show of a configured party:\n%s", show)
	}
	for _, name := range []string{"Configured SP", "Microsoft Office 365 Identity Platform"} {
		if code, _, errOut := f.rp(t, "remove", name); code != 1 || !strings.Contains(errOut, "defined in fedgate.yaml; remove it there") {
			t.Errorf("remove %q: exit %d: %s", name, code, errOut)
		}
	}

	// A stored party that came to share a configured party's name (the
	// name was added to fedgate.yaml later) is shown and removable.
	st, err := sqlite.Open(t.Context(), f.db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutRelyingParty(t.Context(), store.RelyingPartyRecord{
		Name: "Configured SP", Protocol: "wsfed", Identifiers: []string{"urn:older"}, UpdatedAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		Definition: []byte("name: Configured SP\nprotocol: wsfed\nidentifiers: [urn:older]\nreply_urls: [https://o.example.com/]\n"),
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if both := f.mustRP(t, "show", "Configured SP"); !strings.Contains(both, "# source: fedgate.yaml") ||
		!strings.Contains(both, "\n---\n") || !strings.Contains(both, "urn:older") {
		t.Errorf("show of a shared name:\n%s", both)
	}
	f.mustRP(t, "remove", "Configured SP")
	if code, _, errOut := f.rp(t, "remove", "Configured SP"); code != 1 || !strings.Contains(errOut, "defined in fedgate.yaml") {
		t.Errorf("second remove: exit %d: %s", code, errOut)
	}
}

// newRPFixtureIn rewrites f's configuration with extra YAML, keeping its
// directory and store.
func newRPFixtureIn(t *testing.T, f rpFixture, extra string) rpFixture {
	t.Helper()
	g := newRPFixture(t, extra)
	cfg, err := os.ReadFile(g.config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.config, bytes.ReplaceAll(cfg, []byte(g.db), []byte(f.db)), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestRP_ListReportsStoredPartiesNotInEffect puts records that no node
// would use behind the CLI's back.
func TestRP_ListReportsStoredPartiesNotInEffect(t *testing.T) {
	f := newRPFixture(t, "")
	st, err := sqlite.Open(t.Context(), f.db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, rec := range []store.RelyingPartyRecord{
		{Name: "Newer", Protocol: "wsfed", Identifiers: []string{"urn:newer"}, UpdatedAt: at,
			Definition: []byte("name: Newer\nprotocol: wsfed\nidentifiers: [urn:newer]\nreply_urls: [https://n.example.com/]\nfuture: 1\n")},
		{Name: "Shadowed", Protocol: "wsfed", Identifiers: []string{rp.Office365Realm}, UpdatedAt: at,
			Definition: []byte("name: Shadowed\nprotocol: wsfed\nidentifiers: [\"" + rp.Office365Realm + "\"]\nreply_urls: [https://s.example.com/]\n")},
	} {
		if err := st.PutRelyingParty(t.Context(), rec); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	code, out, errOut := f.rp(t, "list")
	if code != 0 || !strings.Contains(out, "Newer") || !strings.Contains(out, "Shadowed") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"party Newer is not in effect", "future", "party Shadowed is not in effect", "fedgate.yaml, which wins"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if r := f.listJSON(t)["Newer"]; r.Problem == "" || r.UpdatedAt != "2030-01-01T00:00:00Z" {
		t.Errorf("JSON row = %+v", r)
	}
}

func TestRP_Usage(t *testing.T) {
	f := newRPFixture(t, "")
	md := f.file(t, "sp.xml", spMetadataXML(t, "https://sp.example.com/metadata", "https://sp.example.com/acs", ""))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no verb", []string{"rp"}, "Usage"},
		{"unknown verb", []string{"rp", "frob"}, "unknown command"},
		{"add without source", []string{"rp", "add", "--config", f.config}, "--metadata"},
		{"bad mfa", []string{"rp", "add", "--config", f.config, "--metadata", md, "--mfa", "sometimes"}, "--mfa"},
		{"show without name", []string{"rp", "show", "--config", f.config}, "exactly one"},
		{"remove with two names", []string{"rp", "remove", "--config", f.config, "a", "b"}, "exactly one"},
		{"list with argument", []string{"rp", "list", "--config", f.config, "x"}, "unexpected argument"},
		{"unknown flag", []string{"rp", "list", "--config", f.config, "--full"}, "not defined"},
		{"missing config", []string{"rp", "list", "--config", filepath.Join(f.dir, "none.yaml")}, "none.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(t.Context(), tt.args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), tt.want) {
				t.Fatalf("exit %d: %s; want 2 and %q", code, errOut.String(), tt.want)
			}
		})
	}
}

// TestRP_StampsWithInjectedClock checks that records carry the command's
// clock.
func TestRP_StampsWithInjectedClock(t *testing.T) {
	f := newRPFixture(t, "")
	md := f.file(t, "sp.xml", spMetadataXML(t, "https://sp.example.com/metadata", "https://sp.example.com/acs", ""))
	at := time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC)
	var out, errOut bytes.Buffer
	if code := rpCommand(t.Context(), []string{"add", "--config", f.config, "--metadata", md, "--name", "SP"}, &out, &errOut,
		func() time.Time { return at }); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if r := f.listJSON(t)["SP"]; r.UpdatedAt != "2031-02-03T04:05:06Z" {
		t.Fatalf("updated_at = %q", r.UpdatedAt)
	}
}

// TestRP_ChangesAreAudited: every change to the stored trusts is in the
// audit trail with what changed and who ran the command.
func TestRP_ChangesAreAudited(t *testing.T) {
	const entity = "https://audited.example.com/metadata"
	f := newRPFixture(t, "")
	md := f.file(t, "sp.xml", spMetadataXML(t, entity, "https://audited.example.com/acs", "Audited App"))
	f.mustRP(t, "add", "--metadata", md)
	f.mustRP(t, "add", "--metadata", md, "--replace")
	f.mustRP(t, "remove", "Audited App")

	st := f.openStore(t)
	events, err := st.ListAudit(t.Context(), time.Time{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{auditRPAdded, auditRPReplaced, auditRPRemoved}
	if len(events) != len(want) {
		t.Fatalf("audit events %+v, want %v", events, want)
	}
	for i, e := range events {
		if e.Result != want[i] || e.Protocol != auditProtocolAdmin || e.RelyingParty != entity ||
			e.Reason != `name="Audited App" operator=`+adminOperator() {
			t.Errorf("event %d = %+v, want %s of %s by %s", i, e, want[i], entity, adminOperator())
		}
	}
}
