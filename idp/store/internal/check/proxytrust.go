package check

import (
	"time"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/proxytrust"
)

// Enrollment validates a proxy-trust enrollment for CreateEnrollment.
func Enrollment(e proxytrust.Enrollment) error {
	if err := Key("token hash", e.TokenHash, store.MaxKeyLen); err != nil {
		return err
	}
	if err := Key("proxy name", e.ProxyName, store.MaxKeyLen); err != nil {
		return err
	}
	if err := Time("created at", e.CreatedAt); err != nil {
		return err
	}
	return Time("expires at", e.ExpiresAt)
}

// Issued validates an issued-certificate record for RecordIssued.
// RevokedAt is ignored, as the contract says.
func Issued(c proxytrust.Issued) error {
	if err := Key("serial", c.Serial, store.MaxKeyLen); err != nil {
		return err
	}
	if err := Key("proxy name", c.ProxyName, store.MaxKeyLen); err != nil {
		return err
	}
	for _, t := range []struct {
		field string
		v     time.Time
	}{{"not before", c.NotBefore}, {"not after", c.NotAfter}, {"issued at", c.IssuedAt}} {
		if err := Time(t.field, t.v); err != nil {
			return err
		}
	}
	return nil
}
