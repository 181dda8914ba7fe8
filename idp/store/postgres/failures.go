package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/fedgate/fedgate/idp/store/internal/check"
)

// AddFailure implements mfa.Store with one upsert that either opens a new
// window or increments the current one, and returns the resulting count.
func (s *Store) AddFailure(ctx context.Context, kind, key string, now time.Time, window time.Duration) (int, error) {
	if err := check.KindKey(kind, key); err != nil {
		return 0, err
	}
	if err := check.Window(window); err != nil {
		return 0, err
	}
	end := now.Add(window)
	if err := check.Time("window end", end); err != nil {
		return 0, err
	}
	var count int
	err := s.pool.QueryRow(ctx, `INSERT INTO failures (kind, key, count, window_end) VALUES ($1, $2, 1, $3)
		ON CONFLICT (kind, key) DO UPDATE SET
			count      = CASE WHEN failures.window_end <= $4 THEN 1 ELSE failures.count + 1 END,
			window_end = CASE WHEN failures.window_end <= $4 THEN EXCLUDED.window_end ELSE failures.window_end END
		RETURNING count`,
		kind, key, ts(end), ts(now)).Scan(&count)
	if err != nil {
		return 0, fmt.Errorf("postgres: add failure: %w", err)
	}
	return count, nil
}

// ResetFailures implements mfa.Store.
func (s *Store) ResetFailures(ctx context.Context, kind, key string) error {
	if err := check.KindKey(kind, key); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, "DELETE FROM failures WHERE kind = $1 AND key = $2", kind, key); err != nil {
		return fmt.Errorf("postgres: reset failures: %w", err)
	}
	return nil
}
