package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/store"
)

func auditEvent(at time.Time, activity string) store.AuditEvent {
	return store.AuditEvent{
		Time: at, User: "alice@example.com", ClientIP: "203.0.113.7",
		RelyingParty: "urn:federation:MicrosoftOnline", Protocol: "wsfed",
		Result: "failure", Reason: "BadPassword", ActivityID: activity,
	}
}

func record(t *testing.T, s store.Store, e store.AuditEvent) {
	t.Helper()
	if err := s.RecordAudit(t.Context(), e); err != nil {
		t.Fatalf("RecordAudit(%s): %v", e.ActivityID, err)
	}
}

func listAudit(t *testing.T, s store.Store, since time.Time, limit int) []store.AuditEvent {
	t.Helper()
	got, err := s.ListAudit(t.Context(), since, limit)
	if err != nil {
		t.Fatalf("ListAudit: %v", err)
	}
	return got
}

func activities(es []store.AuditEvent) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ActivityID)
	}
	return out
}

func auditTests() []test {
	return []test{
		{"RoundTripInUTC", func(t *testing.T, s store.Store) {
			want := auditEvent(t0(), "a1")
			record(t, s, want)
			got := listAudit(t, s, past(), 10)
			if len(got) != 1 {
				t.Fatalf("ListAudit returned %d events, want 1", len(got))
			}
			if got[0].Time.Location() != time.UTC || !got[0].Time.Equal(stored(t0())) {
				t.Errorf("Time = %v (%v), want %v in UTC", got[0].Time, got[0].Time.Location(), stored(t0()))
			}
			want.Time = stored(t0())
			if got[0] != want {
				t.Errorf("event = %+v, want %+v", got[0], want)
			}
		}},
		{"OrderSinceAndLimit", func(t *testing.T, s store.Store) {
			// Recorded out of order; equal times keep insertion order.
			record(t, s, auditEvent(t0().Add(2*time.Second), "c"))
			record(t, s, auditEvent(t0(), "a"))
			record(t, s, auditEvent(t0().Add(time.Second), "b1"))
			record(t, s, auditEvent(t0().Add(time.Second), "b2"))
			record(t, s, auditEvent(t0().Add(-time.Hour), "old"))
			tests := []struct {
				name  string
				since time.Time
				limit int
				want  []string
			}{
				{"all", past(), 10, []string{"old", "a", "b1", "b2", "c"}},
				{"since is inclusive", t0().Add(time.Second), 10, []string{"b1", "b2", "c"}},
				{"since in another zone", t0().UTC(), 10, []string{"a", "b1", "b2", "c"}},
				{"limit", past(), 2, []string{"old", "a"}},
				{"after last", future(), 10, nil},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					got := activities(listAudit(t, s, tt.since, tt.limit))
					if len(got) != len(tt.want) {
						t.Fatalf("ListAudit = %v, want %v", got, tt.want)
					}
					for i := range got {
						if got[i] != tt.want[i] {
							t.Fatalf("ListAudit = %v, want %v", got, tt.want)
						}
					}
				})
			}
		}},
		{"HostileStringsStoredSafely", func(t *testing.T, s store.Store) {
			e := auditEvent(t0(), "x")
			e.User = "mallory\x00\xff'; DROP TABLE audit_events; --"
			record(t, s, e)
			got := listAudit(t, s, past(), 10)
			if len(got) != 1 || got[0].User != "mallory\uFFFD\uFFFD'; DROP TABLE audit_events; --" {
				t.Fatalf("ListAudit = %+v", got)
			}
		}},
		{"InvalidInputRefused", func(t *testing.T, s store.Store) {
			if err := s.RecordAudit(t.Context(), store.AuditEvent{User: "alice"}); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("zero time: err = %v, want ErrInvalid", err)
			}
			for _, limit := range []int{0, -1, store.MaxAuditList + 1} {
				if _, err := s.ListAudit(t.Context(), past(), limit); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("limit %d: err = %v, want ErrInvalid", limit, err)
				}
			}
		}},
	}
}
