package rp_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
)

// TestDefinition_NameIDFormatTransient: transient is a SAML-only value,
// cannot be combined with a NameID source, and an explicit nameid_format
// pins the SP to that one format.
func TestDefinition_NameIDFormatTransient(t *testing.T) {
	tests := []struct {
		name   string
		def    func() rp.Definition
		mutate func(*rp.Definition)
		want   []string
	}{
		{"saml transient", samlDefinition, func(d *rp.Definition) { d.NameIDFormat = "transient" }, nil},
		{"wsfed transient", wsfedDefinition, func(d *rp.Definition) { d.NameIDFormat = "transient" }, []string{"nameid_format"}},
		{"transient with a source", samlDefinition, func(d *rp.Definition) { d.NameIDFormat, d.NameIDSource = "transient", "upn" }, []string{"nameid_source"}},
		{"unknown format", samlDefinition, func(d *rp.Definition) { d.NameIDFormat = "x509" }, []string{"nameid_format"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.def()
			tt.mutate(&d)
			if got := problemFields(t, d.Validate(nil)); !slices.Equal(got, tt.want) {
				t.Errorf("problems %v, want %v", got, tt.want)
			}
		})
	}
}

// TestDefinition_NameIDFormatPinsTheServiceProvider: without nameid_format
// the metadata's format is a default the SP may trade for transient; with
// it, that format is the only one.
func TestDefinition_NameIDFormatPinsTheServiceProvider(t *testing.T) {
	tests := []struct {
		name        string
		format      string
		wantDefault string
		transientOK bool
	}{
		// nodesaml.xml lists emailAddress first.
		{"metadata default", "", samlp.NameIDFormatEmailAddress, true},
		{"pinned persistent", "persistent", samlp.NameIDFormatPersistent, false},
		{"pinned email", "email", samlp.NameIDFormatEmailAddress, false},
		{"pinned transient", "transient", samlp.NameIDFormatTransient, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := samlDefinition()
			d.NameIDFormat = tt.format
			p, err := d.Party(env())
			if err != nil {
				t.Fatal(err)
			}
			if got, err := p.SAML.NameIDFormatFor(""); err != nil || got != tt.wantDefault {
				t.Errorf("NameIDFormatFor(none) = %q, %v; want %q", got, err, tt.wantDefault)
			}
			got, err := p.SAML.NameIDFormatFor(samlp.NameIDFormatTransient)
			if ok := err == nil && got == samlp.NameIDFormatTransient; ok != tt.transientOK {
				t.Errorf("NameIDFormatFor(transient) = %q, %v; want allowed=%v", got, err, tt.transientOK)
			}
			if err != nil && !errors.Is(err, samlp.ErrNameIDPolicy) {
				t.Errorf("refusal %v does not wrap ErrNameIDPolicy", err)
			}
			if tt.format == "transient" {
				if _, err := p.SAML.NameIDFormatFor(samlp.NameIDFormatPersistent); !errors.Is(err, samlp.ErrNameIDPolicy) {
					t.Errorf("a transient-only SP may receive persistent: %v", err)
				}
			}
		})
	}
}
