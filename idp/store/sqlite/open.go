package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/internal/migrate"
	"github.com/fedgate/fedgate/mfa"
)

//go:embed migrations/*.up.sql
var migrationFS embed.FS

// BusyTimeout is how long a statement waits for another process's write lock
// before failing with SQLITE_BUSY.
const BusyTimeout = 5 * time.Second

// Store is a store.Store on one SQLite file. It is safe for concurrent use.
type Store struct {
	db  *sql.DB
	now func() time.Time
	log *slog.Logger
}

var (
	_ store.Store = (*Store)(nil)
	_ mfa.Store   = (*Store)(nil)
)

// Open opens (creating if needed, mode 0600) the SQLite database at path and
// migrates it to the newest schema. Options: store.WithNow, store.WithLogger.
func Open(ctx context.Context, path string, opts ...store.Option) (*Store, error) {
	o := store.Apply(opts...)
	if path == "" {
		return nil, errors.New("sqlite: database path is empty")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: database path %q: %w", path, err)
	}
	if err := createPrivate(ctx, abs, o.Logger); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	// One connection: see the package doc. It never expires, so the
	// per-connection PRAGMAs hold for the life of the Store.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s := &Store{db: db, now: o.Now, log: o.Logger}
	if err := s.init(ctx, abs); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// dsn builds a file: URI so that any character in the path is escaped.
func dsn(abs string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), OmitHost: true, RawQuery: q.Encode()}
	return u.String()
}

// createPrivate creates the database file 0600 before SQLite does (SQLite
// would use 0644 and copies the mode to the -wal and -shm files), and warns
// when an existing file is readable by others.
func createPrivate(ctx context.Context, abs string, log *slog.Logger) error {
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", abs, err)
	}
	info, err := f.Stat()
	f.Close()
	if err != nil {
		return fmt.Errorf("sqlite: stat %s: %w", abs, err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		log.WarnContext(ctx, "sqlite database file is accessible by other users; chmod 600 it",
			slog.String("path", abs), slog.String("mode", info.Mode().Perm().String()))
	}
	return nil
}

func (s *Store) init(ctx context.Context, abs string) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("sqlite: %s: journal_mode is %q, want wal (is the file on a network filesystem?)", abs, mode)
	}
	return s.migrate(ctx)
}

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	all, err := migrate.Load(sub, ".")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil) // IMMEDIATE: holds the write lock from the start
	if err != nil {
		return fmt.Errorf("sqlite: migrate: begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_version").Scan(&current); err != nil {
		return fmt.Errorf("sqlite: migrate: read version: %w", err)
	}
	pending, err := migrate.Pending(all, current)
	if err != nil {
		return fmt.Errorf("sqlite: %w: %w", store.ErrConflict, err)
	}
	for _, m := range pending {
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("sqlite: migrate %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
			m.Version, m.Name, formatTime(s.now())); err != nil {
			return fmt.Errorf("sqlite: migrate %s: record version: %w", m.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrate: commit: %w", err)
	}
	if len(pending) > 0 {
		s.log.InfoContext(ctx, "sqlite schema migrated", slog.Int("from", current), slog.Int("to", all[len(all)-1].Version))
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// timeLayout is fixed width so that TEXT comparison is chronological.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format(timeLayout)
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}
