package postgres_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/postgres"
	"github.com/fedgate/fedgate/idp/store/postgres/pgtest"
	"github.com/fedgate/fedgate/idp/store/storetest"
)

func open(t *testing.T, dsn string, opts ...store.Option) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), dsn, opts...)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestPostgres runs everything against one server so the cluster starts
// once; every subtest gets its own schema.
func TestPostgres(t *testing.T) {
	srv := pgtest.Start(t)

	t.Run("Conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store { return open(t, srv.NewSchema(t)) })
	})
	t.Run("ConformanceTwoNodes", func(t *testing.T) {
		storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
			dsn := srv.NewSchema(t)
			return open(t, dsn), open(t, dsn)
		})
	})
	t.Run("ReopenAppliesNothing", func(t *testing.T) {
		dsn := srv.NewSchema(t)
		a := open(t, dsn)
		future := time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)
		if first, err := a.UseOnce(t.Context(), "k", "id", future); err != nil || !first {
			t.Fatalf("UseOnce = %v, %v", first, err)
		}
		b := open(t, dsn)
		if first, err := b.UseOnce(t.Context(), "k", "id", future); err != nil || first {
			t.Fatalf("UseOnce after reopen = %v, %v; want false", first, err)
		}
	})
	t.Run("ConcurrentFirstOpenMigratesOnce", func(t *testing.T) {
		dsn := srv.NewSchema(t)
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				s, err := postgres.Open(t.Context(), dsn)
				if err == nil {
					s.Close()
				}
				errs <- err
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Errorf("concurrent Open: %v", err)
			}
		}
	})
	t.Run("RefusesNewerSchema", func(t *testing.T) {
		dsn := srv.NewSchema(t)
		s := open(t, dsn)
		s.Close()
		// Bump the version through a second, raw connection.
		exec(t, dsn, "INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', now())")
		if _, err := postgres.Open(t.Context(), dsn); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("Open err = %v, want ErrConflict", err)
		}
	})
	t.Run("ExpiryUsesInjectedClockNotServerClock", func(t *testing.T) {
		now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		s := open(t, srv.NewSchema(t), store.WithNow(func() time.Time { return now }))
		until := now.Add(time.Minute)
		for _, st := range []struct {
			advance time.Duration
			want    bool
		}{{0, true}, {59 * time.Second, false}, {time.Second, true}} {
			now = now.Add(st.advance)
			if got, err := s.UseOnce(t.Context(), "k", "id", until); err != nil || got != st.want {
				t.Fatalf("at %v: UseOnce = %v, %v; want %v", now, got, err, st.want)
			}
		}
	})
}

func TestOpen_BadDSNDoesNotLeakPassword(t *testing.T) {
	for _, dsn := range []string{
		"postgres://u:s3cretpw@[::1", // unparseable URL
		"host=x password=s3cretpw port=notaport",
		"host='unterminated password=s3cretpw",
	} {
		_, err := postgres.Open(t.Context(), dsn)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
	if _, err := postgres.Open(t.Context(), ""); err == nil {
		t.Error("Open(\"\") succeeded")
	}
}
