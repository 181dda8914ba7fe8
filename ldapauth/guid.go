package ldapauth

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// guidBatch is how many objectGUIDs one LookupObjectGUIDs search asks for;
// like sidBatch it keeps the filter a few KiB long.
const guidBatch = 64

// LookupObjectGUIDs finds the accounts under BaseDN whose objectGUID (16
// raw bytes, as User.ObjectGUID) is one of guids, with service-account
// searches of up to 64 GUIDs each and no bind, so that state stored per
// account (lockout counters) can be shown with the user's name. GUIDs with
// no account under BaseDN are simply absent from the result; the order of
// the result is unspecified and User.Groups is nil. A GUID that is not 16
// bytes is an error before any search. Failures are *Error values like
// Lookup's (ReasonUnavailable for outages).
func (c *Client) LookupObjectGUIDs(ctx context.Context, guids [][]byte) ([]*User, error) {
	for i, g := range guids {
		if len(g) != guidLen {
			return nil, &Error{Reason: ReasonUnknown, Err: fmt.Errorf("objectGUID %d has %d bytes, want %d", i, len(g), guidLen)}
		}
	}
	var users []*User
	for batch := range slices.Chunk(guids, guidBatch) {
		res, dcURL, err := c.searchBinary(ctx, "objectGUID", batch, c.userAttr)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				e = unavailableError(dcURL, ldapDiagnostic(err), fmt.Errorf("look up objectGUIDs: %w", err))
			}
			return nil, e
		}
		for _, e := range res.Entries {
			u, err := userFromEntry(e, c.cfg.ImmutableIDSource)
			if err != nil {
				return nil, &Error{Reason: ReasonUnknown, DC: dcURL, Err: err}
			}
			u.Groups = nil
			users = append(users, u)
		}
	}
	return users, nil
}
