package lockout

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)

func TestEvaluate(t *testing.T) {
	r := rules{threshold: 3, familiarThreshold: 5, window: 30 * time.Minute}
	home := "10.0.0.5"
	withFamiliar := func(s State) State { s.FamiliarIPs = []string{"192.0.2.1", home}; return s }
	tests := []struct {
		name     string
		state    State
		ip       string
		now      time.Time
		familiar bool
		locked   bool
		retryAt  time.Time
	}{
		{"empty state", State{}, home, t0, false, false, time.Time{}},
		{"below threshold", State{Unfamiliar: Counter{2, t0}}, "198.51.100.7", t0, false, false, time.Time{}},
		{"threshold reached locks", State{Unfamiliar: Counter{3, t0}}, "198.51.100.7", t0.Add(time.Minute), false, true, t0.Add(30 * time.Minute)},
		{"locked until the window ends", State{Unfamiliar: Counter{7, t0}}, "198.51.100.7", t0.Add(30*time.Minute - time.Microsecond), false, true, t0.Add(30 * time.Minute)},
		{"one attempt once the window has passed", State{Unfamiliar: Counter{7, t0}}, "198.51.100.7", t0.Add(30 * time.Minute), false, false, time.Time{}},
		{"unfamiliar lock does not touch familiar IP", withFamiliar(State{Unfamiliar: Counter{9, t0}}), home, t0, true, false, time.Time{}},
		{"familiar has its own threshold", withFamiliar(State{Familiar: Counter{4, t0}}), home, t0, true, false, time.Time{}},
		{"familiar locks at its threshold", withFamiliar(State{Familiar: Counter{5, t0}}), home, t0, true, true, t0.Add(30 * time.Minute)},
		{"familiar lock does not touch unfamiliar IP", withFamiliar(State{Familiar: Counter{5, t0}}), "198.51.100.7", t0, false, false, time.Time{}},
		{"extra attempt waits for the other location's half window", withFamiliar(State{Unfamiliar: Counter{3, t0}, Familiar: Counter{1, t0.Add(20 * time.Minute)}}),
			"198.51.100.7", t0.Add(30 * time.Minute), false, true, t0.Add(35 * time.Minute)},
		{"extra attempt once both have passed", withFamiliar(State{Unfamiliar: Counter{3, t0}, Familiar: Counter{1, t0.Add(20 * time.Minute)}}),
			"198.51.100.7", t0.Add(35 * time.Minute), false, false, time.Time{}},
		{"an old other failure does not delay", withFamiliar(State{Familiar: Counter{5, t0.Add(10 * time.Minute)}, Unfamiliar: Counter{1, t0}}),
			home, t0.Add(40 * time.Minute), true, false, time.Time{}},
		{"no usable IP is unfamiliar", withFamiliar(State{Unfamiliar: Counter{3, t0}}), "", t0, false, true, t0.Add(30 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := r.evaluate(tt.state, tt.ip, tt.now)
			if v.familiar != tt.familiar || v.locked != tt.locked || !v.retryAt.Equal(tt.retryAt) {
				t.Fatalf("evaluate = %+v, want familiar=%v locked=%v retryAt=%v", v, tt.familiar, tt.locked, tt.retryAt)
			}
		})
	}
}

