package ldapauth

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestDialOrder_TriesDownDCsLastUntilTheyAnswer(t *testing.T) {
	clock := newFakeClock()
	cfg := validConfig()
	cfg.URLs = []string{"ldaps://dc1", "ldaps://dc2", "ldaps://dc3"}
	cfg.Now = clock.now
	cfg.RetryInterval = time.Minute
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx := t.Context()

	check := func(name string, before int, upOnly bool, want []int) {
		t.Helper()
		if got := c.dialOrder(before, upOnly); !slices.Equal(got, want) {
			t.Errorf("%s: dialOrder(%d, %v) = %v, want %v", name, before, upOnly, got, want)
		}
	}
	check("healthy", 3, false, []int{0, 1, 2})
	c.markDown(ctx, 0, errors.New("refused"))
	check("dc1 down: tried last", 3, false, []int{1, 2, 0})
	check("dc1 down: not a failback target", 1, true, nil)
	clock.advance(time.Hour)
	check("back-off over, not yet probed: still last", 3, false, []int{1, 2, 0})
	check("back-off over, not yet probed: still no failback target", 1, true, nil)
	c.markDown(ctx, 1, errors.New("refused"))
	check("two down", 3, false, []int{2, 0, 1})
	c.markUp(ctx, 0)
	check("dc1 answered again", 3, false, []int{0, 2, 1})
	check("dc1 is a failback target", 2, true, []int{0})
	if !c.failbackReady(2) {
		t.Error("failbackReady(2) = false with dc1 up")
	}
	if c.failbackReady(0) {
		t.Error("failbackReady(0) = true: nothing is preferred over the first DC")
	}
}
