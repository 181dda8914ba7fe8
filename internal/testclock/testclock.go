// Package testclock is the settable clock tests inject wherever fedgate
// takes a `Now func() time.Time`. It is safe for concurrent use, so a
// server under test may read it while the test moves it.
package testclock

import (
	"sync"
	"time"
)

// Clock is a fake clock that moves only when told to.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock stopped at t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time; pass the method value as a Now option.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock forward (or back, for a negative d).
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Advance is Add, under the name some tests read better with.
func (c *Clock) Advance(d time.Duration) { c.Add(d) }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
