package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/go-chi/chi/v5"

	"github.com/fedgate/fedgate/e2e/e2etest"
	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/sqlite"
	"github.com/fedgate/fedgate/idp/token"
	"github.com/fedgate/fedgate/idp/token/tokentest"
	"github.com/fedgate/fedgate/idp/wsfed"
	"github.com/fedgate/fedgate/idp/wstrust"
	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
	"github.com/fedgate/fedgate/mfa"
)

const (
	alicePassword      = "Alice-Passw0rd!" // ldaptest's published test password
	passwordAuthMethod = "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password"
)

// activeSTS is fedgate's usernamemixed endpoints behind real HTTPS, on real
// parts (in-process directory, SQLite, MFA service, token issuer) and the
// wall clock, because the node validator checks the token's times against
// it.
type activeSTS struct {
	srv    *httptest.Server
	dir    string
	cert   string // PEM file of the signing certificate
	client *http.Client
	seq    int
}

func newActiveSTS(t *testing.T) *activeSTS {
	t.Helper()
	directory := ldaptest.NewT(t)
	dcfg := directory.ClientConfig()
	dcfg.GroupLookup = ldapauth.GroupLookupMemberOf // ldaptest serves memberOf, not tokenGroups
	users, err := ldapauth.New(dcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = users.Close() })
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "fedgate.db"), store.WithNow(time.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	mfaSvc, err := mfa.New(mfa.Config{Store: st, Key: bytes.Repeat([]byte{3}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	kp, err := token.GenerateKeyPair("sts.contoso.com token signing", 24*time.Hour, time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := token.New(token.Config{Issuer: issuerURI, Keys: token.KeySet{Current: kp}})
	if err != nil {
		t.Fatal(err)
	}
	parties, err := rp.NewRegistry(rp.Office365(rp.MFAAlways))
	if err != nil {
		t.Fatal(err)
	}
	a := &activeSTS{dir: t.TempDir()}
	r := chi.NewRouter()
	a.srv = httptest.NewUnstartedServer(r)
	a.srv.StartTLS()
	t.Cleanup(a.srv.Close)
	h, err := wstrust.New(wstrust.Config{
		Auth: users, Tokens: issuer, Parties: parties, Replay: st, MFA: mfaSvc, Audit: st,
		PublicURL: a.srv.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.Mount(r)
	a.client = a.srv.Client()
	a.cert = writeFile(t, a.dir, "signing.crt", tokentest.CertPEM(kp.Cert))
	return a
}

// endpoints reads the usernamemixed addresses from the served MEX, as a
// client discovers them.
func (a *activeSTS) endpoints(t *testing.T) map[wstrust.Version]string {
	t.Helper()
	resp, err := a.client.Get(a.srv.URL + wstrust.PathMEX)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	doc := etree.NewDocument()
	if _, err := doc.ReadFrom(resp.Body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("MEX: status %d, %v", resp.StatusCode, err)
	}
	out := map[wstrust.Version]string{}
	for _, port := range doc.FindElements("//service/port") {
		addr := port.FindElement("EndpointReference/Address")
		switch port.SelectAttrValue("name", "") {
		case "UserNameWSTrustBinding_IWSTrust13Async":
			out[wstrust.Trust13] = addr.Text()
		case "UserNameWSTrustBinding_IWSTrustFeb2005Async":
			out[wstrust.Trust2005] = addr.Text()
		}
	}
	if len(out) != 2 {
		t.Fatalf("MEX lists %v, want both usernamemixed endpoints", out)
	}
	return out
}

// rst builds the request MSAL4J's WSTrustRequest.buildMessage sends.
func (a *activeSTS) rst(v wstrust.Version, url, user, password string) []byte {
	a.seq++
	ns, keyType := wstrust.NSTrust2005, wstrust.KeyTypeNoProofKey
	if v == wstrust.Trust13 {
		ns, keyType = wstrust.NSTrust13, wstrust.NSTrust13+"/Bearer"
	}
	now := time.Now().UTC()
	esc := func(s string) string {
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	return []byte("<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope' xmlns:a='http://www.w3.org/2005/08/addressing' xmlns:u='" + wstrust.NSUtility + "'><s:Header>" +
		"<a:Action s:mustUnderstand='1'>" + ns + "/RST/Issue</a:Action><a:messageID>urn:uuid:e2e-" + strconv.Itoa(a.seq) + "-" + strconv.FormatInt(now.UnixNano(), 10) + "</a:messageID>" +
		"<a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo><a:To s:mustUnderstand='1'>" + esc(url) + "</a:To>" +
		"<o:Security s:mustUnderstand='1' xmlns:o='" + wstrust.NSSecExt + "'><u:Timestamp u:Id='_0'><u:Created>" + now.Format("2006-01-02T15:04:05Z") +
		"</u:Created><u:Expires>" + now.Add(10*time.Minute).Format("2006-01-02T15:04:05Z") + "</u:Expires></u:Timestamp>" +
		"<o:UsernameToken u:Id='uuid-e2e'><o:Username>" + esc(user) + "</o:Username><o:Password>" + esc(password) + "</o:Password></o:UsernameToken></o:Security></s:Header>" +
		"<s:Body><trust:RequestSecurityToken xmlns:trust='" + ns + "'><wsp:AppliesTo xmlns:wsp='http://schemas.xmlsoap.org/ws/2004/09/policy'><a:EndpointReference><a:Address>" + o365 +
		"</a:Address></a:EndpointReference></wsp:AppliesTo><trust:KeyType>" + keyType + "</trust:KeyType><trust:RequestType>" + ns + "/Issue</trust:RequestType>" +
		"</trust:RequestSecurityToken></s:Body></s:Envelope>")
}

func (a *activeSTS) post(t *testing.T, v wstrust.Version, url string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/soap+xml; charset=utf-8")
	req.Header.Set("SOAPAction", v.IssueAction())
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// wresultFor returns what a WS-Fed relying party would be POSTed: the 2005
// RSTR itself, or for 1.3 the assertion moved into a 2005 RSTR (the
// validator reads 2005 RSTRs), serialised only by token.WriteElement.
func wresultFor(t *testing.T, v wstrust.Version, response []byte) []byte {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(response); err != nil {
		t.Fatal(err)
	}
	if v == wstrust.Trust2005 {
		return token.MarshalElement(doc.FindElement("//Body/RequestSecurityTokenResponse"))
	}
	el := doc.FindElement("//RequestedSecurityToken/Assertion")
	if el == nil {
		t.Fatalf("no assertion in %.300s", response)
	}
	nb, err := time.Parse(token.TimeFormat, el.FindElement("Conditions").SelectAttrValue("NotBefore", ""))
	if err != nil {
		t.Fatal(err)
	}
	noa, err := time.Parse(token.TimeFormat, el.FindElement("Conditions").SelectAttrValue("NotOnOrAfter", ""))
	if err != nil {
		t.Fatal(err)
	}
	rstr, err := wsfed.BuildRSTR(&token.Assertion{ID: el.SelectAttrValue("AssertionID", ""), NotBefore: nb, NotOnOrAfter: noa, Element: el}, o365)
	if err != nil {
		t.Fatal(err)
	}
	return rstr
}

// TestWSTrust_TokensVerifyWithXMLSec1AndNode posts MSAL-shaped requests to
// both endpoints found through the MEX and verifies the returned
// assertion with xmlsec1 (pinned certificate, in the full SOAP response)
// and with passport-wsfed-saml2.
func TestWSTrust_TokensVerifyWithXMLSec1AndNode(t *testing.T) {
	e2etest.XMLSec1(t)
	node, nodeDir := e2etest.Node(t)
	a := newActiveSTS(t)
	urls := a.endpoints(t)
	for _, v := range []wstrust.Version{wstrust.Trust2005, wstrust.Trust13} {
		url := urls[v]
		t.Run("WS-Trust "+v.String(), func(t *testing.T) {
			status, resp := a.post(t, v, url, a.rst(v, url, aliceUPN, alicePassword))
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, resp)
			}
			file := writeFile(t, a.dir, "response-"+v.String()+".xml", resp)
			if res := e2etest.XMLSec1Verify(t, file, a.cert, "AssertionID", assertionNS); !res.OK {
				t.Fatalf("xmlsec1 rejected the assertion in the SOAP response:\n%s", res.Output)
			}
			tampered := writeFile(t, a.dir, "tampered-"+v.String()+".xml", bytes.Replace(resp, []byte(">"+aliceUPN+"<"), []byte(">mallory@contoso.com<"), 1))
			if res := e2etest.XMLSec1Verify(t, tampered, a.cert, "AssertionID", assertionNS); res.OK {
				t.Fatal("xmlsec1 accepted a tampered assertion")
			}

			res := e2etest.Run(t, nodeDir, wresultFor(t, v, resp), node, "rp-validate.js", "wsfed", a.cert, o365)
			if !res.OK {
				t.Fatalf("passport-wsfed-saml2 rejected the token:\n%s", res.Output)
			}
			var profile map[string]any
			if err := json.Unmarshal([]byte(res.Stdout), &profile); err != nil {
				t.Fatalf("profile is not JSON: %v\n%s", err, res.Stdout)
			}
			if got := profile["http://schemas.xmlsoap.org/claims/UPN"]; got != aliceUPN {
				t.Errorf("UPN = %v, want %s", got, aliceUPN)
			}
			if got := profile["http://schemas.microsoft.com/claims/authnmethodsreferences"]; got != passwordAuthMethod {
				t.Errorf("authnmethodsreferences = %v, want only the password method (no MFA on the active path)", got)
			}
		})
	}
}

// TestWSTrust_WrongPasswordIsSOAPFaultOverHTTPS checks the fault as an
// HTTPS client receives it.
func TestWSTrust_WrongPasswordIsSOAPFaultOverHTTPS(t *testing.T) {
	a := newActiveSTS(t)
	url := a.endpoints(t)[wstrust.Trust2005]
	status, resp := a.post(t, wstrust.Trust2005, url, a.rst(wstrust.Trust2005, url, aliceUPN, "wrong"))
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(resp); err != nil {
		t.Fatalf("fault is not XML: %v\n%s", err, resp)
	}
	sub := doc.FindElement("//Fault/Code/Subcode/Value")
	if status != http.StatusInternalServerError || sub == nil || sub.Text() != "a:FailedAuthentication" ||
		doc.FindElement("//Fault/Reason/Text").Text() != "MSIS7068: Access denied." {
		t.Fatalf("status %d, fault %s", status, resp)
	}
}
