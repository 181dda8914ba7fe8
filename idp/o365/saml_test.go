package o365_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/fedgate/fedgate/idp/o365"
	"github.com/fedgate/fedgate/idp/o365/internal/o365test"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/token"
)

const samlRequestID = "_req-7b1f1c4e"

var samlReq = o365.SAMLRequestInfo{ID: samlRequestID, ACS: samlp.EntraACS}

// samlOpts shapes one response built by fedgate's own SAML IdP.
type samlOpts struct {
	key          *o365test.Key
	signResponse bool
	audience     string
	inResponseTo string
	nameIDFormat string
	upn          string
	mfa          bool
}

// samlResponse issues an Entra-profile response with samlp.BuildResponse
// at t0 and returns the SAMLResponse form value.
func samlResponse(t *testing.T, o samlOpts) string {
	t.Helper()
	idp, err := samlp.New(samlp.Config{
		EntityID: o365test.Issuer, SSOURL: o365test.PassiveSignInURI,
		Keys: token.KeySet{Current: token.KeyPair{Signer: o.key.Private, Cert: o.key.Cert}},
		Now:  func() time.Time { return t0 }, Rand: rand.Reader,
	})
	if err != nil {
		t.Fatal(err)
	}
	sp := samlp.EntraServiceProvider()
	sp.SignResponse = o.signResponse
	sp.Audience = o.audience
	irt := samlRequestID
	if o.inResponseTo != "" {
		irt = o.inResponseTo
	}
	if o.inResponseTo == "-" {
		irt = ""
	}
	upn := o365test.UPN
	if o.upn != "" {
		upn = o.upn
	}
	in := samlp.EntraProfile(samlp.ResponseInput{SP: sp, ACS: sp.ACS[0], InResponseTo: irt, AuthnInstant: t0}, o365test.ImmutableID, upn)
	if o.nameIDFormat != "" {
		in.NameIDFormat = o.nameIDFormat
	}
	if o.mfa {
		in.Attributes = append(in.Attributes, samlp.Attribute{Name: "http://schemas.microsoft.com/claims/authnmethodsreferences", Values: []string{token.MultipleAuthn}})
	}
	resp, err := idp.BuildResponse(in)
	if err != nil {
		t.Fatal(err)
	}
	return resp.PostForm().SAMLResponse
}

// editSAML decodes a SAMLResponse, lets fn change the document and encodes it again.
func editSAML(t *testing.T, b64 string, fn func(doc *etree.Document)) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	fn(doc)
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(out)
}

func rawEdit(t *testing.T, b64 string, fn func([]byte) []byte) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(fn(raw))
}

func TestCheckSAMLResponse_Accepts(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name string
		opts samlOpts
		mfa  bool
	}{
		{"response and assertion signed, MFA", samlOpts{key: f.cur, signResponse: true, mfa: true}, true},
		{"assertion only, next certificate", samlOpts{key: f.next}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := f.checker(t0.Add(time.Minute)).CheckSAMLResponse(samlResponse(t, tc.opts), samlReq)
			if err != nil {
				t.Fatal(err)
			}
			if res.UPN != o365test.UPN || res.ImmutableID != o365test.ImmutableID || res.Issuer != o365test.Issuer || res.MFA != tc.mfa {
				t.Fatalf("result %+v", res)
			}
			if res.AuthnContextClassRef != samlp.PasswordProtectedTransport || !res.AuthnInstant.Equal(t0) {
				t.Fatalf("authn %q at %s", res.AuthnContextClassRef, res.AuthnInstant)
			}
		})
	}
}

