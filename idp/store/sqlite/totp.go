package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/internal/check"
	"github.com/fedgate/fedgate/mfa"
)

// GetTOTP implements mfa.Store.
func (s *Store) GetTOTP(ctx context.Context, userID string) (mfa.TOTPRecord, bool, error) {
	if err := check.Key("user ID", userID, store.MaxKeyLen); err != nil {
		return mfa.TOTPRecord{}, false, err
	}
	row := s.db.QueryRowContext(ctx,
		"SELECT user_id, account_name, secret, created_at FROM mfa_totp WHERE user_id = ?", userID)
	rec, err := scanTOTP(row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return mfa.TOTPRecord{}, false, nil
	}
	if err != nil {
		return mfa.TOTPRecord{}, false, fmt.Errorf("sqlite: get totp: %w", err)
	}
	return rec, true, nil
}

// CreateTOTP implements mfa.Store with one INSERT … ON CONFLICT DO NOTHING.
func (s *Store) CreateTOTP(ctx context.Context, rec mfa.TOTPRecord) (bool, error) {
	if err := check.TOTP(rec); err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO mfa_totp (user_id, account_name, secret, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING`,
		rec.UserID, rec.AccountName, rec.SealedSecret, formatTime(rec.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("sqlite: create totp: %w", err)
	}
	return affected(res, "create totp")
}

// ReplaceTOTP implements mfa.Store with one UPDATE.
func (s *Store) ReplaceTOTP(ctx context.Context, rec mfa.TOTPRecord) (bool, error) {
	if err := check.TOTP(rec); err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE mfa_totp SET account_name = ?, secret = ?, created_at = ? WHERE user_id = ?`,
		rec.AccountName, rec.SealedSecret, formatTime(rec.CreatedAt), rec.UserID)
	if err != nil {
		return false, fmt.Errorf("sqlite: replace totp: %w", err)
	}
	return affected(res, "replace totp")
}

// DeleteTOTP implements mfa.Store.
func (s *Store) DeleteTOTP(ctx context.Context, userID string) (bool, error) {
	if err := check.Key("user ID", userID, store.MaxKeyLen); err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, "DELETE FROM mfa_totp WHERE user_id = ?", userID)
	if err != nil {
		return false, fmt.Errorf("sqlite: delete totp: %w", err)
	}
	return affected(res, "delete totp")
}

// ListTOTP implements mfa.Store.
func (s *Store) ListTOTP(ctx context.Context) ([]mfa.TOTPRecord, error) {
	rows, err := s.db.QueryContext(ctx,
		"SELECT user_id, account_name, secret, created_at FROM mfa_totp ORDER BY user_id")
	if err != nil {
		return nil, fmt.Errorf("sqlite: list totp: %w", err)
	}
	defer rows.Close()
	var out []mfa.TOTPRecord
	for rows.Next() {
		rec, err := scanTOTP(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list totp: %w", err)
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list totp: %w", err)
	}
	return out, nil
}

func scanTOTP(scan func(...any) error) (mfa.TOTPRecord, error) {
	var rec mfa.TOTPRecord
	var created string
	if err := scan(&rec.UserID, &rec.AccountName, &rec.SealedSecret, &created); err != nil {
		return rec, err
	}
	t, err := parseTime(created)
	rec.CreatedAt = t
	return rec, err
}

// affected reports whether the statement changed exactly one row.
func affected(res sql.Result, op string) (bool, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: %s: rows affected: %w", op, err)
	}
	return n == 1, nil
}
