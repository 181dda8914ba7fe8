package lockout_test

import (
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/sqlite"
)

// TestPolicy_ConcurrentAttemptsNeverExceedTheBudget fires a burst of
// simultaneous attempts at two nodes sharing one SQLite file: counting
// before the bind means exactly Threshold of them reach the directory,
// however many arrive at once.
func TestPolicy_ConcurrentAttemptsNeverExceedTheBudget(t *testing.T) {
	clk := newClock()
	path := filepath.Join(t.TempDir(), "fedgate.db")
	var nodes []*lockout.Policy
	for range 2 {
		s, err := sqlite.Open(t.Context(), path, store.WithNow(clk.Now))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		p, err := lockout.New(lockout.Config{
			Threshold: 3, FamiliarThreshold: 3, ObservationWindow: time.Hour,
			Store: s, Resolver: &accounts{}, Now: clk.Now,
		})
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, p)
	}
	const burst = 40
	var (
		wg      sync.WaitGroup
		allowed atomic.Int32
		failed  atomic.Int32
	)
	start := make(chan struct{})
	for i := range burst {
		p := nodes[i%len(nodes)]
		wg.Go(func() {
			<-start
			d, err := p.Check(t.Context(), "alice", attacker)
			if err != nil {
				failed.Add(1)
				return
			}
			if d.Allowed {
				allowed.Add(1)
				_ = p.Failure(t.Context(), d) // every guess is wrong
			}
		})
	}
	close(start)
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d Checks failed", failed.Load())
	}
	if got := allowed.Load(); got != 3 {
		t.Fatalf("%d of %d simultaneous attempts reached the directory, want exactly the threshold (3)", got, burst)
	}
}
