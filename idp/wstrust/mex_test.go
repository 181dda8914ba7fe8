package wstrust_test

import (
	"bytes"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/fedgate/fedgate/idp/wstrust"
)

// Namespaces as MSAL4J's NamespaceContextImpl binds them.
const (
	msalWSDL   = "http://schemas.xmlsoap.org/wsdl/"
	msalSP     = "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702"
	msalSP2005 = "http://schemas.xmlsoap.org/ws/2005/07/securitypolicy"
	msalWSA10  = "http://www.w3.org/2005/08/addressing"
	msalSOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
	msalWSP    = "http://schemas.xmlsoap.org/ws/2004/09/policy"
	msalHTTP   = "http://schemas.microsoft.com/ws/06/2004/policy/http"
)

// msalEndpoint is what MexParser.getWsTrustEndpointFromMexResponse yields.
type msalEndpoint struct {
	url     string
	version wstrust.Version
}

// msalSelect re-implements MSAL4J's MexParser selection
// (o365-reference §7) over a MEX document, step by step, including its
// quirks: the policy ID is read from the attribute literally named
// "wsu:Id", the binding name is the part of the port's binding attribute
// after the last ':', and the version comes from the binding's soapAction.
// It returns every endpoint found, keyed by version, and MSAL's pick.
func msalSelect(t *testing.T, mex []byte) (found map[wstrust.Version]string, pick msalEndpoint) {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(mex); err != nil {
		t.Fatalf("MEX is not XML: %v", err)
	}
	defs := doc.Root()
	if !is(defs, msalWSDL, "definitions") {
		t.Fatalf("MEX root is %s, want wsdl:definitions", defs.FullTag())
	}

	// Step 1: //wsdl:definitions/wsp:Policy/wsp:ExactlyOne/wsp:All/
	// sp:SignedEncryptedSupportingTokens (1.3) or sp2005:SignedSupportingTokens
	// /wsp:Policy/sp:UsernameToken/wsp:Policy/sp:WssUsernameToken10, in a
	// policy with wsu:Id and an sp or sp2005 TransportBinding.
	policies := map[string]bool{}
	for _, pol := range children(defs, msalWSP, "Policy") {
		for _, all := range path(pol, msalWSP, "ExactlyOne", "All") {
			hasUser := len(path(all, "", "SignedEncryptedSupportingTokens|"+msalSP, "Policy|"+msalWSP, "UsernameToken|"+msalSP, "Policy|"+msalWSP, "WssUsernameToken10|"+msalSP)) > 0 ||
				len(path(all, "", "SignedSupportingTokens|"+msalSP2005, "Policy|"+msalWSP, "UsernameToken|"+msalSP2005, "Policy|"+msalWSP, "WssUsernameToken10|"+msalSP2005)) > 0
			hasTransport := len(children(all, msalSP, "TransportBinding")) > 0 || len(children(all, msalSP2005, "TransportBinding")) > 0
			id := pol.SelectAttr("wsu:Id") // getNamedItem("wsu:Id"): the prefix must be wsu
			if hasUser && hasTransport && id != nil {
				policies["#"+id.Value] = true
			}
		}
	}
	if len(policies) == 0 {
		t.Fatal("step 1: no username/password policy found")
	}

	// Step 2: //wsdl:definitions/wsdl:binding/wsp:PolicyReference with a
	// known URI; soap12:binding transport = SOAP over HTTP; the version
	// from wsdl:operation/soap12:operation/@soapAction.
	bindings := map[string]wstrust.Version{}
	for _, b := range children(defs, msalWSDL, "binding") {
		for _, ref := range children(b, msalWSP, "PolicyReference") {
			if !policies[ref.SelectAttrValue("URI", "")] {
				continue
			}
			transports := children(b, msalSOAP12, "binding")
			ops := path(b, msalWSDL, "operation")
			if len(transports) == 0 || len(ops) == 0 ||
				!strings.EqualFold(transports[0].SelectAttrValue("transport", ""), "http://schemas.xmlsoap.org/soap/http") {
				continue
			}
			soapOps := children(ops[0], msalSOAP12, "operation")
			if len(soapOps) == 0 {
				continue
			}
			switch action := soapOps[0].SelectAttrValue("soapAction", ""); {
			case strings.EqualFold(action, wstrust.Trust13.IssueAction()):
				bindings[b.SelectAttrValue("name", "")] = wstrust.Trust13
			case strings.EqualFold(action, wstrust.Trust2005.IssueAction()):
				bindings[b.SelectAttrValue("name", "")] = wstrust.Trust2005
			}
		}
	}
	if len(bindings) == 0 {
		t.Fatal("step 2: no binding references a username policy with a matching soapAction and transport")
	}

	// Step 3: //wsdl:definitions/wsdl:service/wsdl:port whose binding is
	// known and whose wsa10:EndpointReference/wsa10:Address starts with
	// https:// (case-insensitively).
	found = map[wstrust.Version]string{}
	for _, port := range path(defs, msalWSDL, "service", "port") {
		name := port.SelectAttrValue("binding", "")
		name = name[strings.LastIndex(name, ":")+1:]
		v, ok := bindings[name]
		if !ok {
			continue
		}
		addrs := path(port, msalWSA10, "EndpointReference", "Address")
		if len(addrs) == 0 {
			t.Fatalf("step 3: port %s has no address (MSAL throws)", name)
		}
		if addr := strings.TrimSpace(addrs[0].Text()); strings.HasPrefix(strings.ToLower(addr), "https://") {
			found[v] = addr
		}
	}

	// Step 4: prefer WS-Trust 1.3.
	if u, ok := found[wstrust.Trust13]; ok {
		return found, msalEndpoint{u, wstrust.Trust13}
	}
	if u, ok := found[wstrust.Trust2005]; ok {
		return found, msalEndpoint{u, wstrust.Trust2005}
	}
	t.Fatal("step 3: no https port for any selected binding")
	return nil, msalEndpoint{}
}

