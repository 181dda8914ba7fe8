package check

import (
	"fmt"
	"time"

	"github.com/fedgate/fedgate/idp/store"
)

// RecoveryCodes validates the arguments of ReplaceRecoveryCodes: at most
// store.MaxRecoveryCodes distinct hashes of 1 to store.MaxRecoveryHashLen
// bytes.
func RecoveryCodes(userID string, hashes [][]byte, createdAt time.Time) error {
	if err := Key("user ID", userID, store.MaxKeyLen); err != nil {
		return err
	}
	if len(hashes) > store.MaxRecoveryCodes {
		return fmt.Errorf("%w: %d recovery codes, at most %d allowed", store.ErrInvalid, len(hashes), store.MaxRecoveryCodes)
	}
	seen := make(map[string]bool, len(hashes))
	for i, h := range hashes {
		if err := RecoveryHash(h); err != nil {
			return fmt.Errorf("recovery code %d: %w", i, err)
		}
		if seen[string(h)] {
			return fmt.Errorf("%w: recovery code %d repeats an earlier one", store.ErrInvalid, i)
		}
		seen[string(h)] = true
	}
	return Time("created at", createdAt)
}

// RecoveryHash validates one recovery code hash.
func RecoveryHash(h []byte) error {
	if len(h) == 0 || len(h) > store.MaxRecoveryHashLen {
		return fmt.Errorf("%w: recovery code hash is %d bytes, want 1 to %d", store.ErrInvalid, len(h), store.MaxRecoveryHashLen)
	}
	return nil
}
