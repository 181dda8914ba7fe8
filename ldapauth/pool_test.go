package ldapauth

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// pipeDialer hands out go-ldap connections over in-memory pipes whose far
// end is kept open (and closed at test end) and counts dials. Connections
// go to DC index dc; calls with before <= dc fail like a dead preferred DC
// unless preferredUp is set, in which case they get DC 0.
type pipeDialer struct {
	t           *testing.T
	dials       atomic.Int32
	fail        error
	dc          int
	preferredUp bool
}

func (p *pipeDialer) dial(_ context.Context, before int) (*pooledConn, error) {
	p.t.Helper()
	if p.fail != nil {
		return nil, p.fail
	}
	dc := p.dc
	if before != allDCs {
		if !p.preferredUp {
			return nil, errors.New("preferred DC still down")
		}
		dc = 0
	}
	p.dials.Add(1)
	client, server := net.Pipe()
	conn := ldap.NewConn(client, true)
	conn.Start()
	p.t.Cleanup(func() { _ = conn.Close(); _ = server.Close() })
	return &pooledConn{ldap: conn, dc: dc, url: "pipe"}, nil
}

// fakeClock is a settable clock for tests.
type fakeClock struct{ t atomic.Pointer[time.Time] }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.set(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	return c
}

func (c *fakeClock) now() time.Time          { return *c.t.Load() }
func (c *fakeClock) set(t time.Time)         { c.t.Store(&t) }
func (c *fakeClock) advance(d time.Duration) { c.set(c.now().Add(d)) }

// newTestPool builds a pool of size over d with a fake clock; mutate may
// adjust the config.
func newTestPool(d *pipeDialer, size int, clock *fakeClock, mutate func(*poolConfig)) *pool {
	cfg := poolConfig{
		name: "test", size: size, acquireTimeout: time.Minute, now: clock.now,
		dial:  d.dial,
		check: func(context.Context, *pooledConn) error { return nil },
	}
	if mutate != nil {
		mutate(&cfg)
	}
	return newPool(cfg)
}

func mustGet(t *testing.T, p *pool) *pooledConn {
	t.Helper()
	c, err := p.get(t.Context())
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	return c
}

func TestPool_ReusesHealthyConnections(t *testing.T) {
	d := &pipeDialer{t: t}
	p := newTestPool(d, 2, newFakeClock(), nil)
	c1 := mustGet(t, p)
	if c1.reused {
		t.Error("fresh connection marked reused")
	}
	p.put(c1, true)
	c2 := mustGet(t, p)
	if c2 != c1 || !c2.reused {
		t.Error("idle connection was not reused")
	}
	p.put(c2, false) // unhealthy: closed, not kept
	c3 := mustGet(t, p)
	if c3 == c1 || d.dials.Load() != 2 {
		t.Errorf("after an unhealthy put: reused=%v dials=%d, want a new dial", c3 == c1, d.dials.Load())
	}
	p.put(c3, true)
}

func TestPool_DiscardsClosedConnectionsOnCheckout(t *testing.T) {
	d := &pipeDialer{t: t}
	p := newTestPool(d, 1, newFakeClock(), nil)
	c1 := mustGet(t, p)
	p.put(c1, true)
	_ = c1.ldap.Close() // the DC hung up while idle
	c2 := mustGet(t, p)
	if c2 == c1 || d.dials.Load() != 2 {
		t.Fatal("closed idle connection was handed out")
	}
	p.put(c2, true)
}

func TestPool_ChecksLongIdleConnections(t *testing.T) {
	tests := []struct {
		name      string
		idle      time.Duration
		checkErr  error
		wantCheck bool
		wantReuse bool
	}{
		{"recently used: no check", idleCheckAfter - time.Second, nil, false, true},
		{"long idle and answering: reused", idleCheckAfter, nil, true, true},
		{"long idle and silent: replaced", 2 * idleCheckAfter, errors.New("timeout"), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &pipeDialer{t: t}
			clock := newFakeClock()
			checked := false
			p := newTestPool(d, 1, clock, func(c *poolConfig) {
				c.check = func(context.Context, *pooledConn) error { checked = true; return tt.checkErr }
			})
			c1 := mustGet(t, p)
			p.put(c1, true)
			clock.advance(tt.idle)
			c2 := mustGet(t, p)
			defer p.put(c2, true)
			if checked != tt.wantCheck {
				t.Errorf("checked = %v, want %v", checked, tt.wantCheck)
			}
			if (c2 == c1) != tt.wantReuse {
				t.Errorf("reused = %v, want %v", c2 == c1, tt.wantReuse)
			}
			if !tt.wantReuse && !c1.ldap.IsClosing() {
				t.Error("the dead connection was not closed")
			}
		})
	}
}

