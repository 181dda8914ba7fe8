package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/store"
)

func rpRecord(name string, ids ...string) store.RelyingPartyRecord {
	return store.RelyingPartyRecord{
		Name:        name,
		Protocol:    "saml2",
		Identifiers: ids,
		// Opaque bytes: not even valid UTF-8 is required.
		Definition: fmt.Appendf(nil, "name: %s\nmetadata: |\n  <EntityDescriptor/>\n\xff\x00", name),
		UpdatedAt:  t0(),
	}
}

func putRP(t *testing.T, s store.Store, rec store.RelyingPartyRecord) {
	t.Helper()
	if err := s.PutRelyingParty(t.Context(), rec); err != nil {
		t.Fatalf("PutRelyingParty(%q): %v", rec.Name, err)
	}
}

func getRP(t *testing.T, s store.Store, name string) store.RelyingPartyRecord {
	t.Helper()
	rec, err := s.GetRelyingParty(t.Context(), name)
	if err != nil {
		t.Fatalf("GetRelyingParty(%q): %v", name, err)
	}
	return rec
}

func listRP(t *testing.T, s store.Store) []store.RelyingPartyRecord {
	t.Helper()
	recs, err := s.ListRelyingParties(t.Context())
	if err != nil {
		t.Fatalf("ListRelyingParties: %v", err)
	}
	if recs == nil {
		t.Fatal("ListRelyingParties = nil, want a non-nil slice")
	}
	return recs
}

func rpNames(recs []store.RelyingPartyRecord) []string {
	names := make([]string, 0, len(recs))
	for _, r := range recs {
		names = append(names, r.Name)
	}
	return names
}

func rpVersion(t *testing.T, s store.Store) int64 {
	t.Helper()
	v, err := s.RelyingPartiesVersion(t.Context())
	if err != nil {
		t.Fatalf("RelyingPartiesVersion: %v", err)
	}
	return v
}

func equalRP(t *testing.T, got, want store.RelyingPartyRecord) {
	t.Helper()
	if got.Name != want.Name || got.Protocol != want.Protocol || !slices.Equal(got.Identifiers, want.Identifiers) ||
		!bytes.Equal(got.Definition, want.Definition) {
		t.Errorf("record = {%q %q %q %q}, want {%q %q %q %q}", got.Name, got.Protocol, got.Identifiers, got.Definition,
			want.Name, want.Protocol, want.Identifiers, want.Definition)
	}
	if !got.UpdatedAt.Equal(stored(want.UpdatedAt)) || got.UpdatedAt.Location() != time.UTC {
		t.Errorf("UpdatedAt = %v, want %v in UTC", got.UpdatedAt, stored(want.UpdatedAt))
	}
}

// concurrentRPPuts puts n records with distinct names and one shared
// identifier at once, spread over stores, and returns how many succeeded.
// Every failure must be ErrConflict.
func concurrentRPPuts(t *testing.T, n int, stores ...store.Store) int {
	t.Helper()
	return wins(race(t, "PutRelyingParty", n, func(i int) (bool, error) {
		err := stores[i%len(stores)].PutRelyingParty(t.Context(), rpRecord(fmt.Sprint("party ", i), fmt.Sprint("urn:own:", i), "urn:shared"))
		if errors.Is(err, store.ErrConflict) {
			return false, nil
		}
		return err == nil, err
	}))
}

