package check

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/store"
)

func TestLockout(t *testing.T) {
	at := time.Date(2031, 7, 8, 9, 10, 11, 123456789, time.FixedZone("UTC+5", 5*3600))
	many := make([]string, lockout.MaxFamiliarIPs+1)
	for i := range many {
		many[i] = fmt.Sprintf("192.0.2.%d", i+1)
	}
	tests := []struct {
		name string
		in   lockout.State
		ok   bool
	}{
		{"zero", lockout.State{}, true},
		{"counters and IPs", lockout.State{Familiar: lockout.Counter{Count: 2, Last: at}, FamiliarIPs: []string{"10.0.0.5", "2001:db8::1"}}, true},
		{"negative count", lockout.State{Unfamiliar: lockout.Counter{Count: -1, Last: at}}, false},
		{"count above max", lockout.State{Unfamiliar: lockout.Counter{Count: lockout.MaxCount + 1, Last: at}}, false},
		{"count without time", lockout.State{Unfamiliar: lockout.Counter{Count: 1}}, false},
		{"time without count", lockout.State{Familiar: lockout.Counter{Last: at}}, false},
		{"year 10000", lockout.State{Familiar: lockout.Counter{Count: 1, Last: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}, false},
		{"too many IPs", lockout.State{FamiliarIPs: many}, false},
		{"duplicate IP", lockout.State{FamiliarIPs: []string{"10.0.0.5", "10.0.0.5"}}, false},
		{"non-canonical IP", lockout.State{FamiliarIPs: []string{"::ffff:10.0.0.5"}}, false},
		{"not an IP", lockout.State{FamiliarIPs: []string{"10.0.0.5 10.0.0.6"}}, false},
		{"empty IP", lockout.State{FamiliarIPs: []string{""}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Lockout(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("Lockout(%+v) = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if err != nil {
				if !errors.Is(err, store.ErrInvalid) {
					t.Errorf("err = %v, want ErrInvalid", err)
				}
				return
			}
			for _, c := range []lockout.Counter{got.Familiar, got.Unfamiliar} {
				if !c.Last.IsZero() && (c.Last.Location() != time.UTC || c.Last.Nanosecond()%1000 != 0) {
					t.Errorf("Last = %v, want UTC microseconds", c.Last)
				}
			}
		})
	}
}

func TestSplitIPs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"10.0.0.5", []string{"10.0.0.5"}, true},
		{"10.0.0.5 2001:db8::1", []string{"10.0.0.5", "2001:db8::1"}, true},
		{"10.0.0.5  10.0.0.6", nil, false},
		{" 10.0.0.5", nil, false},
		{"10.0.0.5,10.0.0.6", nil, false},
		{strings.Repeat("1", maxIPListLen+1), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := SplitIPs(tt.in)
			if (err == nil) != tt.ok || strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("SplitIPs(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

// FuzzSplitIPs checks that whatever the column decoder accepts is a valid
// list that encodes back to the same text.
func FuzzSplitIPs(f *testing.F) {
	for _, s := range []string{"", "10.0.0.5", "10.0.0.5 2001:db8::1", "::ffff:1.2.3.4", "1 2", "10.0.0.5 10.0.0.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ips, err := SplitIPs(s)
		if err != nil {
			return
		}
		if _, err := Lockout(lockout.State{FamiliarIPs: ips}); err != nil {
			t.Fatalf("SplitIPs(%q) accepted %v, which Lockout refuses: %v", s, ips, err)
		}
		if JoinIPs(ips) != s {
			t.Fatalf("JoinIPs(SplitIPs(%q)) = %q", s, JoinIPs(ips))
		}
	})
}
