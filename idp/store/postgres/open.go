package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/internal/migrate"
	"github.com/fedgate/fedgate/mfa"
)

//go:embed migrations/*.up.sql
var migrationFS embed.FS

// migrationLockID is the pg_advisory_xact_lock key serialising migrations
// ("fedgate" in ASCII).
const migrationLockID = 0x66656467617465

// Store is a store.Store on a PostgreSQL database. It is safe for concurrent
// use, and any number of Stores (one per node) may share the database.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
	log  *slog.Logger
}

var (
	_ store.Store = (*Store)(nil)
	_ mfa.Store   = (*Store)(nil)
)

// Open connects to the database named by dsn (a libpq URL or key=value
// string; pool settings such as pool_max_conns are accepted) and migrates it
// to the newest schema. Options: store.WithNow, store.WithLogger. The DSN may
// hold a password: it is never logged or put in errors.
func Open(ctx context.Context, dsn string, opts ...store.Option) (*Store, error) {
	o := store.Apply(opts...)
	if dsn == "" {
		return nil, errors.New("postgres: DSN is empty")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parser's message echoes the DSN and only redacts passwords
		// on a best-effort basis, so it stays out of the error.
		return nil, errors.New("postgres: DSN cannot be parsed; want postgres://user@host:5432/db?sslmode=verify-full " +
			"or 'host=… port=… user=… dbname=…' (parser detail withheld: it may contain the password)")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s := &Store{pool: pool, now: o.Now, log: o.Logger}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	all, err := migrate.Load(sub, ".")
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLockID)); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version    integer NOT NULL PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL)`); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	var current int
	if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_version").Scan(&current); err != nil {
		return fmt.Errorf("postgres: migrate: read version: %w", err)
	}
	pending, err := migrate.Pending(all, current)
	if err != nil {
		return fmt.Errorf("postgres: %w: %w", store.ErrConflict, err)
	}
	for _, m := range pending {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("postgres: migrate %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
			m.Version, m.Name, ts(s.now())); err != nil {
			return fmt.Errorf("postgres: migrate %s: record version: %w", m.Name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: commit: %w", err)
	}
	if len(pending) > 0 {
		s.log.InfoContext(ctx, "postgres schema migrated", slog.Int("from", current), slog.Int("to", all[len(all)-1].Version))
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// ts converts t to what timestamptz stores: UTC, microseconds.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
