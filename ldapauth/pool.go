package ldapauth

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/go-ldap/ldap/v3"
)

// errClientClosed is returned once Close has been called.
var errClientClosed = errors.New("client is closed")

// pooledConn is one LDAP connection and the DC it talks to.
type pooledConn struct {
	ldap *ldap.Conn
	dc   string
	// reused is true when the connection came from the idle set rather
	// than a fresh dial; only those are retried after a network error.
	reused bool
}

// pool is a bounded set of LDAP connections: slots limits how many are in
// use or idle at once, idle holds the ones ready for reuse. Connections are
// health-checked on checkout and replaced when dead.
type pool struct {
	name  string // "search" or "bind", for errors
	dial  func(ctx context.Context) (*pooledConn, error)
	slots chan struct{}
	idle  chan *pooledConn

	mu     sync.Mutex
	closed bool
}

func newPool(name string, size int, dial func(context.Context) (*pooledConn, error)) *pool {
	return &pool{
		name:  name,
		dial:  dial,
		slots: make(chan struct{}, size),
		idle:  make(chan *pooledConn, size),
	}
}

// get checks out a healthy connection, dialing a new one when no idle one
// is usable. Waiting for a free slot is bounded by ctx. The caller must
// hand the connection back with put.
func (p *pool) get(ctx context.Context) (*pooledConn, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("%s pool: waiting for a free connection: %w", p.name, ctx.Err())
	}
	for {
		var c *pooledConn
		select {
		case c = <-p.idle:
		default:
		}
		if c == nil {
			break
		}
		if c.ldap.IsClosing() { // the server or a timeout closed it
			_ = c.ldap.Close()
			continue
		}
		c.reused = true
		return c, nil
	}
	if p.isClosed() {
		<-p.slots
		return nil, errClientClosed
	}
	c, err := p.dial(ctx)
	if err != nil {
		<-p.slots
		return nil, err
	}
	return c, nil
}

// put returns c to the pool; unhealthy connections are closed instead.
func (p *pool) put(c *pooledConn, healthy bool) {
	defer func() { <-p.slots }()
	if healthy && !c.ldap.IsClosing() {
		p.mu.Lock()
		if !p.closed {
			select {
			case p.idle <- c:
				p.mu.Unlock()
				return
			default:
			}
		}
		p.mu.Unlock()
	}
	_ = c.ldap.Close()
}

func (p *pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// close closes every idle connection; connections in use are closed when
// they are put back.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	var idle []*pooledConn
	for {
		select {
		case c := <-p.idle:
			idle = append(idle, c)
			continue
		default:
		}
		break
	}
	p.mu.Unlock()
	for _, c := range idle {
		_ = c.ldap.Close()
	}
}
