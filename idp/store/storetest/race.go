package storetest

import (
	"errors"
	"sync"
	"testing"
)

// race runs op(0) … op(n-1) in n goroutines released together, so that
// they contend for the same rows, and returns their results in index
// order. After all have finished, the errors op returned, if any, fail
// the test as "concurrent <what>: …". An op spreads its calls over
// several stores with i%len(stores).
func race[R any](t *testing.T, what string, n int, op func(i int) (R, error)) []R {
	t.Helper()
	results := make([]R, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			results[i], errs[i] = op(i)
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent %s: %v", what, err)
	}
	return results
}

// wins counts the ops of a race that reported true.
func wins(results []bool) int {
	n := 0
	for _, ok := range results {
		if ok {
			n++
		}
	}
	return n
}
