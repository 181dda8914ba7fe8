package rp_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/fedgate/fedgate/idp/rp"
)

func wsfedParty(name, realm, reply string) rp.Party {
	return rp.Party{Name: name, Identifiers: []string{realm}, ReplyURLs: []string{reply}}
}

func mustRegistry(t *testing.T, parties ...rp.Party) *rp.Registry {
	t.Helper()
	r, err := rp.NewRegistry(parties...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLive_ZeroValueIsEmpty(t *testing.T) {
	for name, l := range map[string]*rp.Live{"zero": {}, "NewLive(nil)": rp.NewLive(nil)} {
		t.Run(name, func(t *testing.T) {
			if _, err := l.Lookup(rp.Office365Realm); !errors.Is(err, rp.ErrUnknownParty) {
				t.Errorf("Lookup err = %v, want ErrUnknownParty", err)
			}
			if got := l.Parties(); len(got) != 0 {
				t.Errorf("Parties = %d, want 0", len(got))
			}
			if l.IsReplyURL(rp.Office365ReplyURL) {
				t.Error("IsReplyURL = true on an empty registry")
			}
			if l.Registry() != nil {
				t.Error("Registry() != nil before the first Swap")
			}
		})
	}
}

func TestLive_SwapReplacesEveryRead(t *testing.T) {
	first := mustRegistry(t, rp.Office365(rp.MFAAlways))
	second := mustRegistry(t, wsfedParty("App", "urn:app", "https://app.example.com/"))
	l := rp.NewLive(first)
	if _, err := l.Lookup(rp.Office365Realm); err != nil {
		t.Fatalf("Lookup before swap: %v", err)
	}
	if !l.IsReplyURL(rp.Office365ReplyURL) {
		t.Fatal("IsReplyURL(Office 365) = false before swap")
	}
	if old := l.Swap(second); old != first {
		t.Fatalf("Swap returned %p, want the first registry %p", old, first)
	}
	if _, err := l.Lookup(rp.Office365Realm); !errors.Is(err, rp.ErrUnknownParty) {
		t.Errorf("Office 365 still trusted after swap: err = %v", err)
	}
	if l.IsReplyURL(rp.Office365ReplyURL) {
		t.Error("Office 365 reply URL still accepted after swap")
	}
	p, err := l.Lookup("urn:app")
	if err != nil || p.Name != "App" {
		t.Fatalf("Lookup(urn:app) = %v, %v", p, err)
	}
	if got := l.Parties(); len(got) != 1 || got[0].Name != "App" {
		t.Errorf("Parties = %v", got)
	}
	if l.Registry() != second {
		t.Error("Registry() is not the swapped-in registry")
	}
	l.Swap(nil)
	if _, err := l.Lookup("urn:app"); !errors.Is(err, rp.ErrUnknownParty) {
		t.Errorf("Swap(nil) must fail closed: err = %v", err)
	}
}

// TestLive_ConcurrentReadsAndSwaps is for the race detector: readers see
// one whole registry or the other, never a mix.
func TestLive_ConcurrentReadsAndSwaps(t *testing.T) {
	a := mustRegistry(t, wsfedParty("A", "urn:a", "https://a.example.com/"))
	b := mustRegistry(t, wsfedParty("B", "urn:b", "https://b.example.com/"))
	l := rp.NewLive(a)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 500 {
				reg := l.Registry()
				_, errA := reg.Lookup("urn:a")
				_, errB := reg.Lookup("urn:b")
				if (errA == nil) == (errB == nil) {
					t.Error("a registry snapshot holds both or neither party")
					return
				}
				l.Lookup("urn:a")
				l.IsReplyURL("https://b.example.com/")
			}
		})
	}
	for i := range 500 {
		if i%2 == 0 {
			l.Swap(b)
		} else {
			l.Swap(a)
		}
	}
	wg.Wait()
}