func TestClaimAndRelease(t *testing.T) {
	t1, t2 := t0.Add(time.Minute), t0.Add(2*time.Minute)
	tests := []struct {
		name string
		run  func() State
		want State
	}{
		{"claim counts at now", func() State { return claim(State{}, false, t1) }, State{Unfamiliar: Counter{1, t1}}},
		{"claim on familiar", func() State { return claim(State{Familiar: Counter{2, t0}}, true, t1) }, State{Familiar: Counter{3, t1}}},
		{"claim stops at MaxCount", func() State { return claim(State{Unfamiliar: Counter{MaxCount, t0}}, false, t1) }, State{Unfamiliar: Counter{MaxCount, t1}}},
		{"release of the only claim empties the counter", func() State {
			return release(claim(State{}, false, t1), false, t1, time.Time{})
		}, State{}},
		{"release restores the previous Last", func() State {
			return release(claim(State{Unfamiliar: Counter{4, t0}}, false, t1), false, t1, t0)
		}, State{Unfamiliar: Counter{4, t0}}},
		{"release keeps a later claim's Last", func() State {
			s := claim(claim(State{Unfamiliar: Counter{4, t0}}, false, t1), false, t2)
			return release(s, false, t1, t0)
		}, State{Unfamiliar: Counter{5, t2}}},
		{"release after a concurrent reset never goes negative", func() State {
			return release(State{}, false, t1, t0)
		}, State{}},
		{"two claims in one microsecond, first released", func() State {
			s := claim(claim(State{}, false, t1), false, t1)
			return release(s, false, t1, time.Time{})
		}, State{Unfamiliar: Counter{1, t1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.run(); !equalState(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSucceed(t *testing.T) {
	ips := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("192.0.2.%d", i+1))
		}
		return out
	}
	locked := State{Familiar: Counter{5, t0}, Unfamiliar: Counter{9, t0}, FamiliarIPs: []string{"10.0.0.5"}}
	tests := []struct {
		name     string
		in       State
		familiar bool
		ip       string
		want     State
	}{
		{"first success makes the IP familiar", State{}, false, "10.0.0.5", State{FamiliarIPs: []string{"10.0.0.5"}}},
		{"familiar success keeps the unfamiliar lock", locked, true, "10.0.0.5",
			State{Unfamiliar: Counter{9, t0}, FamiliarIPs: []string{"10.0.0.5"}}},
		{"unfamiliar success resets both", locked, false, "203.0.113.9",
			State{FamiliarIPs: []string{"10.0.0.5", "203.0.113.9"}}},
		{"repeat success moves the IP to most recent", State{FamiliarIPs: []string{"a", "10.0.0.5", "b"}}, true, "10.0.0.5",
			State{FamiliarIPs: []string{"a", "b", "10.0.0.5"}}},
		{"no usable IP records nothing", State{Familiar: Counter{1, t0}}, false, "", State{}},
		{"cap drops the least recent", State{FamiliarIPs: ips(MaxFamiliarIPs)}, false, "198.51.100.1",
			State{FamiliarIPs: append(ips(MaxFamiliarIPs)[1:], "198.51.100.1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.in.Clone()
			got := succeed(tt.in, tt.familiar, tt.ip)
			if !equalState(got, tt.want) {
				t.Fatalf("succeed = %+v, want %+v", got, tt.want)
			}
			if !equalState(tt.in, before) {
				t.Fatal("succeed modified its input")
			}
			if len(got.FamiliarIPs) > MaxFamiliarIPs {
				t.Fatalf("%d familiar IPs kept", len(got.FamiliarIPs))
			}
		})
	}
}

func TestCanonicalIP(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"10.0.0.5", "10.0.0.5", true},
		{"::ffff:10.0.0.5", "10.0.0.5", true},
		{"2001:DB8:0:0::1", "2001:db8::1", true},
		{"fe80::1%eth0", "fe80::1", true},
		{"", "", false},
		{"10.0.0.5:443", "", false},
		{"[2001:db8::1]", "", false},
		{"localhost", "", false},
		{"010.0.0.5", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := CanonicalIP(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("CanonicalIP(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func equalState(a, b State) bool {
	eq := func(x, y Counter) bool { return x.Count == y.Count && x.Last.Equal(y.Last) }
	return eq(a.Familiar, b.Familiar) && eq(a.Unfamiliar, b.Unfamiliar) && slices.Equal(a.FamiliarIPs, b.FamiliarIPs)
}

// FuzzCanonicalIP checks that canonical forms are fixed points and bounded.
func FuzzCanonicalIP(f *testing.F) {
	for _, s := range []string{"10.0.0.5", "::ffff:1.2.3.4", "fe80::1%eth0", "2001:db8::1", "", "1.2.3.4.5", "::", "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := CanonicalIP(s)
		if !ok {
			return
		}
		again, ok2 := CanonicalIP(c)
		if !ok2 || again != c || len(c) > maxIPText {
			t.Fatalf("CanonicalIP(%q) = %q, but CanonicalIP(that) = %q, %v", s, c, again, ok2)
		}
	})
}
