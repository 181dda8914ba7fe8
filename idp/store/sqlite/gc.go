package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/fedgate/fedgate/idp/store/internal/check"
)

// GC implements store.Collector in one transaction.
func (s *Store) GC(ctx context.Context, now time.Time) error {
	if err := check.Time("now", now); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: gc: begin: %w", err)
	}
	defer tx.Rollback()
	ts := formatTime(now)
	if _, err := tx.ExecContext(ctx, "DELETE FROM use_once WHERE expires_at <= ?", ts); err != nil {
		return fmt.Errorf("sqlite: gc use_once: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM failures WHERE window_end <= ?", ts); err != nil {
		return fmt.Errorf("sqlite: gc failures: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM proxy_enrollments WHERE expires_at <= ?", ts); err != nil {
		return fmt.Errorf("sqlite: gc proxy_enrollments: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: gc: commit: %w", err)
	}
	return nil
}
