package app

import "github.com/fedgate/fedgate/idp/rp"

// wstrustParties returns the trusts the WS-Trust endpoints issue to:
// Office 365 alone (none when it is off). WS-Trust builds the Office 365
// claim set, so any other WS-Fed party reached through it would bypass
// its own claim rules and access policy; such AppliesTo values are
// refused as unknown instead.
func wstrustParties(all *rp.Registry) (*rp.Registry, error) {
	office, err := all.Lookup(rp.Office365Realm)
	if err != nil {
		return rp.NewRegistry()
	}
	return rp.NewRegistry(*office)
}