func relyingPartyTests() []test {
	return []test{
		{"EmptyStore", func(t *testing.T, s store.Store) {
			if got := listRP(t, s); len(got) != 0 {
				t.Fatalf("ListRelyingParties = %d records, want 0", len(got))
			}
			if v := rpVersion(t, s); v != 0 {
				t.Fatalf("RelyingPartiesVersion = %d, want 0", v)
			}
			if _, err := s.GetRelyingParty(t.Context(), "nobody"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("GetRelyingParty(missing) err = %v, want ErrNotFound", err)
			}
			if err := s.DeleteRelyingParty(t.Context(), "nobody"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("DeleteRelyingParty(missing) err = %v, want ErrNotFound", err)
			}
			if v := rpVersion(t, s); v != 0 {
				t.Fatalf("version after failed delete = %d, want 0", v)
			}
		}},
		{"PutGetRoundTrip", func(t *testing.T, s store.Store) {
			// Identifier order is the party's, not sorted.
			want := rpRecord("App ü", "urn:z", "https://app.example.com/a", "urn:a")
			putRP(t, s, want)
			equalRP(t, getRP(t, s, want.Name), want)
			if _, err := s.GetRelyingParty(t.Context(), "app ü"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("names must compare case-sensitively: err = %v, want ErrNotFound", err)
			}
		}},
		{"ListOrderedByNameBytewise", func(t *testing.T, s store.Store) {
			for _, n := range []string{"b", "B", "a", "Ä", "a2"} {
				putRP(t, s, rpRecord(n, "urn:"+n, "urn:"+n+":2"))
			}
			got := listRP(t, s)
			if names := rpNames(got); !slices.Equal(names, []string{"B", "a", "a2", "b", "Ä"}) {
				t.Fatalf("names = %q, want byte order", names)
			}
			for _, r := range got {
				equalRP(t, r, rpRecord(r.Name, "urn:"+r.Name, "urn:"+r.Name+":2"))
			}
		}},
		{"PutReplacesByName", func(t *testing.T, s store.Store) {
			putRP(t, s, rpRecord("app", "urn:old", "urn:kept"))
			repl := rpRecord("app", "urn:kept", "urn:new")
			repl.Protocol = "wsfed"
			repl.Definition = []byte("name: app\n")
			repl.UpdatedAt = t0().Add(time.Hour)
			putRP(t, s, repl)
			equalRP(t, getRP(t, s, "app"), repl)
			if n := len(listRP(t, s)); n != 1 {
				t.Fatalf("%d records after replace, want 1", n)
			}
			// The dropped identifier is free for another party.
			putRP(t, s, rpRecord("other", "urn:old"))
		}},
		{"IdentifierConflictWritesNothing", func(t *testing.T, s store.Store) {
			first := rpRecord("first", "urn:a", "urn:b")
			putRP(t, s, first)
			v := rpVersion(t, s)
			err := s.PutRelyingParty(t.Context(), rpRecord("second", "urn:c", "urn:b"))
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("PutRelyingParty(shared identifier) err = %v, want ErrConflict", err)
			}
			if !strings.Contains(err.Error(), "urn:b") || !strings.Contains(err.Error(), `"first"`) {
				t.Errorf("conflict error %q should name the identifier and the party holding it", err)
			}
			if _, err := s.GetRelyingParty(t.Context(), "second"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("second was stored despite the conflict: err = %v", err)
			}
			// urn:c was not claimed either.
			putRP(t, s, rpRecord("third", "urn:c"))
			equalRP(t, getRP(t, s, "first"), first)
			if got := rpVersion(t, s); got != v+1 {
				t.Errorf("version = %d, want %d (the refused put must not count)", got, v+1)
			}
			// Replacing a party under its own identifiers is no conflict.
			putRP(t, s, first)
		}},
		{"DeleteFreesIdentifiers", func(t *testing.T, s store.Store) {
			putRP(t, s, rpRecord("a", "urn:x"))
			putRP(t, s, rpRecord("b", "urn:y"))
			if err := s.DeleteRelyingParty(t.Context(), "a"); err != nil {
				t.Fatalf("DeleteRelyingParty: %v", err)
			}
			if _, err := s.GetRelyingParty(t.Context(), "a"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("deleted record: err = %v, want ErrNotFound", err)
			}
			if names := rpNames(listRP(t, s)); !slices.Equal(names, []string{"b"}) {
				t.Fatalf("names = %q, want [b]", names)
			}
			putRP(t, s, rpRecord("c", "urn:x"))
			if err := s.DeleteRelyingParty(t.Context(), "a"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("second delete err = %v, want ErrNotFound", err)
			}
		}},
		{"VersionCountsEveryChange", func(t *testing.T, s store.Store) {
			steps := []struct {
				name string
				do   func() error
				bump bool
			}{
				{"put", func() error { return s.PutRelyingParty(t.Context(), rpRecord("a", "urn:a")) }, true},
				{"same put again", func() error { return s.PutRelyingParty(t.Context(), rpRecord("a", "urn:a")) }, true},
				{"get", func() error { _, err := s.GetRelyingParty(t.Context(), "a"); return err }, false},
				{"list", func() error { _, err := s.ListRelyingParties(t.Context()); return err }, false},
				{"invalid put", func() error {
					if err := s.PutRelyingParty(t.Context(), rpRecord("x")); !errors.Is(err, store.ErrInvalid) {
						return fmt.Errorf("err = %v, want ErrInvalid", err)
					}
					return nil
				}, false},
				{"delete", func() error { return s.DeleteRelyingParty(t.Context(), "a") }, true},
			}
			v := rpVersion(t, s)
			for _, st := range steps {
				if err := st.do(); err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
				got := rpVersion(t, s)
				if st.bump && got <= v || !st.bump && got != v {
					t.Fatalf("after %s: version %d → %d, want bumped=%v", st.name, v, got, st.bump)
				}
				v = got
			}
		}},
		{"LimitsRefusedWithErrInvalid", func(t *testing.T, s store.Store) {
			tests := []struct {
				name   string
				mutate func(*store.RelyingPartyRecord)
			}{
				{"empty name", func(r *store.RelyingPartyRecord) { r.Name = "" }},
				{"long name", func(r *store.RelyingPartyRecord) { r.Name = strings.Repeat("n", store.MaxRelyingPartyNameLen+1) }},
				{"NUL in name", func(r *store.RelyingPartyRecord) { r.Name = "a\x00" }},
				{"invalid UTF-8 name", func(r *store.RelyingPartyRecord) { r.Name = "a\xff" }},
				{"empty protocol", func(r *store.RelyingPartyRecord) { r.Protocol = "" }},
				{"no identifiers", func(r *store.RelyingPartyRecord) { r.Identifiers = nil }},
				{"repeated identifier", func(r *store.RelyingPartyRecord) { r.Identifiers = []string{"urn:a", "urn:a"} }},
				{"long identifier", func(r *store.RelyingPartyRecord) {
					r.Identifiers = []string{strings.Repeat("i", store.MaxRelyingPartyIdentifierLen+1)}
				}},
				{"empty definition", func(r *store.RelyingPartyRecord) { r.Definition = nil }},
				{"long definition", func(r *store.RelyingPartyRecord) { r.Definition = make([]byte, store.MaxRelyingPartyDefinition+1) }},
				{"zero time", func(r *store.RelyingPartyRecord) { r.UpdatedAt = time.Time{} }},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					rec := rpRecord("app", "urn:app")
					tt.mutate(&rec)
					if err := s.PutRelyingParty(t.Context(), rec); !errors.Is(err, store.ErrInvalid) {
						t.Fatalf("PutRelyingParty err = %v, want ErrInvalid", err)
					}
				})
			}
			for _, name := range []string{"", "a\x00", strings.Repeat("n", store.MaxRelyingPartyNameLen+1)} {
				if _, err := s.GetRelyingParty(t.Context(), name); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("GetRelyingParty(%q) err = %v, want ErrInvalid", name, err)
				}
				if err := s.DeleteRelyingParty(t.Context(), name); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("DeleteRelyingParty(%q) err = %v, want ErrInvalid", name, err)
				}
			}
			// The largest allowed values are stored intact.
			big := rpRecord(strings.Repeat("n", store.MaxRelyingPartyNameLen), strings.Repeat("i", store.MaxRelyingPartyIdentifierLen))
			big.Definition = bytes.Repeat([]byte{0xfe}, store.MaxRelyingPartyDefinition)
			putRP(t, s, big)
			equalRP(t, getRP(t, s, big.Name), big)
			if n := len(listRP(t, s)); n != 1 {
				t.Fatalf("%d records, want only the largest one", n)
			}
		}},
		{"AtMostMaxRelyingParties", func(t *testing.T, s store.Store) {
			for i := range store.MaxRelyingParties {
				putRP(t, s, rpRecord(fmt.Sprintf("p%04d", i), fmt.Sprint("urn:p:", i)))
			}
			err := s.PutRelyingParty(t.Context(), rpRecord("one too many", "urn:extra"))
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("PutRelyingParty beyond the limit err = %v, want ErrInvalid", err)
			}
			// Replacing an existing one is still allowed.
			putRP(t, s, rpRecord("p0000", "urn:p:0", "urn:p:0:b"))
			if n := len(listRP(t, s)); n != store.MaxRelyingParties {
				t.Fatalf("%d records, want %d", n, store.MaxRelyingParties)
			}
		}},
		{"ConcurrentPutsWithSharedIdentifierExactlyOneWins", func(t *testing.T, s store.Store) {
			if got := concurrentRPPuts(t, 10, s); got != 1 {
				t.Fatalf("%d of 10 concurrent puts sharing an identifier succeeded, want 1", got)
			}
		}},
	}
}

