package xmlin_test

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/idp/internal/xmlin"
)

const authn = `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1" Version="2.0"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">sp</saml:Issuer></samlp:AuthnRequest>`

func deflate(t testing.TB, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func TestDecodeRedirect(t *testing.T) {
	bomb := deflate(t, bytes.Repeat([]byte("A"), 10<<20))
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{name: "ok", in: deflate(t, []byte(authn)), want: authn},
		{name: "inflate bomb", in: bomb, wantErr: xmlin.ErrTooLarge},
		{name: "oversized deflated", in: strings.Repeat("A", 40000), wantErr: xmlin.ErrTooLarge},
		{name: "not base64", in: "!!!!", wantErr: xmlin.ErrEncoding},
		{name: "empty", in: "", wantErr: xmlin.ErrEncoding},
		{name: "not deflate", in: base64.StdEncoding.EncodeToString([]byte{0xff, 0xff, 0xff, 0xff}), wantErr: xmlin.ErrInflate},
		{name: "truncated deflate", in: base64.StdEncoding.EncodeToString([]byte{0x0a}), wantErr: xmlin.ErrInflate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := xmlin.DecodeRedirect(tt.in, 16<<10, 64<<10)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}

func TestDecodePOST(t *testing.T) {
	enc := base64.StdEncoding.EncodeToString([]byte(authn))
	wrapped := enc[:76] + "\r\n" + enc[76:]
	tests := []struct {
		name    string
		in      string
		max     int
		wantErr error
	}{
		{name: "ok", in: enc, max: 1024},
		{name: "line-wrapped", in: wrapped, max: 1024},
		{name: "oversized", in: base64.StdEncoding.EncodeToString(make([]byte, 2048)), max: 1024, wantErr: xmlin.ErrTooLarge},
		{name: "bad base64", in: "a*b", max: 1024, wantErr: xmlin.ErrEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := xmlin.DecodePOST(tt.in, tt.max)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != authn {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}

func TestRead(t *testing.T) {
	if _, err := xmlin.Read(strings.NewReader(authn), 10); !errors.Is(err, xmlin.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	got, err := xmlin.Read(strings.NewReader(authn), int64(len(authn)))
	if err != nil || string(got) != authn {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantErr error
	}{
		{name: "ok", doc: authn},
		{name: "xml declaration", doc: `<?xml version="1.0" encoding="UTF-8"?>` + authn},
		{name: "doctype", doc: `<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>`, wantErr: xmlin.ErrDTD},
		{name: "billion laughs", doc: `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><r>&lol2;</r>`, wantErr: xmlin.ErrDTD},
		{name: "processing instruction", doc: `<r><?php x?></r>`, wantErr: xmlin.ErrDTD},
		{name: "stylesheet PI", doc: `<?xml-stylesheet href="x"?><r/>`, wantErr: xmlin.ErrDTD},
		{name: "latin1", doc: `<?xml version="1.0" encoding="ISO-8859-1"?><r/>`, wantErr: xmlin.ErrEncoding},
		{name: "two roots", doc: `<a/><b/>`, wantErr: xmlin.ErrMalformed},
		{name: "empty", doc: "  ", wantErr: xmlin.ErrMalformed},
		{name: "unclosed", doc: `<a>`, wantErr: xmlin.ErrMalformed},
		{name: "too deep", doc: strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40), wantErr: xmlin.ErrMalformed},
		{name: "round-trip unstable namespace", doc: `<Root xmlns:x="urn:a"><x:Foo xmlns:x="urn:b" x:Bar="1"/><x::Baz/></Root>`, wantErr: xmlin.ErrMalformed},
		{name: "text after root", doc: `<a/>junk`, wantErr: xmlin.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := xmlin.Parse([]byte(tt.doc))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || d.Root() == nil {
				t.Fatalf("Parse: %v", err)
			}
		})
	}
}

func FuzzDecodeRedirect(f *testing.F) {
	f.Add(deflate(f, []byte(authn)))
	f.Add(deflate(f, []byte(`<!DOCTYPE a><a/>`)))
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, in string) {
		out, err := xmlin.DecodeRedirect(in, 4096, 16384)
		if err != nil {
			return
		}
		if len(out) > 16384 {
			t.Fatalf("inflated %d bytes past the limit", len(out))
		}
		// Whatever decodes must be safe to validate and parse.
		if d, err := xmlin.Parse(out); err == nil && d.Root() == nil {
			t.Fatal("Parse returned a document without a root")
		}
	})
}
