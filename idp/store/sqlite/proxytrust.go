package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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
	res, err := s.db.ExecContext(ctx, `INSERT INTO proxy_enrollments (token_hash, proxy_name, created_at, expires_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (token_hash) DO NOTHING`,
		e.TokenHash, e.ProxyName, formatTime(e.CreatedAt), formatTime(e.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlite: create proxy enrollment: %w", err)
	}
	ok, err := affected(res, "create proxy enrollment")
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("sqlite: create proxy enrollment: %w: token hash already stored", store.ErrConflict)
	}
	return nil
}

// GetEnrollment implements proxytrust.Store.
func (s *Store) GetEnrollment(ctx context.Context, tokenHash string) (proxytrust.Enrollment, bool, error) {
	if err := check.Key("token hash", tokenHash, store.MaxKeyLen); err != nil {
		return proxytrust.Enrollment{}, false, err
	}
	var e proxytrust.Enrollment
	var created, expires string
	err := s.db.QueryRowContext(ctx,
		"SELECT token_hash, proxy_name, created_at, expires_at FROM proxy_enrollments WHERE token_hash = ?", tokenHash).
		Scan(&e.TokenHash, &e.ProxyName, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return proxytrust.Enrollment{}, false, nil
	}
	if err != nil {
		return proxytrust.Enrollment{}, false, fmt.Errorf("sqlite: get proxy enrollment: %w", err)
	}
	if e.CreatedAt, err = parseTime(created); err != nil {
		return proxytrust.Enrollment{}, false, err
	}
	if e.ExpiresAt, err = parseTime(expires); err != nil {
		return proxytrust.Enrollment{}, false, err
	}
	return e, true, nil
}

// RecordIssued implements proxytrust.Store. A duplicate serial is
// store.ErrConflict.
func (s *Store) RecordIssued(ctx context.Context, c proxytrust.Issued) error {
	if err := check.Issued(c); err != nil {
		return err
	}
	renewal := 0
	if c.Renewal {
		renewal = 1
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO proxy_certificates
		(serial, proxy_name, not_before, not_after, issued_at, renewal) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (serial) DO NOTHING`,
		c.Serial, c.ProxyName, formatTime(c.NotBefore), formatTime(c.NotAfter), formatTime(c.IssuedAt), renewal)
	if err != nil {
		return fmt.Errorf("sqlite: record issued proxy certificate: %w", err)
	}
	ok, err := affected(res, "record issued proxy certificate")
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("sqlite: record issued proxy certificate: %w: serial %s already recorded", store.ErrConflict, c.Serial)
	}
	return nil
}

// ListIssued implements proxytrust.Store.
func (s *Store) ListIssued(ctx context.Context) ([]proxytrust.Issued, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT c.serial, c.proxy_name, c.not_before, c.not_after, c.issued_at, c.renewal, r.revoked_at
		FROM proxy_certificates c LEFT JOIN proxy_revocations r ON r.serial = c.serial
		ORDER BY c.issued_at, c.serial`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list issued proxy certificates: %w", err)
	}
	defer rows.Close()
	var out []proxytrust.Issued
	for rows.Next() {
		var c proxytrust.Issued
		var notBefore, notAfter, issued string
		var renewal int
		var revoked sql.NullString
		if err := rows.Scan(&c.Serial, &c.ProxyName, &notBefore, &notAfter, &issued, &renewal, &revoked); err != nil {
			return nil, fmt.Errorf("sqlite: list issued proxy certificates: %w", err)
		}
		c.Renewal = renewal == 1
		for _, f := range []struct {
			dst *time.Time
			src string
		}{{&c.NotBefore, notBefore}, {&c.NotAfter, notAfter}, {&c.IssuedAt, issued}} {
			if *f.dst, err = parseTime(f.src); err != nil {
				return nil, err
			}
		}
		if revoked.Valid {
			if c.RevokedAt, err = parseTime(revoked.String); err != nil {
				return nil, err
			}
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list issued proxy certificates: %w", err)
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
	if _, err := s.db.ExecContext(ctx, `INSERT INTO proxy_revocations (serial, revoked_at) VALUES (?, ?)
		ON CONFLICT (serial) DO NOTHING`, serial, formatTime(at)); err != nil {
		return fmt.Errorf("sqlite: revoke proxy certificate: %w", err)
	}
	return nil
}

// IsRevoked implements proxytrust.RevocationChecker.
func (s *Store) IsRevoked(ctx context.Context, serial string) (bool, error) {
	if err := check.Key("serial", serial, store.MaxKeyLen); err != nil {
		return false, err
	}
	var revoked bool
	if err := s.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM proxy_revocations WHERE serial = ?)", serial).
		Scan(&revoked); err != nil {
		return false, fmt.Errorf("sqlite: is revoked: %w", err)
	}
	return revoked, nil
}