func relyingPartySharedTests() []sharedTest {
	return []sharedTest{
		{"RelyingPartiesVisibleAcrossNodes", func(t *testing.T, a, b store.Store) {
			v := rpVersion(t, b)
			rec := rpRecord("app", "urn:app")
			putRP(t, a, rec)
			if got := rpVersion(t, b); got <= v {
				t.Fatalf("b's version %d did not move after a's put (was %d)", got, v)
			}
			equalRP(t, getRP(t, b, "app"), rec)
			if err := b.PutRelyingParty(t.Context(), rpRecord("other", "urn:app")); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("b.PutRelyingParty(a's identifier) err = %v, want ErrConflict", err)
			}
			v = rpVersion(t, a)
			if err := b.DeleteRelyingParty(t.Context(), "app"); err != nil {
				t.Fatal(err)
			}
			if got := rpVersion(t, a); got <= v {
				t.Fatalf("a's version %d did not move after b's delete", got)
			}
			if got := listRP(t, a); len(got) != 0 {
				t.Fatalf("a still sees %q", rpNames(got))
			}
		}},
		{"ConcurrentRelyingPartyPutsAcrossNodesExactlyOneWins", func(t *testing.T, a, b store.Store) {
			if got := concurrentRPPuts(t, 10, a, b); got != 1 {
				t.Fatalf("%d of 10 concurrent puts on two nodes sharing an identifier succeeded, want 1", got)
			}
		}},
	}
}
