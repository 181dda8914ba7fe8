package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunDemo_FlagErrors covers the demo flags that fail before anything
// listens: a usage error exits 2, a file the demo cannot use exits 1 with
// the flag named.
func TestRunDemo_FlagErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "sp.xml")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"empty --saml-metadata", []string{"--saml-metadata", ""}, 2, "empty value"},
		{"missing --saml-metadata file", []string{"--saml-metadata", missing}, 1, "--saml-metadata " + missing},
		{"missing --directory-env file", []string{"--directory-env", missing}, 1, "--directory-env"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"demo", "--listen", "127.0.0.1:0", "--msonline-listen", "127.0.0.1:0", "--data", t.TempDir()}, tc.args...)
			var out, errOut bytes.Buffer
			if code := run(t.Context(), args, &out, &errOut); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errOut.String())
			}
			if !strings.Contains(errOut.String(), tc.want) {
				t.Fatalf("stderr lacks %q: %s", tc.want, errOut.String())
			}
			if out.Len() != 0 {
				t.Errorf("printed a banner: %s", out.String())
			}
		})
	}
}

func TestStringList(t *testing.T) {
	var l stringList
	for _, v := range []string{"a.xml", "b.xml"} {
		if err := l.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if l.String() != "a.xml,b.xml" || len(l) != 2 {
		t.Fatalf("list %q", l.String())
	}
	if err := l.Set(""); err == nil {
		t.Fatal("empty value accepted")
	}
}
