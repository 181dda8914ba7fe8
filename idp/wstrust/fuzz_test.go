package wstrust_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fedgate/fedgate/idp/wstrust"
)

// FuzzParseEnvelope feeds arbitrary bodies to both endpoints' parser.
// Properties: no panic; every error is a *Fault with a code and a text
// that never contains the password; an accepted request respects every
// field limit; parsing is deterministic.
func FuzzParseEnvelope(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no captures in testdata: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(bytes.Replace(b, []byte("<s:Header>"), []byte("<!DOCTYPE x [<!ENTITY a 'b'>]><s:Header>"), 1))
		f.Add(bytes.ReplaceAll(b, []byte("u:"), []byte("wsu:")))
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Body/></s:Envelope>`))
	f.Add([]byte(`<?xml version="1.0" encoding="utf-16"?><a/>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []wstrust.Version{wstrust.Trust2005, wstrust.Trust13} {
			req, err := wstrust.ParseEnvelope(body, v)
			if err != nil {
				var fault *wstrust.Fault
				if !errors.As(err, &fault) || fault.Code == "" || fault.Text == "" {
					t.Fatalf("error %v is not a complete *Fault", err)
				}
				if strings.Contains(fault.Text, alicePass) {
					t.Fatalf("fault text echoes the password: %q", fault.Text)
				}
				continue
			}
			if req.Version != v || req.MessageID == "" || len(req.MessageID) > 256 ||
				req.AppliesTo == "" || len(req.AppliesTo) > 1024 || strings.ContainsAny(req.AppliesTo, " \t\r\n") ||
				len(req.Username) > 4096 || req.Password.Len() > 4096 ||
				!utf8.ValidString(req.Username) || !utf8.ValidString(req.Password.Reveal()) ||
				req.Created.IsZero() || req.Expires.IsZero() {
				t.Fatalf("accepted request breaks a limit: %+v", req)
			}
			again, err := wstrust.ParseEnvelope(body, v)
			if err != nil || *again != *req {
				t.Fatalf("second parse differs: %+v / %v", again, err)
			}
		}
	})
}
