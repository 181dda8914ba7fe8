package ldapauth

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// sambaTokenGroups are alice's tokenGroups values as captured from the
// Samba lab: Finance, O365 Users, Domain Users and BUILTIN\Users.
var sambaTokenGroups = []struct{ b64, sid string }{
	{"AQUAAAAAAAUVAAAAZyUsijGBZYQtJKETVgQAAA==", "S-1-5-21-2318148967-2221244721-329327661-1110"},
	{"AQUAAAAAAAUVAAAAZyUsijGBZYQtJKETVwQAAA==", "S-1-5-21-2318148967-2221244721-329327661-1111"},
	{"AQUAAAAAAAUVAAAAZyUsijGBZYQtJKETAQIAAA==", "S-1-5-21-2318148967-2221244721-329327661-513"},
	{"AQIAAAAAAAUgAAAAIQIAAA==", "S-1-5-32-545"},
}

func TestParseSID(t *testing.T) {
	for _, c := range sambaTokenGroups {
		t.Run(c.sid, func(t *testing.T) {
			b, _ := base64.StdEncoding.DecodeString(c.b64)
			got, err := parseSID(b)
			if err != nil || got != c.sid {
				t.Errorf("parseSID = %q, %v; want %q", got, err, c.sid)
			}
		})
	}
	bad := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "at least 8"},
		{"header only, count 1", []byte{1, 1, 0, 0, 0, 0, 0, 5}, "want 12"},
		{"revision 2", []byte{2, 0, 0, 0, 0, 0, 0, 5}, "revision"},
		{"16 sub-authorities", append([]byte{1, 16, 0, 0, 0, 0, 0, 5}, make([]byte, 64)...), "at most"},
		{"trailing byte", []byte{1, 0, 0, 0, 0, 0, 0, 5, 0}, "want 8"},
		{"too long", make([]byte, sidMaxLen+1), "at most 68"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseSID(tt.b); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseSID(% x) = %v, want an error mentioning %q", tt.b, err, tt.want)
			}
		})
	}
}

func TestEscapeBinary_CompilesToTheSameBytes(t *testing.T) {
	b := []byte{0, '(', ')', '*', '\\', 0xff, 'a'}
	p, err := ldap.CompileFilter("(objectSid=" + escapeBinary(b) + ")")
	if err != nil {
		t.Fatalf("CompileFilter: %v", err)
	}
	if got := p.Children[1].Data.Bytes(); !bytes.Equal(got, b) {
		t.Errorf("filter value = % x, want % x", got, b)
	}
}

// FuzzAnyBinaryFilter: whatever the bytes, the filter compiles to one OR
// of equality matches on the attribute, one per value, each carrying the
// value's bytes verbatim. The fuzzer's input is split at 0xfe into values.
func FuzzAnyBinaryFilter(f *testing.F) {
	f.Add([]byte{0, '(', ')', '*', '\\', 0xff, 'a'})
	f.Add([]byte("a\xfeb\xfe"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		values := bytes.Split(in, []byte{0xfe})
		p, err := ldap.CompileFilter(anyBinaryFilter("objectGUID", values))
		if err != nil {
			t.Fatalf("filter for % x does not compile: %v", in, err)
		}
		if p.Tag != ldap.FilterOr || len(p.Children) != len(values) {
			t.Fatalf("filter for % x is not an OR of %d matches", in, len(values))
		}
		for i, c := range p.Children {
			if c.Tag != ldap.FilterEqualityMatch || string(c.Children[0].Data.Bytes()) != "objectGUID" || !bytes.Equal(c.Children[1].Data.Bytes(), values[i]) {
				t.Fatalf("match %d of the filter for % x does not carry % x", i, in, values[i])
			}
		}
	})
}

// FuzzParseSID: no panic; an accepted SID has the declared length and a
// string form that encodes back to the same bytes; its escaped form is a
// filter value that decodes back to it.
func FuzzParseSID(f *testing.F) {
	for _, c := range sambaTokenGroups {
		b, _ := base64.StdEncoding.DecodeString(c.b64)
		f.Add(b)
	}
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 15})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseSID(b)
		if err != nil {
			return
		}
		if len(b) != sidHeaderLen+4*int(b[1]) {
			t.Fatalf("accepted %d bytes for %d sub-authorities", len(b), b[1])
		}
		if got := encodeSIDString(t, s); !bytes.Equal(got, b) {
			t.Fatalf("parseSID(% x) = %s, which encodes to % x", b, s, got)
		}
		p, err := ldap.CompileFilter("(objectSid=" + escapeBinary(b) + ")")
		if err != nil || !bytes.Equal(p.Children[1].Data.Bytes(), b) {
			t.Fatalf("escaped SID does not round-trip through a filter: %v", err)
		}
	})
}

// encodeSIDString is the inverse of parseSID, for the fuzz property.
func encodeSIDString(t *testing.T, s string) []byte {
	t.Helper()
	parts := strings.Split(s, "-")
	if len(parts) < 3 || parts[0] != "S" {
		t.Fatalf("malformed SID string %q", s)
	}
	rev, err1 := strconv.ParseUint(parts[1], 10, 8)
	auth, err2 := strconv.ParseUint(parts[2], 10, 48)
	if err1 != nil || err2 != nil {
		t.Fatalf("malformed SID string %q", s)
	}
	b := []byte{byte(rev), byte(len(parts) - 3)}
	for i := 5; i >= 0; i-- {
		b = append(b, byte(auth>>(8*i)))
	}
	for _, p := range parts[3:] {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			t.Fatalf("malformed sub-authority in %q", s)
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return b
}
