package demo

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestPartyName(t *testing.T) {
	long := "https://sp.example.test/" + strings.Repeat("a", 200)
	for _, tc := range []struct {
		name, entityID, want string
	}{
		{"short kept", "https://sp.example.test/metadata", "https://sp.example.test/metadata"},
		{"exactly the limit", strings.Repeat("x", maxSAMLPartyName), strings.Repeat("x", maxSAMLPartyName)},
		{"long cut", long, long[:maxSAMLPartyName-len("…")] + "…"},
		// 'é' is two bytes: the cut backs off to a rune boundary.
		{"cut at a rune boundary", "urn:" + strings.Repeat("é", 100), "urn:" + strings.Repeat("é", 60) + "…"},
		{"C1 control replaced", "urn:sp:\u0085x", "urn:sp:\uFFFDx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := partyName(tc.entityID)
			if got != tc.want {
				t.Errorf("partyName = %q, want %q", got, tc.want)
			}
			if len(got) > maxSAMLPartyName || !utf8.ValidString(got) {
				t.Errorf("%q: %d bytes, valid UTF-8 %v", got, len(got), utf8.ValidString(got))
			}
		})
	}
}

func TestSAMLPartiesYAMLQuotes(t *testing.T) {
	sps := []samlSP{{EntityID: "x", Party: samlPartyYAML{Name: "urn:a: #b", MetadataFile: "/tmp/dir with space/x: y.xml", MFA: "always"}}}
	out, err := samlPartiesYAML(sps)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`    - name: 'urn:a: #b'`, `      metadata_file: '/tmp/dir with space/x: y.xml'`, `      mfa: always`} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if out, _ := samlPartiesYAML(nil); out != "" {
		t.Errorf("no parties rendered %q", out)
	}
}

// FuzzPartyName checks every entity ID becomes a name config validation
// accepts: at most 128 bytes of valid UTF-8 without control characters.
func FuzzPartyName(f *testing.F) {
	for _, s := range []string{"https://sp.example.test/metadata", "urn:" + strings.Repeat("é", 100), "a\u0085b", "\xff\xfe", strings.Repeat("x", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, entityID string) {
		got := partyName(entityID)
		if len(got) > maxSAMLPartyName || !utf8.ValidString(got) || strings.ContainsFunc(got, unicode.IsControl) {
			t.Fatalf("partyName(%q) = %q", entityID, got)
		}
		if len(entityID) <= maxSAMLPartyName && utf8.ValidString(entityID) && !strings.ContainsFunc(entityID, unicode.IsControl) && got != entityID {
			t.Fatalf("partyName changed a usable name %q to %q", entityID, got)
		}
	})
}