func TestCheckSAMLResponse_Rejects(t *testing.T) {
	f := newFixture(t)
	good := samlResponse(t, samlOpts{key: f.cur, signResponse: true})
	goodAssertionOnly := samlResponse(t, samlOpts{key: f.cur})
	for _, tc := range []struct {
		name string
		resp string
		req  o365.SAMLRequestInfo
		now  time.Time
		want string
	}{
		{name: "tampered IDPEmail", resp: rawEdit(t, good, func(b []byte) []byte {
			return bytes.Replace(b, []byte("alice@contoso.com"), []byte("bob@contoso.com"), 1)
		}), want: "signature does not verify"},
		{name: "tampered assertion in unsigned response", resp: rawEdit(t, goodAssertionOnly, func(b []byte) []byte {
			return bytes.Replace(b, []byte("alice@contoso.com"), []byte("bob@contoso.com"), 1)
		}), want: "signature does not verify"},
		{name: "wrong key", resp: samlResponse(t, samlOpts{key: f.wrong, signResponse: true}), want: "signature does not verify"},
		{name: "wrong audience", resp: samlResponse(t, samlOpts{key: f.cur, audience: "urn:other"}), want: "audience"},
		{name: "wrong InResponseTo", resp: samlResponse(t, samlOpts{key: f.cur, inResponseTo: "_other"}), want: "InResponseTo"},
		{name: "unsolicited", resp: samlResponse(t, samlOpts{key: f.cur, inResponseTo: "-"}), want: "InResponseTo"},
		{name: "no request to match", resp: good, req: o365.SAMLRequestInfo{}, want: "unsolicited"},
		{name: "other ACS", resp: good, req: o365.SAMLRequestInfo{ID: samlRequestID, ACS: "https://evil.example/login.srf"}, want: "Destination"},
		{name: "expired", resp: good, now: t0.Add(2 * time.Hour), want: "expired"},
		{name: "not persistent", resp: samlResponse(t, samlOpts{key: f.cur, nameIDFormat: samlp.NameIDFormatEmailAddress}), want: "persistent"},
		{name: "UPN of another user", resp: samlResponse(t, samlOpts{key: f.cur, upn: "bob@contoso.com"}), want: "does not match the synced user"},
		{name: "DTD", resp: rawEdit(t, good, func(b []byte) []byte { return append([]byte("<!DOCTYPE x>"), b...) }), want: "DTD"},
		{name: "not base64", resp: "%%%", want: "base64"},
		{name: "too large", resp: strings.Repeat("A", 400<<10), want: "limit"},
		{name: "wrapping: forged assertion beside the signed one", resp: editSAML(t, goodAssertionOnly, func(doc *etree.Document) {
			a := doc.Root().SelectElement("Assertion")
			forged := a.Copy()
			forged.RemoveChildAt(1) // the signature
			forged.CreateAttr("ID", "_forged")
			doc.Root().InsertChildAt(a.Index(), forged)
		}), want: "assertions"},
		{name: "wrapping: signed assertion hidden in an extension", resp: editSAML(t, goodAssertionOnly, func(doc *etree.Document) {
			a := doc.Root().SelectElement("Assertion")
			ext := doc.Root().CreateElement("samlp:Extensions")
			ext.AddChild(a.Copy())
		}), want: "assertions"},
		{name: "failure status", resp: editSAML(t, goodAssertionOnly, func(doc *etree.Document) {
			doc.Root().FindElement("Status/StatusCode").CreateAttr("Value", "urn:oasis:names:tc:SAML:2.0:status:Responder")
		}), want: "status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now, req := tc.now, tc.req
			if now.IsZero() {
				now = t0.Add(time.Minute)
			}
			if req == (o365.SAMLRequestInfo{}) && tc.name != "no request to match" {
				req = samlReq
			}
			res, err := f.checker(now).CheckSAMLResponse(tc.resp, req)
			var re *o365.RejectError
			if err == nil || res != nil || !errors.As(err, &re) {
				t.Fatalf("accepted or wrong error type: %+v, %v", res, err)
			}
			if !strings.Contains(re.Reason, tc.want) {
				t.Fatalf("Reason = %q, want it to contain %q", re.Reason, tc.want)
			}
		})
	}
}

func TestCheckSAMLResponse_RejectsReplay(t *testing.T) {
	f := newFixture(t)
	c := f.checker(t0.Add(time.Minute))
	resp := samlResponse(t, samlOpts{key: f.cur, signResponse: true})
	if _, err := c.CheckSAMLResponse(resp, samlReq); err != nil {
		t.Fatal(err)
	}
	_, err := c.CheckSAMLResponse(resp, samlReq)
	if err == nil || !strings.Contains(err.Error(), "replay") {
		t.Fatalf("replay: %v", err)
	}
}

// FuzzCheckSAMLResponse checks that CheckSAMLResponse never panics and
// accepts nothing but the genuinely signed seed's claims.
func FuzzCheckSAMLResponse(f *testing.F) {
	fx := &fixture{
		cur:   o365test.NewKey(f, 0, "contoso signing", t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0)),
		next:  o365test.NewKey(f, 1, "contoso next", t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0)),
		other: o365test.NewKey(f, 2, "fabrikam signing", t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0)),
	}
	for _, signResp := range []bool{true, false} {
		idp, err := samlp.New(samlp.Config{
			EntityID: o365test.Issuer, SSOURL: o365test.PassiveSignInURI,
			Keys: token.KeySet{Current: token.KeyPair{Signer: fx.cur.Private, Cert: fx.cur.Cert}},
			Now:  func() time.Time { return t0 }, Rand: rand.Reader,
		})
		if err != nil {
			f.Fatal(err)
		}
		sp := samlp.EntraServiceProvider()
		sp.SignResponse = signResp
		resp, err := idp.BuildResponse(samlp.EntraProfile(samlp.ResponseInput{SP: sp, ACS: sp.ACS[0], InResponseTo: samlRequestID, AuthnInstant: t0}, o365test.ImmutableID, o365test.UPN))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(resp.XML)
		f.Add(bytes.Replace(resp.XML, []byte("alice@"), []byte("bob@"), 1))
	}
	f.Add([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		res, err := fx.checker(t0.Add(time.Minute)).CheckSAMLResponse(base64.StdEncoding.EncodeToString(doc), samlReq)
		if err != nil {
			if res != nil {
				t.Fatalf("result %+v returned with error %v", res, err)
			}
			return
		}
		if res.UPN != o365test.UPN || res.ImmutableID != o365test.ImmutableID || res.Issuer != o365test.Issuer {
			t.Fatalf("accepted claims that were never signed: %+v", res)
		}
	})
}
