package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/fedgate/fedgate/idp/store/internal/check"
)

// UseOnce implements mfa.Store. One upsert decides atomically: a new
// (kind, id) is inserted, an expired one is overwritten, an unexpired one is
// left alone and the statement changes no row.
func (s *Store) UseOnce(ctx context.Context, kind, id string, until time.Time) (bool, error) {
	if err := check.KindKey(kind, id); err != nil {
		return false, err
	}
	if err := check.Time("until", until); err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO use_once (kind, id, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (kind, id) DO UPDATE SET expires_at = excluded.expires_at
		WHERE use_once.expires_at <= ?`,
		kind, id, formatTime(until), formatTime(s.now()))
	if err != nil {
		return false, fmt.Errorf("sqlite: use once: %w", err)
	}
	return affected(res, "use once")
}
