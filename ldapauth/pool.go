package ldapauth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// idleCheckAfter is how long a pooled connection may sit idle before it is
// checked with a RootDSE read on checkout. A firewall or load balancer that
// silently drops idle flows leaves a connection that looks open; without
// the check the next sign-in would wait Timeout for it. AD itself closes
// LDAP connections after MaxConnIdleTime (15 minutes), which IsClosing
// notices without a check.
const idleCheckAfter = time.Minute

// errClientClosed is returned once Close has been called.
var errClientClosed = errors.New("client is closed")

// allDCs is the "before" argument of poolConfig.dial meaning "any DC".
const allDCs = -1

// pooledConn is one LDAP connection and the DC it talks to.
type pooledConn struct {
	ldap  *ldap.Conn
	dc    int    // index in Config.URLs
	url   string // Config.URLs[dc], for errors and logs
	since time.Time
	// reused is true when the connection came from the idle set rather
	// than a fresh dial; only those are retried after a network error.
	reused bool
}

// poolConfig is what a pool needs from its Client; tests supply fakes.
type poolConfig struct {
	name           string // "search" or "bind", for errors
	size           int
	acquireTimeout time.Duration
	now            func() time.Time
	// dial opens a connection to a DC with index below before (allDCs:
	// any DC).
	dial func(ctx context.Context, before int) (*pooledConn, error)
	// check tells whether an idle connection still answers.
	check func(ctx context.Context, c *pooledConn) error
	// failback reports whether a connection to DC i should be replaced
	// because an earlier DC is up. nil: never.
	failback func(i int) bool
}

// pool is a bounded set of LDAP connections: slots limits how many are in
// use or idle at once, idle holds the ones ready for reuse. Connections are
// checked on checkout and replaced when dead, stale or on a less preferred
// DC than one that is up again.
type pool struct {
	poolConfig
	slots chan struct{}
	idle  chan *pooledConn

	mu     sync.Mutex
	closed bool
}

func newPool(cfg poolConfig) *pool {
	return &pool{
		poolConfig: cfg,
		slots:      make(chan struct{}, cfg.size),
		idle:       make(chan *pooledConn, cfg.size),
	}
}

// get checks out a healthy connection, dialing a new one when no idle one
// is usable. Waiting for a free slot is bounded by acquireTimeout and ctx.
// The caller must hand the connection back with put.
func (p *pool) get(ctx context.Context) (*pooledConn, error) {
	if err := p.acquire(ctx); err != nil {
		return nil, err
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
		if c, ok := p.revive(ctx, c); ok {
			return c, nil
		}
	}
	if p.isClosed() {
		<-p.slots
		return nil, errClientClosed
	}
	c, err := p.dial(ctx, allDCs)
	if err != nil {
		<-p.slots
		return nil, err
	}
	c.since = p.now()
	return c, nil
}

// acquire takes a slot, waiting at most acquireTimeout.
func (p *pool) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(p.acquireTimeout)
	defer t.Stop()
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s pool: waiting for a free connection: %w", p.name, ctx.Err())
	case <-t.C:
		return fmt.Errorf("%s pool: all %d connections stayed busy for %s: %w",
			p.name, p.size, p.acquireTimeout, context.DeadlineExceeded)
	}
}

// revive decides what to do with idle connection c: closed ones are
// dropped, long-idle ones must pass check, and ones on a less preferred DC
// are swapped for a fresh connection to the preferred DC when that dial
// succeeds. ok=false means c was closed and the caller should try the next.
func (p *pool) revive(ctx context.Context, c *pooledConn) (*pooledConn, bool) {
	if c.ldap.IsClosing() { // the server or a timeout closed it
		_ = c.ldap.Close()
		return nil, false
	}
	if p.now().Sub(c.since) >= idleCheckAfter {
		if err := p.check(ctx, c); err != nil {
			_ = c.ldap.Close()
			return nil, false
		}
	}
	if c.dc > 0 && p.failback != nil && p.failback(c.dc) {
		if fresh, err := p.dial(ctx, c.dc); err == nil {
			_ = c.ldap.Close()
			fresh.since = p.now()
			return fresh, true
		}
	}
	c.reused = true
	return c, true
}

// put returns c to the pool; unhealthy connections are closed instead.
func (p *pool) put(c *pooledConn, healthy bool) {
	defer func() { <-p.slots }()
	if healthy && !c.ldap.IsClosing() {
		c.since = p.now()
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
