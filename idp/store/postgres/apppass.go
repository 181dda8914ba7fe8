package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fedgate/fedgate/apppass"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/internal/check"
)

// CreateAppPassword implements apppass.Store. A transaction-scoped advisory
// lock on the user serialises concurrent creations for that user, so the
// count check and the insert cannot interleave under READ COMMITTED.
func (s *Store) CreateAppPassword(ctx context.Context, rec apppass.Record, max int) (bool, error) {
	if err := check.AppPassword(rec, max); err != nil {
		return false, err
	}
	var created bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended('app_passwords:' || $1, 0))", rec.UserID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO app_passwords (id, user_id, name, hash, created_at, last_used_at)
			SELECT $1, $2, $3, $4, $5, $6
			WHERE (SELECT count(*) FROM app_passwords WHERE user_id = $2) < $7`,
			rec.ID, rec.UserID, rec.Name, rec.Hash, ts(rec.CreatedAt), nullTS(rec.LastUsedAt), max)
		if err != nil {
			return err
		}
		created = tag.RowsAffected() == 1
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("postgres: create app password: %w", err)
	}
	return created, nil
}

// ListAppPasswords implements apppass.Store.
func (s *Store) ListAppPasswords(ctx context.Context, userID string) ([]apppass.Record, error) {
	if err := check.Key("user ID", userID, store.MaxKeyLen); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, user_id, name, hash, created_at, last_used_at
		FROM app_passwords WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list app passwords: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (apppass.Record, error) {
		var (
			rec      apppass.Record
			lastUsed *time.Time
		)
		err := r.Scan(&rec.ID, &rec.UserID, &rec.Name, &rec.Hash, &rec.CreatedAt, &lastUsed)
		rec.CreatedAt = rec.CreatedAt.UTC()
		if lastUsed != nil {
			rec.LastUsedAt = lastUsed.UTC()
		}
		return rec, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list app passwords: %w", err)
	}
	if out == nil {
		out = []apppass.Record{}
	}
	return out, nil
}

// DeleteAppPassword implements apppass.Store.
func (s *Store) DeleteAppPassword(ctx context.Context, userID, id string) (bool, error) {
	if err := check.AppPasswordKey(userID, id); err != nil {
		return false, err
	}
	tag, err := s.pool.Exec(ctx, "DELETE FROM app_passwords WHERE user_id = $1 AND id = $2", userID, id)
	if err != nil {
		return false, fmt.Errorf("postgres: delete app password: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// TouchAppPassword implements apppass.Store.
func (s *Store) TouchAppPassword(ctx context.Context, userID, id string, at time.Time) (bool, error) {
	if err := check.AppPasswordKey(userID, id); err != nil {
		return false, err
	}
	if err := check.Time("last used at", at); err != nil {
		return false, err
	}
	tag, err := s.pool.Exec(ctx, "UPDATE app_passwords SET last_used_at = $1 WHERE user_id = $2 AND id = $3",
		ts(at), userID, id)
	if err != nil {
		return false, fmt.Errorf("postgres: touch app password: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}
