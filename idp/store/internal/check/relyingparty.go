package check

import (
	"fmt"

	"github.com/fedgate/fedgate/idp/store"
)

// RelyingParty validates a record for PutRelyingParty.
func RelyingParty(rec store.RelyingPartyRecord) error {
	if err := RelyingPartyName(rec.Name); err != nil {
		return err
	}
	if err := Key("relying party protocol", rec.Protocol, store.MaxKindLen); err != nil {
		return err
	}
	if n := len(rec.Identifiers); n == 0 || n > store.MaxRelyingPartyIdentifiers {
		return fmt.Errorf("%w: relying party %q has %d identifiers, want 1 to %d",
			store.ErrInvalid, rec.Name, n, store.MaxRelyingPartyIdentifiers)
	}
	seen := make(map[string]bool, len(rec.Identifiers))
	for i, id := range rec.Identifiers {
		if err := Key(fmt.Sprintf("relying party identifier %d", i), id, store.MaxRelyingPartyIdentifierLen); err != nil {
			return err
		}
		if seen[id] {
			return fmt.Errorf("%w: relying party identifier %d (%q) repeats an earlier one", store.ErrInvalid, i, id)
		}
		seen[id] = true
	}
	if n := len(rec.Definition); n == 0 || n > store.MaxRelyingPartyDefinition {
		return fmt.Errorf("%w: relying party definition is %d bytes, want 1 to %d",
			store.ErrInvalid, n, store.MaxRelyingPartyDefinition)
	}
	if rec.UpdatedAt.IsZero() {
		return fmt.Errorf("%w: relying party updated-at time is zero", store.ErrInvalid)
	}
	return Time("relying party updated at", rec.UpdatedAt)
}

// RelyingPartyName validates the key of a relying-party lookup.
func RelyingPartyName(name string) error {
	return Key("relying party name", name, store.MaxRelyingPartyNameLen)
}
