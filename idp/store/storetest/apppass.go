package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedgate/fedgate/apppass"
	"github.com/fedgate/fedgate/idp/store"
)

func appRecord(user string, n int) apppass.Record {
	return apppass.Record{
		ID:        fmt.Sprintf("%016x%016x", len(user), n),
		UserID:    user,
		Name:      fmt.Sprintf("device %d ü", n),
		Hash:      "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$" + user,
		CreatedAt: t0().Add(time.Duration(n) * time.Second),
	}
}

func mustCreateApp(t *testing.T, s store.Store, rec apppass.Record, max int) {
	t.Helper()
	if ok, err := s.CreateAppPassword(t.Context(), rec, max); err != nil || !ok {
		t.Fatalf("CreateAppPassword(%q) = %v, %v; want true, nil", rec.ID, ok, err)
	}
}

func listApp(t *testing.T, s store.Store, user string) []apppass.Record {
	t.Helper()
	got, err := s.ListAppPasswords(t.Context(), user)
	if err != nil {
		t.Fatalf("ListAppPasswords(%q): %v", user, err)
	}
	return got
}

func equalApp(t *testing.T, got, want apppass.Record) {
	t.Helper()
	if got.ID != want.ID || got.UserID != want.UserID || got.Name != want.Name || got.Hash != want.Hash {
		t.Errorf("record = %+v, want %+v", got, want)
	}
	if !got.CreatedAt.Equal(stored(want.CreatedAt)) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v in UTC", got.CreatedAt, stored(want.CreatedAt))
	}
	if want.LastUsedAt.IsZero() != got.LastUsedAt.IsZero() ||
		(!want.LastUsedAt.IsZero() && (!got.LastUsedAt.Equal(stored(want.LastUsedAt)) || got.LastUsedAt.Location() != time.UTC)) {
		t.Errorf("LastUsedAt = %v, want %v", got.LastUsedAt, want.LastUsedAt)
	}
}

