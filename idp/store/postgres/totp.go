package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/internal/check"
	"github.com/fedgate/fedgate/mfa"
)

// GetTOTP implements mfa.Store.
func (s *Store) GetTOTP(ctx context.Context, userID string) (mfa.TOTPRecord, bool, error) {
	if err := check.Key("user ID", userID, store.MaxKeyLen); err != nil {
		return mfa.TOTPRecord{}, false, err
	}
	row := s.pool.QueryRow(ctx,
		"SELECT user_id, account_name, secret, created_at FROM mfa_totp WHERE user_id = $1", userID)
	rec, err := scanTOTP(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return mfa.TOTPRecord{}, false, nil
	}
	if err != nil {
		return mfa.TOTPRecord{}, false, fmt.Errorf("postgres: get totp: %w", err)
	}
	return rec, true, nil
}

// CreateTOTP implements mfa.Store with one INSERT … ON CONFLICT DO NOTHING.
func (s *Store) CreateTOTP(ctx context.Context, rec mfa.TOTPRecord) (bool, error) {
	if err := check.TOTP(rec); err != nil {
		return false, err
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO mfa_totp (user_id, account_name, secret, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO NOTHING`,
		rec.UserID, rec.AccountName, rec.SealedSecret, ts(rec.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("postgres: create totp: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ReplaceTOTP implements mfa.Store with one UPDATE.
func (s *Store) ReplaceTOTP(ctx context.Context, rec mfa.TOTPRecord) (bool, error) {
	if err := check.TOTP(rec); err != nil {
		return false, err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE mfa_totp SET account_name = $1, secret = $2, created_at = $3 WHERE user_id = $4`,
		rec.AccountName, rec.SealedSecret, ts(rec.CreatedAt), rec.UserID)
	if err != nil {
		return false, fmt.Errorf("postgres: replace totp: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// DeleteTOTP implements mfa.Store.
func (s *Store) DeleteTOTP(ctx context.Context, userID string) (bool, error) {
	if err := check.Key("user ID", userID, store.MaxKeyLen); err != nil {
		return false, err
	}
	tag, err := s.pool.Exec(ctx, "DELETE FROM mfa_totp WHERE user_id = $1", userID)
	if err != nil {
		return false, fmt.Errorf("postgres: delete totp: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ListTOTP implements mfa.Store.
func (s *Store) ListTOTP(ctx context.Context) ([]mfa.TOTPRecord, error) {
	rows, err := s.pool.Query(ctx,
		"SELECT user_id, account_name, secret, created_at FROM mfa_totp ORDER BY user_id")
	if err != nil {
		return nil, fmt.Errorf("postgres: list totp: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (mfa.TOTPRecord, error) { return scanTOTP(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list totp: %w", err)
	}
	return out, nil
}

func scanTOTP(row pgx.Row) (mfa.TOTPRecord, error) {
	var rec mfa.TOTPRecord
	err := row.Scan(&rec.UserID, &rec.AccountName, &rec.SealedSecret, &rec.CreatedAt)
	rec.CreatedAt = rec.CreatedAt.UTC()
	return rec, err
}
