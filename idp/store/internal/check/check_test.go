package check

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fedgate/fedgate/idp/store"
)

func TestKey(t *testing.T) {
	tests := []struct {
		name, v string
		ok      bool
	}{
		{"plain", "alice:123", true},
		{"utf8", "zoë", true},
		{"max", strings.Repeat("a", 10), true},
		{"empty", "", false},
		{"too long", strings.Repeat("a", 11), false},
		{"invalid utf8", "a\xffb", false},
		{"nul", "a\x00b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Key("id", tt.v, 10)
			if (err == nil) != tt.ok {
				t.Fatalf("Key(%q) = %v, want ok=%v", tt.v, err, tt.ok)
			}
			if err != nil && !errors.Is(err, store.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestAudit_SanitisesStrings(t *testing.T) {
	e, err := Audit(store.AuditEvent{
		Time:   time.Unix(1, 0),
		User:   "a\x00b\xffc",
		Reason: strings.Repeat("é", store.MaxAuditLen), // 2 bytes each
	})
	if err != nil {
		t.Fatal(err)
	}
	if e.User != "a\uFFFDb\uFFFDc" {
		t.Errorf("User = %q", e.User)
	}
	if len(e.Reason) > store.MaxAuditLen || !utf8.ValidString(e.Reason) {
		t.Errorf("Reason is %d bytes, valid=%v", len(e.Reason), utf8.ValidString(e.Reason))
	}
	if _, err := Audit(store.AuditEvent{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("zero time: err = %v, want ErrInvalid", err)
	}
}

func TestTimeAndLimits(t *testing.T) {
	tests := []struct {
		name string
		err  error
		ok   bool
	}{
		{"year 1", Time("t", time.Time{}), true},
		{"year 9999", Time("t", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)), true},
		{"year 10000", Time("t", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)), false},
		{"year 0", Time("t", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)), false},
		{"window zero", Window(0), false},
		{"window positive", Window(time.Second), true},
		{"limit 0", ListLimit(0), false},
		{"limit max", ListLimit(store.MaxAuditList), true},
		{"limit over", ListLimit(store.MaxAuditList + 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (tt.err == nil) != tt.ok {
				t.Errorf("err = %v, want ok=%v", tt.err, tt.ok)
			}
		})
	}
}

func FuzzAudit(f *testing.F) {
	f.Add("alice@example.com", "bad\x00\xff")
	f.Add(strings.Repeat("€", 400), "")
	f.Fuzz(func(t *testing.T, user, reason string) {
		e, err := Audit(store.AuditEvent{Time: time.Unix(1, 0), User: user, Reason: reason})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{e.User, e.Reason} {
			if len(s) > store.MaxAuditLen || !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
				t.Fatalf("unstorable result %q", s)
			}
		}
	})
}