func TestPool_MovesBackToPreferredDC(t *testing.T) {
	tests := []struct {
		name        string
		failback    bool // an earlier DC is up
		preferredUp bool // and the dial to it works
		wantDC      int
	}{
		{"earlier DC still backed off: keep", false, false, 1},
		{"earlier DC up: replace", true, true, 0},
		{"earlier DC up but dial fails: keep", true, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &pipeDialer{t: t, dc: 1, preferredUp: tt.preferredUp}
			p := newTestPool(d, 1, newFakeClock(), func(c *poolConfig) {
				c.failback = func(i int) bool { return i > 0 && tt.failback }
			})
			c1 := mustGet(t, p)
			p.put(c1, true)
			c2 := mustGet(t, p)
			defer p.put(c2, true)
			if c2.dc != tt.wantDC {
				t.Errorf("connection to DC %d, want %d", c2.dc, tt.wantDC)
			}
			if replaced := c2 != c1; replaced != c1.ldap.IsClosing() {
				t.Errorf("replaced = %v but old connection closing = %v", replaced, c1.ldap.IsClosing())
			}
		})
	}
}

func TestPool_AcquireIsBoundedByContext(t *testing.T) {
	d := &pipeDialer{t: t}
	p := newTestPool(d, 1, newFakeClock(), nil)
	held := mustGet(t, p)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := p.get(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("get on a full pool with a cancelled context = %v, want context.Canceled", err)
	}
	p.put(held, true)
	again := mustGet(t, p)
	p.put(again, true)
}

func TestPool_AcquireIsBoundedByAcquireTimeout(t *testing.T) {
	d := &pipeDialer{t: t}
	p := newTestPool(d, 1, newFakeClock(), func(c *poolConfig) { c.acquireTimeout = time.Millisecond })
	held := mustGet(t, p)
	defer p.put(held, true)
	_, err := p.get(t.Context())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("get on a full pool = %v, want context.DeadlineExceeded", err)
	}
}

func TestPool_DialErrorReleasesSlot(t *testing.T) {
	d := &pipeDialer{t: t, fail: errors.New("boom")}
	p := newTestPool(d, 1, newFakeClock(), nil)
	for range 3 { // would block on the second call if the slot leaked
		if _, err := p.get(t.Context()); err == nil {
			t.Fatal("get succeeded with a failing dialer")
		}
	}
}

func TestPool_CloseClosesIdleAndLateReturns(t *testing.T) {
	d := &pipeDialer{t: t}
	p := newTestPool(d, 2, newFakeClock(), nil)
	idle := mustGet(t, p)
	busy := mustGet(t, p)
	p.put(idle, true)
	p.close()
	if !idle.ldap.IsClosing() {
		t.Error("idle connection not closed by close()")
	}
	p.put(busy, true)
	if !busy.ldap.IsClosing() {
		t.Error("connection returned after close() was kept open")
	}
	if _, err := p.get(t.Context()); !errors.Is(err, errClientClosed) {
		t.Errorf("get after close = %v, want errClientClosed", err)
	}
}

func TestKeepConn(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"success", nil, true},
		{"invalid credentials", ldap.NewError(ldap.LDAPResultInvalidCredentials, errors.New("data 52e")), true},
		{"size limit (client side)", ldap.ErrSizeLimitExceeded, true},
		{"size limit (server)", ldap.NewError(ldap.LDAPResultSizeLimitExceeded, errors.New("")), true},
		{"network", ldap.NewError(ldap.ErrorNetwork, errors.New("connection closed")), false},
		{"busy", ldap.NewError(ldap.LDAPResultBusy, errors.New("")), false},
		{"unavailable", ldap.NewError(ldap.LDAPResultUnavailable, errors.New("")), false},
		{"plain error", errors.New("x"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := keepConn(tt.err); got != tt.want {
				t.Errorf("keepConn(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
