package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/internal/check"
	"github.com/fedgate/fedgate/mfa"
)

var _ mfa.RecoveryStore = (*Store)(nil)

// ReplaceRecoveryCodes implements mfa.RecoveryStore: the delete and the
// inserts are one IMMEDIATE transaction (SQLite's write lock), so readers
// and concurrent replacements see one whole set.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, createdAt time.Time) error {
	if err := check.RecoveryCodes(userID, hashes, createdAt); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: replace recovery codes: begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "DELETE FROM mfa_recovery_codes WHERE user_id = ?", userID); err != nil {
		return fmt.Errorf("sqlite: replace recovery codes: %w", err)
	}
	created := formatTime(createdAt)
	for _, h := range hashes {
		if _, err := tx.ExecContext(ctx, "INSERT INTO mfa_recovery_codes (user_id, hash, created_at) VALUES (?, ?, ?)",
			userID, h, created); err != nil {
			return fmt.Errorf("sqlite: replace recovery codes: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: replace recovery codes: commit: %w", err)
	}
	return nil
}

// RecoveryCodeHashes implements mfa.RecoveryStore.
func (s *Store) RecoveryCodeHashes(ctx context.Context, userID string) ([][]byte, error) {
	if err := check.Key("user ID", userID, store.MaxKeyLen); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT hash FROM mfa_recovery_codes WHERE user_id = ?", userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list recovery codes: %w", err)
	}
	defer rows.Close()
	out := [][]byte{}
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("sqlite: list recovery codes: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list recovery codes: %w", err)
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
	res, err := s.db.ExecContext(ctx, "DELETE FROM mfa_recovery_codes WHERE user_id = ? AND hash = ?", userID, hash)
	if err != nil {
		return false, fmt.Errorf("sqlite: consume recovery code: %w", err)
	}
	return affected(res, "consume recovery code")
}
