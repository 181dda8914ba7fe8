package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/fedgate/fedgate/idp/store/internal/check"
)

// UseOnce implements mfa.Store. One upsert decides atomically: a new
// (kind, id) is inserted, an expired one is overwritten, an unexpired one is
// left alone and the statement changes no row. Under concurrency PostgreSQL
// re-checks the WHERE clause against the latest row version.
func (s *Store) UseOnce(ctx context.Context, kind, id string, until time.Time) (bool, error) {
	if err := check.KindKey(kind, id); err != nil {
		return false, err
	}
	if err := check.Time("until", until); err != nil {
		return false, err
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO use_once (kind, id, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (kind, id) DO UPDATE SET expires_at = EXCLUDED.expires_at
		WHERE use_once.expires_at <= $4`,
		kind, id, ts(until), ts(s.now()))
	if err != nil {
		return false, fmt.Errorf("postgres: use once: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}
