package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/internal/check"
	"github.com/fedgate/fedgate/proxytrust"
)

var _ proxytrust.Store = (*Store)(nil)

// CreateEnrollment implements proxytrust.Store. A second enrollment with
// the same token hash is store.ErrConflict.
func (s *Store) CreateEnrollment(ctx context.Context, e proxytrust.Enrollment) error {
	if err := check.Enrollment(e); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO proxy_enrollments (token_hash, proxy_name, created_at, expires_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (token_hash) DO NOTHING`,
		e.TokenHash, e.ProxyName, ts(e.CreatedAt), ts(e.ExpiresAt))
	if err != nil {
		return fmt.Errorf("postgres: create proxy enrollment: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("postgres: create proxy enrollment: %w: token hash already stored", store.ErrConflict)
	}
	return nil
}

// GetEnrollment implements proxytrust.Store.
func (s *Store) GetEnrollment(ctx context.Context, tokenHash string) (proxytrust.Enrollment, bool, error) {
	if err := check.Key("token hash", tokenHash, store.MaxKeyLen); err != nil {
		return proxytrust.Enrollment{}, false, err
	}
	var e proxytrust.Enrollment
	err := s.pool.QueryRow(ctx,
		"SELECT token_hash, proxy_name, created_at, expires_at FROM proxy_enrollments WHERE token_hash = $1", tokenHash).
		Scan(&e.TokenHash, &e.ProxyName, &e.CreatedAt, &e.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return proxytrust.Enrollment{}, false, nil
	}
	if err != nil {
		return proxytrust.Enrollment{}, false, fmt.Errorf("postgres: get proxy enrollment: %w", err)
	}
	e.CreatedAt, e.ExpiresAt = e.CreatedAt.UTC(), e.ExpiresAt.UTC()
	return e, true, nil
}

// RecordIssued implements proxytrust.Store. A duplicate serial is
// store.ErrConflict.
func (s *Store) RecordIssued(ctx context.Context, c proxytrust.Issued) error {
	if err := check.Issued(c); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO proxy_certificates
		(serial, proxy_name, not_before, not_after, issued_at, renewal) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (serial) DO NOTHING`,
		c.Serial, c.ProxyName, ts(c.NotBefore), ts(c.NotAfter), ts(c.IssuedAt), c.Renewal)
	if err != nil {
		return fmt.Errorf("postgres: record issued proxy certificate: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("postgres: record issued proxy certificate: %w: serial %s already recorded", store.ErrConflict, c.Serial)
	}
	return nil
}

// ListIssued implements proxytrust.Store.
func (s *Store) ListIssued(ctx context.Context) ([]proxytrust.Issued, error) {
	rows, err := s.pool.Query(ctx, `SELECT c.serial, c.proxy_name, c.not_before, c.not_after, c.issued_at, c.renewal, r.revoked_at
		FROM proxy_certificates c LEFT JOIN proxy_revocations r ON r.serial = c.serial
		ORDER BY c.issued_at, c.serial`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list issued proxy certificates: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (proxytrust.Issued, error) {
		var c proxytrust.Issued
		var revoked *time.Time
		err := r.Scan(&c.Serial, &c.ProxyName, &c.NotBefore, &c.NotAfter, &c.IssuedAt, &c.Renewal, &revoked)
		c.NotBefore, c.NotAfter, c.IssuedAt = c.NotBefore.UTC(), c.NotAfter.UTC(), c.IssuedAt.UTC()
		if revoked != nil {
			c.RevokedAt = revoked.UTC()
		}
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list issued proxy certificates: %w", err)
	}
	return out, nil
}

// Revoke implements proxytrust.Store. A second revocation keeps the first
// time.
func (s *Store) Revoke(ctx context.Context, serial string, at time.Time) error {
	if err := check.Key("serial", serial, store.MaxKeyLen); err != nil {
		return err
	}
	if err := check.Time("revoked at", at); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO proxy_revocations (serial, revoked_at) VALUES ($1, $2)
		ON CONFLICT (serial) DO NOTHING`, serial, ts(at)); err != nil {
		return fmt.Errorf("postgres: revoke proxy certificate: %w", err)
	}
	return nil
}

// IsRevoked implements proxytrust.RevocationChecker.
func (s *Store) IsRevoked(ctx context.Context, serial string) (bool, error) {
	if err := check.Key("serial", serial, store.MaxKeyLen); err != nil {
		return false, err
	}
	var revoked bool
	if err := s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM proxy_revocations WHERE serial = $1)", serial).
		Scan(&revoked); err != nil {
		return false, fmt.Errorf("postgres: is revoked: %w", err)
	}
	return revoked, nil
}
