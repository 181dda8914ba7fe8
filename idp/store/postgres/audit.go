package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/internal/check"
)

// RecordAudit implements store.Auditor.
func (s *Store) RecordAudit(ctx context.Context, e store.AuditEvent) error {
	e, err := check.Audit(e)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO audit_events
		(time, user_name, client_ip, relying_party, protocol, result, reason, activity_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		ts(e.Time), e.User, e.ClientIP, e.RelyingParty, e.Protocol, e.Result, e.Reason, e.ActivityID)
	if err != nil {
		return fmt.Errorf("postgres: record audit: %w", err)
	}
	return nil
}

// ListAudit implements store.Auditor.
func (s *Store) ListAudit(ctx context.Context, since time.Time, limit int) ([]store.AuditEvent, error) {
	if err := check.ListLimit(limit); err != nil {
		return nil, err
	}
	if err := check.Time("since", since); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT time, user_name, client_ip, relying_party, protocol, result, reason, activity_id
		FROM audit_events WHERE time >= $1 ORDER BY time, id LIMIT $2`, ts(since), limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: list audit: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AuditEvent, error) {
		var e store.AuditEvent
		err := r.Scan(&e.Time, &e.User, &e.ClientIP, &e.RelyingParty, &e.Protocol, &e.Result, &e.Reason, &e.ActivityID)
		e.Time = e.Time.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list audit: %w", err)
	}
	return out, nil
}
