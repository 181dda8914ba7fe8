package storetest

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/mfa"
)

func totpRecord(user string) mfa.TOTPRecord {
	return mfa.TOTPRecord{UserID: user, AccountName: user + "@example.com", SealedSecret: []byte("sealed-" + user), CreatedAt: t0()}
}

func equalTOTP(t *testing.T, got, want mfa.TOTPRecord) {
	t.Helper()
	if got.UserID != want.UserID || got.AccountName != want.AccountName || !bytes.Equal(got.SealedSecret, want.SealedSecret) {
		t.Errorf("record = %+v, want %+v", got, want)
	}
	if !got.CreatedAt.Equal(stored(want.CreatedAt)) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v (%v), want %v in UTC", got.CreatedAt, got.CreatedAt.Location(), stored(want.CreatedAt))
	}
}

func totpTests() []test {
	return []test{
		{"CreateThenGet", func(t *testing.T, s store.Store) {
			rec := totpRecord("alice")
			if ok, err := s.CreateTOTP(t.Context(), rec); err != nil || !ok {
				t.Fatalf("CreateTOTP = %v, %v; want true, nil", ok, err)
			}
			got, ok, err := s.GetTOTP(t.Context(), "alice")
			if err != nil || !ok {
				t.Fatalf("GetTOTP = %v, %v; want found", ok, err)
			}
			equalTOTP(t, got, rec)
		}},
		{"GetMissing", func(t *testing.T, s store.Store) {
			got, ok, err := s.GetTOTP(t.Context(), "nobody")
			if err != nil || ok || got.UserID != "" {
				t.Fatalf("GetTOTP = %+v, %v, %v; want zero, false, nil", got, ok, err)
			}
		}},
		{"DuplicateCreateReturnsFalseAndKeepsOriginal", func(t *testing.T, s store.Store) {
			rec := totpRecord("alice")
			mustCreate(t, s, rec)
			dup := rec
			dup.SealedSecret = []byte("other")
			if ok, err := s.CreateTOTP(t.Context(), dup); err != nil || ok {
				t.Fatalf("second CreateTOTP = %v, %v; want false, nil", ok, err)
			}
			got, _, _ := s.GetTOTP(t.Context(), "alice")
			equalTOTP(t, got, rec)
		}},
		{"Replace", func(t *testing.T, s store.Store) {
			rec := totpRecord("alice")
			if ok, err := s.ReplaceTOTP(t.Context(), rec); err != nil || ok {
				t.Fatalf("ReplaceTOTP without record = %v, %v; want false, nil", ok, err)
			}
			if _, ok, _ := s.GetTOTP(t.Context(), "alice"); ok {
				t.Fatal("ReplaceTOTP inserted a record")
			}
			mustCreate(t, s, rec)
			mustCreate(t, s, totpRecord("bob"))
			next := rec
			next.AccountName, next.SealedSecret, next.CreatedAt = "new@example.com", []byte("sealed-new"), t0().Add(time.Hour)
			if ok, err := s.ReplaceTOTP(t.Context(), next); err != nil || !ok {
				t.Fatalf("ReplaceTOTP = %v, %v; want true, nil", ok, err)
			}
			got, _, _ := s.GetTOTP(t.Context(), "alice")
			equalTOTP(t, got, next)
			got, _, _ = s.GetTOTP(t.Context(), "bob")
			equalTOTP(t, got, totpRecord("bob"))
			bad := next
			bad.SealedSecret = nil
			if _, err := s.ReplaceTOTP(t.Context(), bad); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("ReplaceTOTP empty secret = %v, want ErrInvalid", err)
			}
		}},
		{"Delete", func(t *testing.T, s store.Store) {
			mustCreate(t, s, totpRecord("alice"))
			mustCreate(t, s, totpRecord("bob"))
			for _, want := range []bool{true, false} {
				if ok, err := s.DeleteTOTP(t.Context(), "alice"); err != nil || ok != want {
					t.Fatalf("DeleteTOTP = %v, %v; want %v, nil", ok, err, want)
				}
			}
			if _, ok, _ := s.GetTOTP(t.Context(), "alice"); ok {
				t.Error("alice still present after DeleteTOTP")
			}
			if _, ok, _ := s.GetTOTP(t.Context(), "bob"); !ok {
				t.Error("DeleteTOTP removed another user")
			}
		}},
		{"ListOrderedByUserID", func(t *testing.T, s store.Store) {
			if recs, err := s.ListTOTP(t.Context()); err != nil || len(recs) != 0 {
				t.Fatalf("ListTOTP on empty store = %v, %v", recs, err)
			}
			for _, u := range []string{"carol", "alice", "bob"} {
				mustCreate(t, s, totpRecord(u))
			}
			recs, err := s.ListTOTP(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				got = append(got, r.UserID)
			}
			if strings.Join(got, ",") != "alice,bob,carol" {
				t.Errorf("ListTOTP order = %v, want alice,bob,carol", got)
			}
			equalTOTP(t, recs[0], totpRecord("alice"))
		}},
		{"UnicodeAndMaxLengthKeys", func(t *testing.T, s store.Store) {
			for _, u := range []string{"zoë@例え.jp", strings.Repeat("u", store.MaxKeyLen)} {
				rec := totpRecord(u)
				rec.AccountName = u
				mustCreate(t, s, rec)
				got, ok, err := s.GetTOTP(t.Context(), u)
				if err != nil || !ok {
					t.Fatalf("GetTOTP(%q) = %v, %v", u, ok, err)
				}
				equalTOTP(t, got, rec)
			}
		}},
		{"InvalidInputRefused", func(t *testing.T, s store.Store) {
			bad := map[string]func(*mfa.TOTPRecord){
				"empty user":     func(r *mfa.TOTPRecord) { r.UserID = "" },
				"NUL in user":    func(r *mfa.TOTPRecord) { r.UserID = "a\x00b" },
				"long user":      func(r *mfa.TOTPRecord) { r.UserID = strings.Repeat("u", store.MaxKeyLen+1) },
				"invalid UTF-8":  func(r *mfa.TOTPRecord) { r.AccountName = "\xff" },
				"empty secret":   func(r *mfa.TOTPRecord) { r.SealedSecret = nil },
				"oversized seal": func(r *mfa.TOTPRecord) { r.SealedSecret = make([]byte, store.MaxSealedLen+1) },
			}
			for name, mutate := range bad {
				rec := totpRecord("alice")
				mutate(&rec)
				if _, err := s.CreateTOTP(t.Context(), rec); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("%s: CreateTOTP err = %v, want ErrInvalid", name, err)
				}
			}
			if recs, _ := s.ListTOTP(t.Context()); len(recs) != 0 {
				t.Errorf("invalid records were stored: %+v", recs)
			}
			if _, _, err := s.GetTOTP(t.Context(), ""); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("GetTOTP(\"\") err = %v, want ErrInvalid", err)
			}
		}},
	}
}

func mustCreate(t *testing.T, s store.Store, rec mfa.TOTPRecord) {
	t.Helper()
	if ok, err := s.CreateTOTP(t.Context(), rec); err != nil || !ok {
		t.Fatalf("CreateTOTP(%q) = %v, %v; want true, nil", rec.UserID, ok, err)
	}
}
