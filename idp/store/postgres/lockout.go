package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/internal/check"
)

var _ lockout.Store = (*Store)(nil)

// lockoutLockClass is the first key of the two-key advisory locks that
// serialise UpdateLockout per user key ("lock" in ASCII). Two keys whose
// hashes collide merely wait for each other.
const lockoutLockClass = 0x6c6f636b

// GetLockout implements lockout.Store.
func (s *Store) GetLockout(ctx context.Context, key string) (lockout.State, bool, error) {
	if err := check.Key("user key", key, store.MaxKeyLen); err != nil {
		return lockout.State{}, false, err
	}
	st, ok, err := getLockout(ctx, s.pool, key)
	if err != nil {
		return lockout.State{}, false, fmt.Errorf("postgres: get lockout: %w", err)
	}
	return st, ok, nil
}

// UpdateLockout implements lockout.Store. A transaction-scoped advisory
// lock on the key serialises updates from every node, whether or not a
// row exists yet (a row lock could not cover the insert of a new key);
// under READ COMMITTED the read after the lock sees the previous holder's
// commit.
func (s *Store) UpdateLockout(ctx context.Context, key string, fn func(lockout.State) (lockout.State, error)) (lockout.State, error) {
	if err := check.Key("user key", key, store.MaxKeyLen); err != nil {
		return lockout.State{}, err
	}
	var (
		next  lockout.State
		fnErr error
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, $2)", int32(lockoutLockClass), keyHash(key)); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		cur, _, err := getLockout(ctx, tx, key)
		if err != nil {
			return err
		}
		if next, fnErr = fn(cur); fnErr != nil {
			return fnErr
		}
		if next, fnErr = check.Lockout(next); fnErr != nil {
			return fnErr
		}
		if next.IsZero() {
			_, err = tx.Exec(ctx, "DELETE FROM lockout WHERE user_key = $1", key)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO lockout
				(user_key, familiar_count, familiar_last, unfamiliar_count, unfamiliar_last, familiar_ips)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (user_key) DO UPDATE SET
					familiar_count = EXCLUDED.familiar_count, familiar_last = EXCLUDED.familiar_last,
					unfamiliar_count = EXCLUDED.unfamiliar_count, unfamiliar_last = EXCLUDED.unfamiliar_last,
					familiar_ips = EXCLUDED.familiar_ips`,
				key, next.Familiar.Count, nullTS(next.Familiar.Last), next.Unfamiliar.Count, nullTS(next.Unfamiliar.Last),
				check.JoinIPs(next.FamiliarIPs))
		}
		return err
	})
	if fnErr != nil {
		return lockout.State{}, fnErr
	}
	if err != nil {
		return lockout.State{}, fmt.Errorf("postgres: update lockout: %w", err)
	}
	return next, nil
}

// ListLockouts implements lockout.Store. GREATEST ignores NULLs; rows
// with no counted failure sort last.
func (s *Store) ListLockouts(ctx context.Context, limit int) ([]lockout.Entry, error) {
	if limit < 1 || limit > lockout.MaxList {
		return nil, fmt.Errorf("%w: lockout list limit %d must be between 1 and %d", store.ErrInvalid, limit, lockout.MaxList)
	}
	rows, err := s.pool.Query(ctx, `SELECT user_key, familiar_count, familiar_last, unfamiliar_count, unfamiliar_last, familiar_ips
		FROM lockout
		ORDER BY GREATEST(familiar_last, unfamiliar_last) DESC NULLS LAST, user_key
		LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: list lockouts: %w", err)
	}
	defer rows.Close()
	var out []lockout.Entry
	for rows.Next() {
		var e lockout.Entry
		if err := scanLockout(rows.Scan, &e.Key, &e.State); err != nil {
			return nil, fmt.Errorf("postgres: list lockouts: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list lockouts: %w", err)
	}
	return out, nil
}

func getLockout(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}, key string) (lockout.State, bool, error) {
	var (
		st     lockout.State
		stored string
	)
	row := q.QueryRow(ctx, `SELECT user_key, familiar_count, familiar_last, unfamiliar_count, unfamiliar_last, familiar_ips
		FROM lockout WHERE user_key = $1`, key)
	err := scanLockout(row.Scan, &stored, &st)
	if errors.Is(err, pgx.ErrNoRows) {
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
		famL, unfL *time.Time
		ips        string
	)
	if err := scan(key, &st.Familiar.Count, &famL, &st.Unfamiliar.Count, &unfL, &ips); err != nil {
		return err
	}
	if famL != nil {
		st.Familiar.Last = famL.UTC()
	}
	if unfL != nil {
		st.Unfamiliar.Last = unfL.UTC()
	}
	var err error
	st.FamiliarIPs, err = check.SplitIPs(ips)
	return err
}

// keyHash is the second advisory-lock key of a user key.
func keyHash(key string) int32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return int32(h.Sum32())
}

func nullTS(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := ts(t)
	return &u
}
