package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/internal/check"
	"github.com/fedgate/fedgate/mfa"
)

var _ mfa.RecoveryStore = (*Store)(nil)

// ReplaceRecoveryCodes implements mfa.RecoveryStore in one transaction.
// A transaction-scoped advisory lock on the user serialises concurrent
// replacements: under READ COMMITTED two unserialised DELETE-then-INSERT
// transactions could otherwise leave both sets.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, createdAt time.Time) error {
	if err := check.RecoveryCodes(userID, hashes, createdAt); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended('mfa_recovery_codes:' || $1, 0))", userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM mfa_recovery_codes WHERE user_id = $1", userID); err != nil {
			return err
		}
		if len(hashes) == 0 {
			return nil
		}
		_, err := tx.Exec(ctx, `INSERT INTO mfa_recovery_codes (user_id, hash, created_at)
			SELECT $1, h, $3 FROM unnest($2::bytea[]) AS h`, userID, hashes, ts(createdAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: replace recovery codes: %w", err)
	}
	return nil
}

// RecoveryCodeHashes implements mfa.RecoveryStore.
func (s *Store) RecoveryCodeHashes(ctx context.Context, userID string) ([][]byte, error) {
	if err := check.Key("user ID", userID, store.MaxKeyLen); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, "SELECT hash FROM mfa_recovery_codes WHERE user_id = $1", userID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list recovery codes: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("postgres: list recovery codes: %w", err)
	}
	if out == nil {
		out = [][]byte{}
	}
	return out, nil
}

// ConsumeRecoveryCode implements mfa.RecoveryStore with one DELETE.
func (s *Store) ConsumeRecoveryCode(ctx context.Context, userID string, hash []byte) (bool, error) {
	if err := check.Key("user ID", userID, store.MaxKeyLen); err != nil {
		return false, err
	}
	if err := check.RecoveryHash(hash); err != nil {
		return false, err
	}
	tag, err := s.pool.Exec(ctx, "DELETE FROM mfa_recovery_codes WHERE user_id = $1 AND hash = $2", userID, hash)
	if err != nil {
		return false, fmt.Errorf("postgres: consume recovery code: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}
