package wsfed_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/idp/wsfed"
)

// entraQuery is the shape of the redirect Entra ID sends to a federated
// domain's PassiveSignInUri (captured from public AD FS traces, estsrequest
// shortened).
const entraQuery = "wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline" +
	"&wctx=LoginOptions%3D3%26estsredirect%3d2%26estsrequest%3drQQIARAAhZE9aBNhGMc3l" +
	"&username=alice%40contoso.com&cbcxt=&mkt=&lc="

func intp(n int) *int { return &n }

func equalRequests(a, b *wsfed.Request) bool {
	if (a.Fresh == nil) != (b.Fresh == nil) || (a.Fresh != nil && *a.Fresh != *b.Fresh) {
		return false
	}
	x, y := *a, *b
	x.Fresh, y.Fresh = nil, nil
	return x == y
}

func show(r *wsfed.Request) string {
	fresh := "nil"
	if r.Fresh != nil {
		fresh = fmt.Sprint(*r.Fresh)
	}
	return fmt.Sprintf("%+v fresh=%s", *r, fresh)
}

func TestParseRequest_Accepts(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  wsfed.Request
	}{
		{
			name:  "Entra ID sign-in with extra parameters",
			query: entraQuery,
			want: wsfed.Request{Action: wsfed.SignIn, Realm: "urn:federation:MicrosoftOnline",
				Context: "LoginOptions=3&estsredirect=2&estsrequest=rQQIARAAhZE9aBNhGMc3l"},
		},
		{
			name: "prompt=login translated to fresh password auth",
			query: "wa=wsignin1.0&wtrealm=urn:federation:MicrosoftOnline&wfresh=0" +
				"&wauth=http%3A%2F%2Fschemas.microsoft.com%2Fws%2F2008%2F06%2Fidentity%2Fauthenticationmethod%2Fpassword",
			want: wsfed.Request{Action: wsfed.SignIn, Realm: "urn:federation:MicrosoftOnline", Fresh: intp(0),
				AuthMethod: "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password"},
		},
		{
			name:  "all parameters",
			query: "wa=wsignin1.0&wtrealm=https%3A%2F%2Fapp.contoso.com%2F&wreply=https%3A%2F%2Fapp.contoso.com%2Fsignin%3Fa%3D1&wctx=rm%3D0%26id%3Dpassive&wfresh=0060&whr=contoso.com&wauth=http%3A%2F%2Fschemas.microsoft.com%2Fclaims%2Fmultipleauthn&wct=2025-06-01T12%3A00%3A00Z",
			want: wsfed.Request{Action: wsfed.SignIn, Realm: "https://app.contoso.com/",
				Reply: "https://app.contoso.com/signin?a=1", Context: "rm=0&id=passive", Fresh: intp(60),
				HomeRealm: "contoso.com", AuthMethod: "http://schemas.microsoft.com/claims/multipleauthn",
				CurrentTime: "2025-06-01T12:00:00Z"},
		},
		{
			name:  "sign-out without realm",
			query: "wa=wsignout1.0&wreply=https%3A%2F%2Flogin.microsoftonline.com%2Flogin.srf",
			want:  wsfed.Request{Action: wsfed.SignOut, Reply: "https://login.microsoftonline.com/login.srf"},
		},
		{
			name:  "sign-out cleanup",
			query: "wa=wsignoutcleanup1.0",
			want:  wsfed.Request{Action: wsfed.SignOutCleanup},
		},
		{
			name:  "http reply to loopback",
			query: "wa=wsignin1.0&wtrealm=urn:test&wreply=http://127.0.0.1:8080/cb",
			want:  wsfed.Request{Action: wsfed.SignIn, Realm: "urn:test", Reply: "http://127.0.0.1:8080/cb"},
		},
		{
			name:  "http reply to localhost and IPv6 loopback",
			query: "wa=wsignin1.0&wtrealm=urn:test&wreply=http://%5B::1%5D:8080/cb",
			want:  wsfed.Request{Action: wsfed.SignIn, Realm: "urn:test", Reply: "http://[::1]:8080/cb"},
		},
		{
			name:  "empty optional parameters are absent; empty pairs skipped",
			query: "&&wa=wsignin1.0&wtrealm=urn:test&wreply=&wctx=&wfresh=&",
			want:  wsfed.Request{Action: wsfed.SignIn, Realm: "urn:test"},
		},
		{
			name:  "plus is a space in wctx",
			query: "wa=wsignin1.0&wtrealm=urn:test&wctx=a+b%2Bc",
			want:  wsfed.Request{Action: wsfed.SignIn, Realm: "urn:test", Context: "a b+c"},
		},
		{
			name:  "maximum wfresh",
			query: "wa=wsignin1.0&wtrealm=urn:test&wfresh=525600",
			want:  wsfed.Request{Action: wsfed.SignIn, Realm: "urn:test", Fresh: intp(525600)},
		},
		{
			name:  "wctx at the limit",
			query: "wa=wsignin1.0&wtrealm=urn:test&wctx=" + strings.Repeat("x", wsfed.MaxContextBytes),
			want:  wsfed.Request{Action: wsfed.SignIn, Realm: "urn:test", Context: strings.Repeat("x", wsfed.MaxContextBytes)},
		},
		{
			name:  "unicode context",
			query: "wa=wsignin1.0&wtrealm=urn:test&wctx=%C3%A9t%C3%A9",
			want:  wsfed.Request{Action: wsfed.SignIn, Realm: "urn:test", Context: "été"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wsfed.ParseRequest(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			if !equalRequests(got, &tt.want) {
				t.Errorf("got  %s\nwant %s", show(got), show(&tt.want))
			}
			back, err := wsfed.ParseRequest(got.Encode())
			if err != nil {
				t.Fatalf("re-parse %q: %v", got.Encode(), err)
			}
			if !equalRequests(back, got) {
				t.Errorf("re-encoded request differs: %s", show(back))
			}
		})
	}
}