func appPasswordTests() []test {
	return []test{
		{"CreateListInOrder", func(t *testing.T, s store.Store) {
			b, a := appRecord("alice", 2), appRecord("alice", 1)
			mustCreateApp(t, s, b, 10)
			mustCreateApp(t, s, a, 10)
			mustCreateApp(t, s, appRecord("bob", 1), 10)
			got := listApp(t, s, "alice")
			if len(got) != 2 {
				t.Fatalf("list = %+v, want 2 records", got)
			}
			equalApp(t, got[0], a)
			equalApp(t, got[1], b)
		}},
		{"ListEmpty", func(t *testing.T, s store.Store) {
			got := listApp(t, s, "nobody")
			if got == nil || len(got) != 0 {
				t.Fatalf("list = %#v, want empty non-nil", got)
			}
		}},
		{"LimitPerUser", func(t *testing.T, s store.Store) {
			mustCreateApp(t, s, appRecord("alice", 1), 2)
			mustCreateApp(t, s, appRecord("alice", 2), 2)
			if ok, err := s.CreateAppPassword(t.Context(), appRecord("alice", 3), 2); err != nil || ok {
				t.Fatalf("third = %v, %v; want false, nil", ok, err)
			}
			mustCreateApp(t, s, appRecord("bob", 1), 2)
			if n := len(listApp(t, s, "alice")); n != 2 {
				t.Fatalf("alice has %d", n)
			}
		}},
		{"ConcurrentCreatesRespectLimit", func(t *testing.T, s store.Store) {
			const max, tries = 3, 8
			var wg sync.WaitGroup
			errs := make(chan error, tries)
			for i := range tries {
				wg.Go(func() {
					_, err := s.CreateAppPassword(t.Context(), appRecord("alice", i), max)
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("CreateAppPassword: %v", err)
				}
			}
			if n := len(listApp(t, s, "alice")); n != max {
				t.Fatalf("alice has %d, want %d", n, max)
			}
		}},
		{"DuplicateIDIsError", func(t *testing.T, s store.Store) {
			rec := appRecord("alice", 1)
			mustCreateApp(t, s, rec, 10)
			if _, err := s.CreateAppPassword(t.Context(), rec, 10); err == nil {
				t.Fatal("duplicate ID accepted")
			}
		}},
		{"DeleteOnlyOwn", func(t *testing.T, s store.Store) {
			rec := appRecord("alice", 1)
			mustCreateApp(t, s, rec, 10)
			if ok, err := s.DeleteAppPassword(t.Context(), "bob", rec.ID); err != nil || ok {
				t.Fatalf("delete by bob = %v, %v", ok, err)
			}
			if ok, err := s.DeleteAppPassword(t.Context(), "alice", rec.ID); err != nil || !ok {
				t.Fatalf("delete = %v, %v", ok, err)
			}
			if ok, err := s.DeleteAppPassword(t.Context(), "alice", rec.ID); err != nil || ok {
				t.Fatalf("second delete = %v, %v", ok, err)
			}
			if n := len(listApp(t, s, "alice")); n != 0 {
				t.Fatalf("alice has %d", n)
			}
		}},
		{"Touch", func(t *testing.T, s store.Store) {
			rec := appRecord("alice", 1)
			mustCreateApp(t, s, rec, 10)
			at := t0().Add(time.Hour)
			if ok, err := s.TouchAppPassword(t.Context(), "bob", rec.ID, at); err != nil || ok {
				t.Fatalf("touch by bob = %v, %v", ok, err)
			}
			if ok, err := s.TouchAppPassword(t.Context(), "alice", rec.ID, at); err != nil || !ok {
				t.Fatalf("touch = %v, %v", ok, err)
			}
			rec.LastUsedAt = at
			equalApp(t, listApp(t, s, "alice")[0], rec)
			if ok, err := s.TouchAppPassword(t.Context(), "alice", "0000", at); err != nil || ok {
				t.Fatalf("touch missing = %v, %v", ok, err)
			}
		}},
		{"InvalidValuesRefused", func(t *testing.T, s store.Store) {
			for name, mod := range map[string]func(*apppass.Record){
				"empty ID":     func(r *apppass.Record) { r.ID = "" },
				"empty user":   func(r *apppass.Record) { r.UserID = "" },
				"NUL in name":  func(r *apppass.Record) { r.Name = "a\x00b" },
				"invalid hash": func(r *apppass.Record) { r.Hash = "\xff" },
				"long user":    func(r *apppass.Record) { r.UserID = strings.Repeat("u", store.MaxKeyLen+1) },
				"year 10000":   func(r *apppass.Record) { r.CreatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
			} {
				rec := appRecord("alice", 1)
				mod(&rec)
				if _, err := s.CreateAppPassword(t.Context(), rec, 10); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("%s: err = %v, want ErrInvalid", name, err)
				}
			}
			if _, err := s.CreateAppPassword(t.Context(), appRecord("alice", 1), 0); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("max 0: err = %v, want ErrInvalid", err)
			}
			if _, err := s.ListAppPasswords(t.Context(), ""); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("list empty user: err = %v", err)
			}
			if _, err := s.DeleteAppPassword(t.Context(), "alice", ""); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("delete empty id: err = %v", err)
			}
			if n := len(listApp(t, s, "alice")); n != 0 {
				t.Fatalf("invalid records stored: %d", n)
			}
		}},
		{"ServiceRoundTrip", func(t *testing.T, s store.Store) {
			svc, err := apppass.New(apppass.Config{Store: s, Params: apppass.Params{Memory: 8, Time: 1, Threads: 1}})
			if err != nil {
				t.Fatal(err)
			}
			c, err := svc.Create(t.Context(), "alice", "laptop")
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := svc.Verify(t.Context(), "alice", c.Password); err != nil || !ok {
				t.Fatalf("Verify = %v, %v", ok, err)
			}
			if l, _ := svc.List(t.Context(), "alice"); len(l) != 1 || l[0].LastUsedAt.IsZero() {
				t.Fatalf("List = %+v", l)
			}
			if ok, err := svc.Revoke(t.Context(), "alice", c.ID); err != nil || !ok {
				t.Fatalf("Revoke = %v, %v", ok, err)
			}
			if ok, err := svc.Verify(t.Context(), "alice", c.Password); err != nil || ok {
				t.Fatalf("Verify after revoke = %v, %v", ok, err)
			}
		}},
	}
}
