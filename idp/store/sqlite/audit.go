package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/internal/check"
)

// RecordAudit implements store.Auditor.
func (s *Store) RecordAudit(ctx context.Context, e store.AuditEvent) error {
	e, err := check.Audit(e)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO audit_events
		(time, user_name, client_ip, relying_party, protocol, result, reason, activity_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		formatTime(e.Time), e.User, e.ClientIP, e.RelyingParty, e.Protocol, e.Result, e.Reason, e.ActivityID)
	if err != nil {
		return fmt.Errorf("sqlite: record audit: %w", err)
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
	rows, err := s.db.QueryContext(ctx, `SELECT time, user_name, client_ip, relying_party, protocol, result, reason, activity_id
		FROM audit_events WHERE time >= ? ORDER BY time, id LIMIT ?`, formatTime(since), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list audit: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEvent
	for rows.Next() {
		var e store.AuditEvent
		var ts string
		if err := rows.Scan(&ts, &e.User, &e.ClientIP, &e.RelyingParty, &e.Protocol, &e.Result, &e.Reason, &e.ActivityID); err != nil {
			return nil, fmt.Errorf("sqlite: list audit: %w", err)
		}
		if e.Time, err = parseTime(ts); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list audit: %w", err)
	}
	return out, nil
}
