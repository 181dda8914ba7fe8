package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fedgate/fedgate/idp/store/internal/check"
)

// GC implements store.Collector in one transaction.
func (s *Store) GC(ctx context.Context, now time.Time) error {
	if err := check.Time("now", now); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM use_once WHERE expires_at <= $1", ts(now)); err != nil {
			return fmt.Errorf("use_once: %w", err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM failures WHERE window_end <= $1", ts(now)); err != nil {
			return fmt.Errorf("failures: %w", err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM proxy_enrollments WHERE expires_at <= $1", ts(now)); err != nil {
			return fmt.Errorf("proxy_enrollments: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: gc: %w", err)
	}
	return nil
}
