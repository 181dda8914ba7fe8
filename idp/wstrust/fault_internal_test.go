package wstrust

import (
	"testing"
)

// TestFault_MarshalIsWellFormed parses every fault shape back and checks
// the parts MSAL reads, with a RelatesTo full of XML metacharacters.
func TestFault_MarshalIsWellFormed(t *testing.T) {
	const relatesTo = `urn:a&b<c>"d'`
	tests := []struct {
		name    string
		f       *Fault
		subcode string
	}{
		{"access denied 2005", accessDenied(Trust2005, nil), "a:FailedAuthentication"},
		{"access denied 1.3", accessDenied(Trust13, nil), "a:FailedAuthentication"},
		{"expired", securityFault(SubMessageExpired, "x < y & z", nil), "o:MessageExpired"},
		{"unavailable", unavailable(Trust13, nil), "a:RequestFailed"},
		{"version mismatch", &Fault{Code: VersionMismatch, Text: "SOAP 1.2 only"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := buildTree(tt.f.marshal(relatesTo))
			if err != nil {
				t.Fatalf("fault is not well-formed: %v\n%s", err, tt.f.marshal(relatesTo))
			}
			hdr, body := root.children[0], root.children[1]
			rel := hdr.childrenNamed(NSAddressing, "RelatesTo")
			if len(rel) != 1 || string(rel[0].text) != relatesTo {
				t.Errorf("RelatesTo = %v, want %q", rel, relatesTo)
			}
			fault := body.childrenNamed(NSSOAP12, "Fault")[0]
			code := fault.childrenNamed(NSSOAP12, "Code")[0]
			if got := string(code.childrenNamed(NSSOAP12, "Value")[0].text); got != "s:"+string(tt.f.Code) {
				t.Errorf("code = %q", got)
			}
			subs := code.childrenNamed(NSSOAP12, "Subcode")
			if tt.subcode == "" {
				if len(subs) != 0 {
					t.Error("unexpected subcode")
				}
				return
			}
			v := subs[0].childrenNamed(NSSOAP12, "Value")[0]
			if string(v.text) != tt.subcode {
				t.Errorf("subcode = %q, want %q", v.text, tt.subcode)
			}
			prefix := tt.subcode[:1]
			if ns, _ := v.attr("xmlns", prefix); ns != tt.f.Subcode.Space {
				t.Errorf("subcode prefix %s is bound to %q, want %q", prefix, ns, tt.f.Subcode.Space)
			}
			reason := fault.childrenNamed(NSSOAP12, "Reason")[0].childrenNamed(NSSOAP12, "Text")[0]
			if string(reason.text) != tt.f.Text {
				t.Errorf("reason = %q, want %q", reason.text, tt.f.Text)
			}
		})
	}
}
