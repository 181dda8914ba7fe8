package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/internal/check"
)

var _ store.RelyingParties = (*Store)(nil)

// bumpRelyingPartiesVersion is the first statement of every changing
// transaction: the row lock it takes serialises those transactions across
// every node, so the identifier and count checks that follow cannot race.
const bumpRelyingPartiesVersion = "UPDATE relying_parties_version SET version = version + 1 WHERE id = 1"

// uniqueViolation is SQLSTATE unique_violation.
const uniqueViolation = "23505"

// PutRelyingParty implements store.RelyingParties in one transaction. The
// identifier primary key backs the identifier check.
func (s *Store) PutRelyingParty(ctx context.Context, rec store.RelyingPartyRecord) error {
	if err := check.RelyingParty(rec); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, bumpRelyingPartiesVersion); err != nil {
			return err
		}
		var exists bool
		var count int
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM relying_parties WHERE name = $1),
			(SELECT count(*) FROM relying_parties)`, rec.Name).Scan(&exists, &count); err != nil {
			return err
		}
		if !exists && count >= store.MaxRelyingParties {
			return fmt.Errorf("%w: the store already holds %d relying parties, the most allowed", store.ErrInvalid, count)
		}
		var id, owner string
		err := tx.QueryRow(ctx, `SELECT identifier, name FROM relying_party_identifiers
			WHERE identifier = ANY($1::text[]) AND name <> $2 ORDER BY identifier LIMIT 1`, rec.Identifiers, rec.Name).Scan(&id, &owner)
		switch {
		case err == nil:
			return fmt.Errorf("%w: identifier %q already belongs to relying party %q", store.ErrConflict, id, owner)
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO relying_parties (name, protocol, definition, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO UPDATE SET protocol = excluded.protocol, definition = excluded.definition,
			updated_at = excluded.updated_at`, rec.Name, rec.Protocol, rec.Definition, ts(rec.UpdatedAt)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM relying_party_identifiers WHERE name = $1", rec.Name); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO relying_party_identifiers (identifier, name, position)
			SELECT id, $2, ord - 1 FROM unnest($1::text[]) WITH ORDINALITY AS u (id, ord)`, rec.Identifiers, rec.Name)
		return err
	})
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrInvalid):
		return err
	case errors.As(err, &pgErr) && pgErr.Code == uniqueViolation:
		return fmt.Errorf("%w: an identifier of %q already belongs to another relying party", store.ErrConflict, rec.Name)
	}
	return fmt.Errorf("postgres: put relying party: %w", err)
}

// GetRelyingParty implements store.RelyingParties.
func (s *Store) GetRelyingParty(ctx context.Context, name string) (store.RelyingPartyRecord, error) {
	if err := check.RelyingPartyName(name); err != nil {
		return store.RelyingPartyRecord{}, err
	}
	recs, err := s.listRelyingParties(ctx, "WHERE name = $1", name)
	if err != nil {
		return store.RelyingPartyRecord{}, err
	}
	if len(recs) == 0 {
		return store.RelyingPartyRecord{}, fmt.Errorf("postgres: relying party %q: %w", name, store.ErrNotFound)
	}
	return recs[0], nil
}

// ListRelyingParties implements store.RelyingParties.
func (s *Store) ListRelyingParties(ctx context.Context) ([]store.RelyingPartyRecord, error) {
	return s.listRelyingParties(ctx, "")
}

// listRelyingParties reads the records matching where (with args) and
// their identifiers in one REPEATABLE READ snapshot, so a concurrent put
// cannot pair a record with another version's identifiers.
func (s *Store) listRelyingParties(ctx context.Context, where string, args ...any) ([]store.RelyingPartyRecord, error) {
	out := []store.RelyingPartyRecord{}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT name, protocol, definition, updated_at FROM relying_parties "+where+" ORDER BY name", args...)
		if err != nil {
			return err
		}
		recs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.RelyingPartyRecord, error) {
			var rec store.RelyingPartyRecord
			err := row.Scan(&rec.Name, &rec.Protocol, &rec.Definition, &rec.UpdatedAt)
			rec.UpdatedAt = rec.UpdatedAt.UTC()
			return rec, err
		})
		if err != nil {
			return err
		}
		index := make(map[string]int, len(recs))
		for i, rec := range recs {
			index[rec.Name] = i
		}
		rows, err = tx.Query(ctx, "SELECT name, identifier FROM relying_party_identifiers "+where+" ORDER BY name, position", args...)
		if err != nil {
			return err
		}
		var name, id string
		_, err = pgx.ForEachRow(rows, []any{&name, &id}, func() error {
			if i, ok := index[name]; ok {
				recs[i].Identifiers = append(recs[i].Identifiers, id)
			}
			return nil
		})
		if err != nil {
			return err
		}
		out = append(out, recs...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list relying parties: %w", err)
	}
	return out, nil
}

// DeleteRelyingParty implements store.RelyingParties in one transaction.
func (s *Store) DeleteRelyingParty(ctx context.Context, name string) error {
	if err := check.RelyingPartyName(name); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, bumpRelyingPartiesVersion); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM relying_party_identifiers WHERE name = $1", name); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "DELETE FROM relying_parties WHERE name = $1", name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("postgres: relying party %q: %w", name, store.ErrNotFound) // rolls the bump back
		}
		return nil
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return err
	}
	return fmt.Errorf("postgres: delete relying party: %w", err)
}

// RelyingPartiesVersion implements store.RelyingParties.
func (s *Store) RelyingPartiesVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.pool.QueryRow(ctx, "SELECT version FROM relying_parties_version WHERE id = 1").Scan(&v); err != nil {
		return 0, fmt.Errorf("postgres: relying parties version: %w", err)
	}
	return v, nil
}
