package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/internal/check"
)

var _ lockout.Store = (*Store)(nil)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// GetLockout implements lockout.Store.
func (s *Store) GetLockout(ctx context.Context, key string) (lockout.State, bool, error) {
	if err := check.Key("user key", key, store.MaxKeyLen); err != nil {
		return lockout.State{}, false, err
	}
	st, ok, err := getLockout(ctx, s.db, key)
	if err != nil {
		return lockout.State{}, false, fmt.Errorf("sqlite: get lockout: %w", err)
	}
	return st, ok, nil
}

// UpdateLockout implements lockout.Store. The transaction is IMMEDIATE
// (see the DSN), so it holds SQLite's write lock from the read to the
// commit: updates from every connection and process are serialised.
func (s *Store) UpdateLockout(ctx context.Context, key string, fn func(lockout.State) (lockout.State, error)) (lockout.State, error) {
	if err := check.Key("user key", key, store.MaxKeyLen); err != nil {
		return lockout.State{}, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return lockout.State{}, fmt.Errorf("sqlite: update lockout: begin: %w", err)
	}
	defer tx.Rollback()
	cur, _, err := getLockout(ctx, tx, key)
	if err != nil {
		return lockout.State{}, fmt.Errorf("sqlite: update lockout: %w", err)
	}
	next, err := fn(cur)
	if err != nil {
		return lockout.State{}, err
	}
	if next, err = check.Lockout(next); err != nil {
		return lockout.State{}, err
	}
	if next.IsZero() {
		_, err = tx.ExecContext(ctx, "DELETE FROM lockout WHERE user_key = ?", key)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO lockout
			(user_key, familiar_count, familiar_last, unfamiliar_count, unfamiliar_last, familiar_ips)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (user_key) DO UPDATE SET
				familiar_count = excluded.familiar_count, familiar_last = excluded.familiar_last,
				unfamiliar_count = excluded.unfamiliar_count, unfamiliar_last = excluded.unfamiliar_last,
				familiar_ips = excluded.familiar_ips`,
			key, next.Familiar.Count, nullTime(next.Familiar.Last), next.Unfamiliar.Count, nullTime(next.Unfamiliar.Last),
			check.JoinIPs(next.FamiliarIPs))
	}
	if err != nil {
		return lockout.State{}, fmt.Errorf("sqlite: update lockout: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return lockout.State{}, fmt.Errorf("sqlite: update lockout: commit: %w", err)
	}
	return next, nil
}

// ListLockouts implements lockout.Store. Stored times have one fixed-width
// layout, so text order is time order.
func (s *Store) ListLockouts(ctx context.Context, limit int) ([]lockout.Entry, error) {
	if limit < 1 || limit > lockout.MaxList {
		return nil, fmt.Errorf("%w: lockout list limit %d must be between 1 and %d", store.ErrInvalid, limit, lockout.MaxList)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT user_key, familiar_count, familiar_last, unfamiliar_count, unfamiliar_last, familiar_ips
		FROM lockout
		ORDER BY max(coalesce(familiar_last, ''), coalesce(unfamiliar_last, '')) DESC, user_key
		LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list lockouts: %w", err)
	}
	defer rows.Close()
	var out []lockout.Entry
	for rows.Next() {
		var e lockout.Entry
		if err := scanLockout(rows.Scan, &e.Key, &e.State); err != nil {
			return nil, fmt.Errorf("sqlite: list lockouts: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list lockouts: %w", err)
	}
	return out, nil
}

func getLockout(ctx context.Context, q querier, key string) (lockout.State, bool, error) {
	var st lockout.State
	row := q.QueryRowContext(ctx, `SELECT user_key, familiar_count, familiar_last, unfamiliar_count, unfamiliar_last, familiar_ips
		FROM lockout WHERE user_key = ?`, key)
	var stored string
	err := scanLockout(row.Scan, &stored, &st)
	if errors.Is(err, sql.ErrNoRows) {
		return lockout.State{}, false, nil
	}
	if err != nil {
		return lockout.State{}, false, err
	}
	return st, true, nil
}

// scanLockout reads one lockout row (the columns getLockout and
// ListLockouts select, in that order) into key and st.
func scanLockout(scan func(dest ...any) error, key *string, st *lockout.State) error {
	var (
		famL, unfL sql.NullString
		ips        string
	)
	if err := scan(key, &st.Familiar.Count, &famL, &st.Unfamiliar.Count, &unfL, &ips); err != nil {
		return err
	}
	var err error
	if st.Familiar.Last, err = parseNullTime(famL); err != nil {
		return err
	}
	if st.Unfamiliar.Last, err = parseNullTime(unfL); err != nil {
		return err
	}
	if st.FamiliarIPs, err = check.SplitIPs(ips); err != nil {
		return err
	}
	return nil
}

func nullTime(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: formatTime(t), Valid: true}
}

func parseNullTime(v sql.NullString) (time.Time, error) {
	if !v.Valid {
		return time.Time{}, nil
	}
	return parseTime(v.String)
}