func TestParseRequest_Errors(t *testing.T) {
	const in = "wa=wsignin1.0&wtrealm=urn:test"
	tests := []struct {
		name      string
		query     string
		wantParam string
		wantText  string
	}{
		{"empty query", "", "wa", "is missing"},
		{"missing wa", "wtrealm=urn:test", "wa", "is missing; expected wsignin1.0"},
		{"wa in other case is not wa", "WA=wsignin1.0&wtrealm=urn:test", "wa", "is missing"},
		{"unknown wa", "wa=wattr1.0", "wa", `"wattr1.0" is not supported`},
		{"long unknown wa is shortened", "wa=" + strings.Repeat("a", 100), "wa", `"` + strings.Repeat("a", 32) + `…" is not supported`},
		{"query too long", in + "&x=" + strings.Repeat("a", wsfed.MaxQueryBytes), "", "the limit is 8192"},
		{"semicolon separator", "wa=wsignin1.0;wtrealm=urn:test", "", `contains ";"`},
		{"bad escape in name", in + "&%zz=1", "", "parameter name that is not valid percent-encoding"},
		{"bad escape in value", in + "&wctx=%zz", "wctx", "is not valid percent-encoding"},
		{"duplicate wa", in + "&wa=wsignout1.0", "wa", "appears more than once"},
		{"duplicate wtrealm", in + "&wtrealm=urn:other", "wtrealm", "appears more than once"},
		{"duplicate empty wreply", in + "&wreply=&wreply=https://a.example/", "wreply", "appears more than once"},
		{"invalid UTF-8", in + "&wctx=%FF", "wctx", "is not valid UTF-8"},
		{"NUL", in + "&wctx=a%00b", "wctx", "control character at byte 1"},
		{"newline", in + "&wctx=a%0Ab", "wctx", "control character"},
		{"DEL", in + "&whr=a%7F", "whr", "control character"},
		{"C1 control", in + "&wauth=%C2%85", "wauth", "control character"},
		{"missing wtrealm for sign-in", "wa=wsignin1.0&wctx=x", "wtrealm", "is missing; wsignin1.0 needs"},
		{"relative wtrealm", "wa=wsignin1.0&wtrealm=app", "wtrealm", "is not an absolute URI"},
		{"wtrealm with space", "wa=wsignin1.0&wtrealm=urn:a+b", "wtrealm", "contains a space"},
		{"wtrealm too long", "wa=wsignin1.0&wtrealm=urn:" + strings.Repeat("a", wsfed.MaxURIBytes), "wtrealm", "the limit is 1024"},
		{"wreply too long", in + "&wreply=https://a.example/" + strings.Repeat("a", wsfed.MaxURIBytes), "wreply", "the limit is 1024"},
		{"relative wreply", in + "&wreply=/signin", "wreply", "is not an absolute URL"},
		{"opaque wreply", in + "&wreply=https:evil.example", "wreply", "is not an absolute URL"},
		{"wreply without host", in + "&wreply=https:///path", "wreply", "has no host"},
		{"http wreply", in + "&wreply=http://app.contoso.com/", "wreply", "uses http"},
		{"http wreply to a lookalike", in + "&wreply=http://127.0.0.1.evil.example/", "wreply", "uses http"},
		{"javascript wreply", in + "&wreply=javascript://x/%250Aalert(1)", "wreply", `scheme "javascript"`},
		{"wreply with user info", in + "&wreply=https://app.contoso.com@evil.example/", "wreply", "user information"},
		{"wreply with fragment", in + "&wreply=https://app.contoso.com/%23x", "wreply", "fragment"},
		{"wreply with backslash", in + "&wreply=https://evil.example%5C@app.contoso.com/", "wreply", "backslash"},
		{"wctx too long", in + "&wctx=" + strings.Repeat("x", wsfed.MaxContextBytes+1), "wctx", "is 4097 bytes; the limit is 4096"},
		{"negative wfresh", in + "&wfresh=-1", "wfresh", "whole number of minutes from 0 to 525600"},
		{"fractional wfresh", in + "&wfresh=1.5", "wfresh", "whole number"},
		{"wfresh over a year", in + "&wfresh=525601", "wfresh", "whole number"},
		{"huge wfresh", in + "&wfresh=99999999999999999999", "wfresh", "whole number"},
		{"wfresh with plus sign", in + "&wfresh=%2B5", "wfresh", "whole number"},
		{"whr too long", in + "&whr=" + strings.Repeat("a", wsfed.MaxURIBytes+1), "whr", "the limit is 1024"},
		{"wauth with space", in + "&wauth=a+b", "wauth", "contains a space"},
		{"wct with space", in + "&wct=2025-06-01+12:00", "wct", "contains a space"},
		{"re-encoding too long", "wa=wsignin1.0&wtrealm=urn:test&wctx=" + strings.Repeat("é", 2000), "", "once re-encoded; the limit is 8192"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := wsfed.ParseRequest(tt.query)
			if err == nil {
				t.Fatalf("accepted: %s", show(r))
			}
			var pe *wsfed.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError: %v", err, err)
			}
			if pe.Param != tt.wantParam || !strings.Contains(pe.Problem, tt.wantText) {
				t.Errorf("got Param %q Problem %q; want Param %q and %q", pe.Param, pe.Problem, tt.wantParam, tt.wantText)
			}
			if !strings.HasPrefix(err.Error(), "wsfed: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestRequest_EncodeIsCanonical(t *testing.T) {
	r := wsfed.Request{Action: wsfed.SignIn, Realm: "urn:federation:MicrosoftOnline", Reply: "https://a.example/x?y=1",
		Context: "a b&c=d", Fresh: intp(0), HomeRealm: "contoso.com", AuthMethod: "urn:m", CurrentTime: "t"}
	want := "wa=wsignin1.0&wtrealm=urn%3Afederation%3AMicrosoftOnline&wreply=https%3A%2F%2Fa.example%2Fx%3Fy%3D1" +
		"&wctx=a+b%26c%3Dd&wfresh=0&whr=contoso.com&wauth=urn%3Am&wct=t"
	if got := r.Encode(); got != want {
		t.Errorf("Encode() =\n%s\nwant\n%s", got, want)
	}
}

func TestParseError_Message(t *testing.T) {
	tests := []struct {
		err  wsfed.ParseError
		want string
	}{
		{wsfed.ParseError{Param: "wreply", Problem: "has no host"}, "wsfed: parameter wreply has no host"},
		{wsfed.ParseError{Problem: "is 9000 bytes; the limit is 8192"}, "wsfed: query is 9000 bytes; the limit is 8192"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzParseRequest(f *testing.F) {
	seeds := []string{
		entraQuery,
		"wa=wsignin1.0&wtrealm=urn:federation:MicrosoftOnline&wfresh=0&wauth=http%3A%2F%2Fschemas.microsoft.com%2Fclaims%2Fmultipleauthn",
		"wa=wsignout1.0&wreply=https%3A%2F%2Flogin.microsoftonline.com%2Flogin.srf",
		"wa=wsignoutcleanup1.0",
		"wa=wsignin1.0&wtrealm=https%3A%2F%2Fapp.contoso.com%2F&wreply=http://[::1]:80/&wctx=%C3%A9&wfresh=007&whr=x&wct=2025-06-01T12%3A00%3A00Z",
		"wa=wsignin1.0&wa=wsignin1.0",
		"wa=wsignin1.0;wtrealm=x",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		r, err := wsfed.ParseRequest(q)
		if err != nil {
			var pe *wsfed.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError", err)
			}
			return
		}
		if len(r.Context) > wsfed.MaxContextBytes {
			t.Fatalf("accepted wctx of %d bytes", len(r.Context))
		}
		enc := r.Encode()
		back, err := wsfed.ParseRequest(enc)
		if err != nil {
			t.Fatalf("re-parse of %q failed: %v", enc, err)
		}
		if !equalRequests(back, r) {
			t.Fatalf("round trip changed the request:\n%s\n%s", show(r), show(back))
		}
		if back.Encode() != enc {
			t.Fatalf("encoding is not stable: %q vs %q", enc, back.Encode())
		}
	})
}
