package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/internal/check"
)

var _ store.RelyingParties = (*Store)(nil)

// PutRelyingParty implements store.RelyingParties. The whole put is one
// IMMEDIATE transaction, which holds SQLite's write lock from its start, so
// the identifier check cannot race another writer on this file; the
// identifier primary key backs it.
func (s *Store) PutRelyingParty(ctx context.Context, rec store.RelyingPartyRecord) error {
	if err := check.RelyingParty(rec); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: put relying party: begin: %w", err)
	}
	defer tx.Rollback()
	var exists bool
	var count int
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM relying_parties WHERE name = ?),
		(SELECT count(*) FROM relying_parties)`, rec.Name).Scan(&exists, &count); err != nil {
		return fmt.Errorf("sqlite: put relying party: %w", err)
	}
	if !exists && count >= store.MaxRelyingParties {
		return fmt.Errorf("%w: the store already holds %d relying parties, the most allowed", store.ErrInvalid, count)
	}
	for _, id := range rec.Identifiers {
		var owner string
		err := tx.QueryRowContext(ctx, "SELECT name FROM relying_party_identifiers WHERE identifier = ? AND name <> ?",
			id, rec.Name).Scan(&owner)
		switch {
		case err == nil:
			return fmt.Errorf("%w: identifier %q already belongs to relying party %q", store.ErrConflict, id, owner)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("sqlite: put relying party: %w", err)
		}
	}
	stmts := []struct {
		query string
		args  []any
	}{
		{"UPDATE relying_parties_version SET version = version + 1 WHERE id = 1", nil},
		{`INSERT INTO relying_parties (name, protocol, definition, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET protocol = excluded.protocol, definition = excluded.definition,
			updated_at = excluded.updated_at`, []any{rec.Name, rec.Protocol, rec.Definition, formatTime(rec.UpdatedAt)}},
		{"DELETE FROM relying_party_identifiers WHERE name = ?", []any{rec.Name}},
	}
	for i, id := range rec.Identifiers {
		stmts = append(stmts, struct {
			query string
			args  []any
		}{"INSERT INTO relying_party_identifiers (identifier, name, position) VALUES (?, ?, ?)", []any{id, rec.Name, i}})
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.query, st.args...); err != nil {
			return fmt.Errorf("sqlite: put relying party: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: put relying party: commit: %w", err)
	}
	return nil
}

// GetRelyingParty implements store.RelyingParties.
func (s *Store) GetRelyingParty(ctx context.Context, name string) (store.RelyingPartyRecord, error) {
	if err := check.RelyingPartyName(name); err != nil {
		return store.RelyingPartyRecord{}, err
	}
	recs, err := s.listRelyingParties(ctx, "WHERE name = ?", name)
	if err != nil {
		return store.RelyingPartyRecord{}, err
	}
	if len(recs) == 0 {
		return store.RelyingPartyRecord{}, fmt.Errorf("sqlite: relying party %q: %w", name, store.ErrNotFound)
	}
	return recs[0], nil
}

// ListRelyingParties implements store.RelyingParties.
func (s *Store) ListRelyingParties(ctx context.Context) ([]store.RelyingPartyRecord, error) {
	return s.listRelyingParties(ctx, "")
}

// listRelyingParties reads the records matching where (with args) and
// their identifiers in one read transaction, so a concurrent put cannot
// pair a record with another version's identifiers.
func (s *Store) listRelyingParties(ctx context.Context, where string, args ...any) ([]store.RelyingPartyRecord, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: list relying parties: begin: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT name, protocol, definition, updated_at FROM relying_parties "+where+" ORDER BY name", args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list relying parties: %w", err)
	}
	out := []store.RelyingPartyRecord{}
	index := map[string]int{}
	for rows.Next() {
		var (
			rec     store.RelyingPartyRecord
			updated string
		)
		if err := rows.Scan(&rec.Name, &rec.Protocol, &rec.Definition, &updated); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: list relying parties: %w", err)
		}
		if rec.UpdatedAt, err = parseTime(updated); err != nil {
			rows.Close()
			return nil, err
		}
		index[rec.Name] = len(out)
		out = append(out, rec)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list relying parties: %w", err)
	}
	ids, err := tx.QueryContext(ctx, "SELECT name, identifier FROM relying_party_identifiers "+where+" ORDER BY name, position", args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list relying party identifiers: %w", err)
	}
	defer ids.Close()
	for ids.Next() {
		var name, id string
		if err := ids.Scan(&name, &id); err != nil {
			return nil, fmt.Errorf("sqlite: list relying party identifiers: %w", err)
		}
		if i, ok := index[name]; ok {
			out[i].Identifiers = append(out[i].Identifiers, id)
		}
	}
	if err := ids.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list relying party identifiers: %w", err)
	}
	return out, nil
}

// DeleteRelyingParty implements store.RelyingParties.
func (s *Store) DeleteRelyingParty(ctx context.Context, name string) error {
	if err := check.RelyingPartyName(name); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: delete relying party: begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "DELETE FROM relying_party_identifiers WHERE name = ?", name); err != nil {
		return fmt.Errorf("sqlite: delete relying party: %w", err)
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM relying_parties WHERE name = ?", name)
	if err != nil {
		return fmt.Errorf("sqlite: delete relying party: %w", err)
	}
	deleted, err := affected(res, "delete relying party")
	if err != nil {
		return err
	}
	if !deleted {
		return fmt.Errorf("sqlite: relying party %q: %w", name, store.ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE relying_parties_version SET version = version + 1 WHERE id = 1"); err != nil {
		return fmt.Errorf("sqlite: delete relying party: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: delete relying party: commit: %w", err)
	}
	return nil
}

// RelyingPartiesVersion implements store.RelyingParties.
func (s *Store) RelyingPartiesVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.QueryRowContext(ctx, "SELECT version FROM relying_parties_version WHERE id = 1").Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: relying parties version: %w", err)
	}
	return v, nil
}