func is(el *etree.Element, ns, local string) bool { return el.Tag == local && el.NamespaceURI() == ns }

func children(el *etree.Element, ns, local string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if is(c, ns, local) {
			out = append(out, c)
		}
	}
	return out
}

// path follows child steps, each "local" in ns or "local|namespace".
func path(el *etree.Element, ns string, steps ...string) []*etree.Element {
	cur := []*etree.Element{el}
	for _, step := range steps {
		local, space, ok := strings.Cut(step, "|")
		if !ok {
			space = ns
		}
		var next []*etree.Element
		for _, c := range cur {
			next = append(next, children(c, space, local)...)
		}
		cur = next
	}
	return cur
}

// TestMEX_MSALFindsBothEndpoints runs MSAL's four selection steps over
// the served MEX.
func TestMEX_MSALFindsBothEndpoints(t *testing.T) {
	env := newTestEnv(t)
	res := env.serve(t, httptest.NewRequest(http.MethodGet, publicURL+wstrust.PathMEX, nil))
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/xml") {
		t.Fatalf("GET mex: status %d, Content-Type %q", res.status, res.header.Get("Content-Type"))
	}
	found, pick := msalSelect(t, res.body)
	want := map[wstrust.Version]string{
		wstrust.Trust13:   publicURL + wstrust.Path13,
		wstrust.Trust2005: publicURL + wstrust.Path2005,
	}
	for v, u := range want {
		if found[v] != u {
			t.Errorf("MSAL finds %s endpoint %q, want %q", v, found[v], u)
		}
	}
	if pick != (msalEndpoint{publicURL + wstrust.Path13, wstrust.Trust13}) {
		t.Errorf("MSAL picks %+v, want the 1.3 endpoint", pick)
	}

	// Each found endpoint really serves its version.
	for v, u := range found {
		m := env.msal(v, aliceUPN, alicePass)
		r := env.serve(t, httptestPost(u, m.bytes(), v))
		env.checkToken(t, r)
	}
}

// TestMEX_ListsOnlyWhatIsImplemented checks that no Windows-integrated or
// certificate endpoint is advertised.
func TestMEX_ListsOnlyWhatIsImplemented(t *testing.T) {
	mex := newTestEnv(t).handler.MEX()
	for _, absent := range []string{"windowstransport", "certificatemixed", msalHTTP, "NegotiateAuthentication", "http://sts"} {
		if bytes.Contains(mex, []byte(absent)) {
			t.Errorf("MEX mentions %q", absent)
		}
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(mex); err != nil {
		t.Fatal(err)
	}
	if ports := path(doc.Root(), msalWSDL, "service", "port"); len(ports) != 2 {
		t.Errorf("MEX lists %d ports, want the two usernamemixed ones", len(ports))
	}
}

func TestMEX_Methods(t *testing.T) {
	env := newTestEnv(t)
	tests := []struct {
		method, target string
		status         int
		body           bool
	}{
		{http.MethodGet, wstrust.PathMEX, http.StatusOK, true},
		{http.MethodGet, wstrust.PathMEX + "?wsdl", http.StatusOK, true},
		{http.MethodHead, wstrust.PathMEX, http.StatusOK, false},
		{http.MethodGet, wstrust.PathMEX + "?xsd=xsd0", http.StatusNotFound, true},
		{http.MethodPost, wstrust.PathMEX, http.StatusMethodNotAllowed, true},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			res := env.serve(t, httptest.NewRequest(tt.method, publicURL+tt.target, nil))
			if res.status != tt.status || (len(res.body) > 0) != tt.body {
				t.Errorf("status %d with %d body bytes, want %d (body %v)", res.status, len(res.body), tt.status, tt.body)
			}
		})
	}
}

func httptestPost(url string, body []byte, v wstrust.Version) *http.Request {
	req := httptest.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/soap+xml; charset=utf-8")
	req.Header.Set("SOAPAction", v.IssueAction())
	return req
}

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// TestMEX_Golden pins the exact MEX document (regenerate with
// go test -update); TestMEX_MSALFindsBothEndpoints is what proves it works.
func TestMEX_Golden(t *testing.T) {
	got := newTestEnv(t).handler.MEX()
	golden := filepath.Join("testdata", t.Name()+".golden.xml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("MEX differs from %s; run go test -update and review the diff", golden)
	}
}
