package ldapauth

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// extendedResponse encodes an LDAP ExtendedResponse as a DC sends it.
func extendedResponse(id int64, app ber.Tag, code int64, diag string) []byte {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, app, nil, "Extended Response")
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, code, "resultCode"))
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "matchedDN"))
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, diag, "diagnosticMessage"))
	op.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 10, oidStartTLS, "responseName"))
	p.AppendChild(op)
	return p.Bytes()
}

func TestReadStartTLSResponse(t *testing.T) {
	ok := extendedResponse(1, ldap.ApplicationExtendedResponse, 0, "")
	samba, _ := hex.DecodeString("3024020101781f0a0100040004008a16312e332e362e312e342e312e313436362e3230303337")
	tests := []struct {
		name    string
		in      []byte
		wantErr string
	}{
		{"success", ok, ""},
		{"success as captured from Samba 4.17", samba, ""},
		{"success followed by TLS bytes", append(ok, 0x16, 0x03, 0x01), ""},
		{"refused by the DC", extendedResponse(1, ldap.ApplicationExtendedResponse, ldap.LDAPResultOperationsError,
			"00000000: LdapErr: DSID-0C091189, comment: TLS or SSL already in effect"), "refused"},
		{"wrong message ID", extendedResponse(2, ldap.ApplicationExtendedResponse, 0, ""), "unexpected response"},
		{"not an extended response", extendedResponse(1, ldap.ApplicationBindResponse, 0, ""), "unexpected response"},
		{"truncated", ok[:len(ok)-3], "read response"},
		{"empty", nil, "read response"},
		{"over the size limit", extendedResponse(1, ldap.ApplicationExtendedResponse, 0, strings.Repeat("x", maxStartTLSResponse)), "limit"},
		{"not a sequence", []byte{0x02, 0x01, 0x01}, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := readStartTLSResponse(bytes.NewReader(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("readStartTLSResponse: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("readStartTLSResponse = %v, want %q", err, tt.wantErr)
			}
		})
	}
	t.Run("reads nothing past the message", func(t *testing.T) {
		r := bytes.NewReader(append(ok, 0x16, 0x03, 0x01))
		if err := readStartTLSResponse(r); err != nil {
			t.Fatal(err)
		}
		if r.Len() != 3 {
			t.Errorf("%d bytes left, want the 3 TLS bytes", r.Len())
		}
	})
}

// FuzzReadStartTLSResponse: arbitrary bytes from an unauthenticated peer
// never panic, never read past the limit, and are accepted only when they
// start with a successful ExtendedResponse to message 1.
func FuzzReadStartTLSResponse(f *testing.F) {
	f.Add(extendedResponse(1, ldap.ApplicationExtendedResponse, 0, ""))
	f.Add(extendedResponse(1, ldap.ApplicationExtendedResponse, 2, "unsupported"))
	f.Add(extendedResponse(7, ldap.ApplicationExtendedResponse, 0, ""))
	f.Add([]byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		err := readStartTLSResponse(r)
		if read := len(data) - r.Len(); read > maxStartTLSResponse {
			t.Fatalf("read %d bytes, limit %d", read, maxStartTLSResponse)
		}
		if err == nil {
			p, perr := ber.ReadPacket(bytes.NewReader(data))
			if perr != nil || ldap.GetLDAPError(p) != nil || p.Children[0].Value.(int64) != 1 {
				t.Fatalf("accepted a response that is not a success for message 1: % x", data)
			}
		}
	})
}
