package check

import (
	"fmt"

	"github.com/fedgate/fedgate/apppass"
	"github.com/fedgate/fedgate/idp/store"
)

// AppPassword validates a record for CreateAppPassword and the limit max.
func AppPassword(rec apppass.Record, max int) error {
	if err := Key("app password ID", rec.ID, store.MaxKindLen); err != nil {
		return err
	}
	if err := Key("user ID", rec.UserID, store.MaxKeyLen); err != nil {
		return err
	}
	if err := Key("app password name", rec.Name, store.MaxKeyLen); err != nil {
		return err
	}
	if err := Key("app password hash", rec.Hash, store.MaxKeyLen); err != nil {
		return err
	}
	if !rec.LastUsedAt.IsZero() {
		if err := Time("last used at", rec.LastUsedAt); err != nil {
			return err
		}
	}
	if max < 1 || max > store.MaxAppPasswordsPerUser {
		return fmt.Errorf("%w: app password limit %d outside 1..%d", store.ErrInvalid, max, store.MaxAppPasswordsPerUser)
	}
	return Time("created at", rec.CreatedAt)
}

// AppPasswordKey validates the (user ID, record ID) of a lookup.
func AppPasswordKey(userID, id string) error {
	if err := Key("user ID", userID, store.MaxKeyLen); err != nil {
		return err
	}
	return Key("app password ID", id, store.MaxKindLen)
}
