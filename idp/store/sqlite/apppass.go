package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/fedgate/fedgate/apppass"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/internal/check"
)

// CreateAppPassword implements apppass.Store. The count and the insert are
// one INSERT … SELECT statement, which SQLite runs under its write lock, so
// concurrent creations cannot exceed max.
func (s *Store) CreateAppPassword(ctx context.Context, rec apppass.Record, max int) (bool, error) {
	if err := check.AppPassword(rec, max); err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO app_passwords (id, user_id, name, hash, created_at, last_used_at)
		SELECT ?, ?, ?, ?, ?, ?
		WHERE (SELECT count(*) FROM app_passwords WHERE user_id = ?) < ?`,
		rec.ID, rec.UserID, rec.Name, rec.Hash, formatTime(rec.CreatedAt), nullTime(rec.LastUsedAt), rec.UserID, max)
	if err != nil {
		return false, fmt.Errorf("sqlite: create app password: %w", err)
	}
	return affected(res, "create app password")
}

// ListAppPasswords implements apppass.Store.
func (s *Store) ListAppPasswords(ctx context.Context, userID string) ([]apppass.Record, error) {
	if err := check.Key("user ID", userID, store.MaxKeyLen); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, user_id, name, hash, created_at, last_used_at
		FROM app_passwords WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list app passwords: %w", err)
	}
	defer rows.Close()
	out := []apppass.Record{}
	for rows.Next() {
		var (
			rec      apppass.Record
			created  string
			lastUsed sql.NullString
		)
		if err := rows.Scan(&rec.ID, &rec.UserID, &rec.Name, &rec.Hash, &created, &lastUsed); err != nil {
			return nil, fmt.Errorf("sqlite: list app passwords: %w", err)
		}
		if rec.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		if rec.LastUsedAt, err = parseNullTime(lastUsed); err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list app passwords: %w", err)
	}
	return out, nil
}

// DeleteAppPassword implements apppass.Store.
func (s *Store) DeleteAppPassword(ctx context.Context, userID, id string) (bool, error) {
	if err := check.AppPasswordKey(userID, id); err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, "DELETE FROM app_passwords WHERE user_id = ? AND id = ?", userID, id)
	if err != nil {
		return false, fmt.Errorf("sqlite: delete app password: %w", err)
	}
	return affected(res, "delete app password")
}

// TouchAppPassword implements apppass.Store.
func (s *Store) TouchAppPassword(ctx context.Context, userID, id string, at time.Time) (bool, error) {
	if err := check.AppPasswordKey(userID, id); err != nil {
		return false, err
	}
	if err := check.Time("last used at", at); err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, "UPDATE app_passwords SET last_used_at = ? WHERE user_id = ? AND id = ?",
		formatTime(at), userID, id)
	if err != nil {
		return false, fmt.Errorf("sqlite: touch app password: %w", err)
	}
	return affected(res, "touch app password")
}
