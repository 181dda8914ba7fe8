package proxy

import (
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"
)

func requestFor(t testing.TB, target string) (*http.Request, bool) {
	t.Helper()
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, false
	}
	return &http.Request{Method: http.MethodGet, URL: u, RequestURI: target}, true
}

func TestCanonicalPath(t *testing.T) {
	tests := []struct {
		target string
		ok     bool
	}{
		{"/adfs/ls/", true},
		{"/adfs/ls/?wa=wsignin1.0&wctx=a%2Fb", true}, // encoding in the query is fine
		{"/adfs/portal/css/style.css", true},
		{"/FederationMetadata/2007-06/FederationMetadata.xml", true},
		{"/", true},
		{"/adfs/ls/../admin", false},
		{"/adfs/ls/..", false},
		{"/adfs/ls/.", false},
		{"/adfs//ls/", false},
		{"//adfs/ls/", false},
		{"/adfs/ls%2F", false},
		{"/adfs/%6cs/", false},
		{"/adfs/portal/%2e%2e/x", false},
		{"/adfs/portal/%25", false},
		{"/adfs/ls/;x", false},
		{"/adfs/ls/a b", false},
		{"/adfs/ls/\x7f", false},
		{"/" + strings.Repeat("a", MaxPathLen), false},
		{"*", false},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			r, ok := requestFor(t, tt.target)
			if !ok {
				if tt.ok {
					t.Fatal("target does not parse")
				}
				return
			}
			if got := canonicalPath(r); got != tt.ok {
				t.Fatalf("canonicalPath = %v, want %v", got, tt.ok)
			}
		})
	}
}

func FuzzCanonicalPath(f *testing.F) {
	for _, s := range []string{
		"/adfs/ls/", "/adfs/ls/../x", "/adfs/portal/..%2fadmin", "//x", "/a/./b", "/%2e%2e/", "/adfs/ls%2f",
		"/adfs/portal/css\\..\\x", "/adfs/ls/;a", "/FederationMetadata/2007-06/FederationMetadata.xml",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		r, ok := requestFor(t, target)
		if !ok || !canonicalPath(r) {
			return
		}
		p := r.URL.Path
		if strings.ContainsAny(p, "%\\;") || r.URL.RawPath != "" {
			t.Fatalf("accepted %q with encoding or separators", p)
		}
		for _, seg := range strings.Split(p, "/")[1:] {
			if seg == "." || seg == ".." {
				t.Fatalf("accepted dot segment in %q", p)
			}
		}
		if strings.Contains(p, "//") {
			t.Fatalf("accepted empty segment in %q", p)
		}
		// What fedgate receives is what was checked: re-encoding the path
		// gives the same path back.
		if r.URL.EscapedPath() != p || path.Clean(p) != strings.TrimSuffix(p, "/") && p != "/" {
			t.Fatalf("path %q does not survive re-encoding (%q)", p, r.URL.EscapedPath())
		}
	})
}
