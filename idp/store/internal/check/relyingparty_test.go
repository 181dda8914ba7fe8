package check

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/store"
)

func TestRelyingParty(t *testing.T) {
	valid := func() store.RelyingPartyRecord {
		return store.RelyingPartyRecord{
			Name: "App", Protocol: "saml2", Identifiers: []string{"https://app.example.com"},
			Definition: []byte("name: App\n"), UpdatedAt: time.Unix(1, 0),
		}
	}
	tests := []struct {
		name   string
		mutate func(*store.RelyingPartyRecord)
		ok     bool
	}{
		{"valid", func(*store.RelyingPartyRecord) {}, true},
		{"empty name", func(r *store.RelyingPartyRecord) { r.Name = "" }, false},
		{"long name", func(r *store.RelyingPartyRecord) { r.Name = strings.Repeat("n", store.MaxRelyingPartyNameLen+1) }, false},
		{"empty protocol", func(r *store.RelyingPartyRecord) { r.Protocol = "" }, false},
		{"no identifiers", func(r *store.RelyingPartyRecord) { r.Identifiers = nil }, false},
		{"too many identifiers", func(r *store.RelyingPartyRecord) {
			r.Identifiers = make([]string, store.MaxRelyingPartyIdentifiers+1)
			for i := range r.Identifiers {
				r.Identifiers[i] = fmt.Sprint("urn:x:", i)
			}
		}, false},
		{"repeated identifier", func(r *store.RelyingPartyRecord) { r.Identifiers = []string{"a", "b", "a"} }, false},
		{"identifier with NUL", func(r *store.RelyingPartyRecord) { r.Identifiers = []string{"a\x00"} }, false},
		{"long identifier", func(r *store.RelyingPartyRecord) {
			r.Identifiers = []string{strings.Repeat("i", store.MaxRelyingPartyIdentifierLen+1)}
		}, false},
		{"empty definition", func(r *store.RelyingPartyRecord) { r.Definition = nil }, false},
		{"max definition", func(r *store.RelyingPartyRecord) { r.Definition = make([]byte, store.MaxRelyingPartyDefinition) }, true},
		{"long definition", func(r *store.RelyingPartyRecord) { r.Definition = make([]byte, store.MaxRelyingPartyDefinition+1) }, false},
		{"zero time", func(r *store.RelyingPartyRecord) { r.UpdatedAt = time.Time{} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := valid()
			tt.mutate(&rec)
			err := RelyingParty(rec)
			if (err == nil) != tt.ok {
				t.Fatalf("RelyingParty = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, store.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}
