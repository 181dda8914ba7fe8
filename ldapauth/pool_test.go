package ldapauth

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// pipeDialer hands out go-ldap connections over in-memory pipes whose far
// end is kept open (and closed at test end) and counts dials.
type pipeDialer struct {
	t     *testing.T
	dials atomic.Int32
	fail  error
}

func (p *pipeDialer) dial(context.Context) (*pooledConn, error) {
	p.t.Helper()
	if p.fail != nil {
		return nil, p.fail
	}
	p.dials.Add(1)
	client, server := net.Pipe()
	conn := ldap.NewConn(client, true)
	conn.Start()
	p.t.Cleanup(func() { _ = conn.Close(); _ = server.Close() })
	return &pooledConn{ldap: conn, dc: "pipe"}, nil
}

func TestPool_ReusesHealthyConnections(t *testing.T) {
	d := &pipeDialer{t: t}
	p := newPool("test", 2, d.dial)
	c1, err := p.get(t.Context())
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if c1.reused {
		t.Error("fresh connection marked reused")
	}
	p.put(c1, true)
	c2, err := p.get(t.Context())
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if c2 != c1 || !c2.reused {
		t.Error("idle connection was not reused")
	}
	p.put(c2, false) // unhealthy: closed, not kept
	c3, err := p.get(t.Context())
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if c3 == c1 || d.dials.Load() != 2 {
		t.Errorf("after an unhealthy put: reused=%v dials=%d, want a new dial", c3 == c1, d.dials.Load())
	}
	p.put(c3, true)
}

func TestPool_DiscardsClosedConnectionsOnCheckout(t *testing.T) {
	d := &pipeDialer{t: t}
	p := newPool("test", 1, d.dial)
	c1, _ := p.get(t.Context())
	p.put(c1, true)
	_ = c1.ldap.Close() // the DC hung up while idle
	c2, err := p.get(t.Context())
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if c2 == c1 || d.dials.Load() != 2 {
		t.Fatal("closed idle connection was handed out")
	}
	p.put(c2, true)
}

func TestPool_AcquireIsBoundedByContext(t *testing.T) {
	d := &pipeDialer{t: t}
	p := newPool("test", 1, d.dial)
	held, err := p.get(t.Context())
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := p.get(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("get on a full pool with a cancelled context = %v, want context.Canceled", err)
	}
	p.put(held, true)
	again, err := p.get(t.Context())
	if err != nil {
		t.Fatalf("get after put: %v", err)
	}
	p.put(again, true)
}

func TestPool_DialErrorReleasesSlot(t *testing.T) {
	d := &pipeDialer{t: t, fail: errors.New("boom")}
	p := newPool("test", 1, d.dial)
	for range 3 { // would block on the second call if the slot leaked
		if _, err := p.get(t.Context()); err == nil {
			t.Fatal("get succeeded with a failing dialer")
		}
	}
}

func TestPool_CloseClosesIdleAndLateReturns(t *testing.T) {
	d := &pipeDialer{t: t}
	p := newPool("test", 2, d.dial)
	idle, _ := p.get(t.Context())
	busy, _ := p.get(t.Context())
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
