package ldapauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/go-ldap/ldap/v3"
)

// Client authenticates users against Active Directory. It is safe for
// concurrent use. Create it with New and release it with Close.
type Client struct {
	cfg      Config
	dcs      []dc
	log      *slog.Logger
	search   *pool // bound as the service account
	bind     *pool // only ever runs user binds
	userAttr []string
	sids     *sidCache // group SID -> DN, for GroupLookupTokenGroups

	dcMu    sync.Mutex
	dcState []dcState
	closed  bool // guarded by dcMu: no new probes once set

	bg     context.Context // cancelled by Close; background probes run under it
	stopBG context.CancelFunc
	probes sync.WaitGroup

	closeOnce sync.Once
}

// New validates cfg, applies defaults and returns a Client. It performs no
// network I/O: connections are dialed on first use.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	dcs, err := newDCs(cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:      cfg,
		dcs:      dcs,
		log:      cfg.Logger,
		dcState:  make([]dcState, len(dcs)),
		userAttr: userAttributes(cfg),
		sids:     newSIDCache(),
	}
	c.bg, c.stopBG = context.WithCancel(context.Background())
	for _, d := range dcs {
		if d.url.plaintext {
			c.log.Warn("ldapauth: INSECURE: InsecurePlaintextLDAP is set; passwords to this domain controller cross the network in clear text",
				"dc", d.url.raw)
		}
	}
	c.search = newPool(poolConfig{
		name: "search", size: cfg.PoolSize, acquireTimeout: cfg.AcquireTimeout, now: cfg.Now,
		dial: c.dialSearch, check: c.check, failback: c.failbackReady,
	})
	c.bind = newPool(poolConfig{
		name: "bind", size: cfg.PoolSize, acquireTimeout: cfg.AcquireTimeout, now: cfg.Now,
		dial: c.dialBind, check: c.check, failback: c.failbackReady,
	})
	return c, nil
}

// Close stops background DC probes, closes idle connections and makes
// further calls fail with ReasonUnavailable. Connections in use are closed
// when released.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.dcMu.Lock()
		c.closed = true
		c.dcMu.Unlock()
		c.stopBG()
		c.probes.Wait()
		c.search.close()
		c.bind.close()
	})
	return nil
}

// limit turns a pool's "before" argument into a DC index bound.
func (c *Client) limit(before int) (n int, upOnly bool) {
	if before == allDCs || before > len(c.dcs) {
		return len(c.dcs), false
	}
	return before, true
}

// dialBind opens a bind-pool connection: TLS only, no bind yet.
func (c *Client) dialBind(ctx context.Context, before int) (*pooledConn, error) {
	n, upOnly := c.limit(before)
	conn, d, err := c.dialAny(ctx, n, upOnly)
	if err != nil {
		return nil, unavailableError("", "", err)
	}
	return &pooledConn{ldap: conn, dc: d.index, url: d.url.raw}, nil
}

// dialSearch opens a search-pool connection and binds it as the service
// account. A rejected service bind is a configuration problem reported as
// ReasonUnavailable; it does not fail over, because another DC of the same
// domain would reject it too. When moving back to a preferred DC (before
// is set) the DC is backed off instead, and the caller keeps its current
// connection.
func (c *Client) dialSearch(ctx context.Context, before int) (*pooledConn, error) {
	n, upOnly := c.limit(before)
	conn, d, err := c.dialAny(ctx, n, upOnly)
	if err != nil {
		return nil, unavailableError("", "", err)
	}
	pc := &pooledConn{ldap: conn, dc: d.index, url: d.url.raw}
	err = runOp(ctx, conn, func(conn *ldap.Conn) error {
		return conn.Bind(c.cfg.BindDN, c.cfg.BindPassword)
	})
	if err != nil {
		_ = conn.Close()
		if upOnly {
			c.markDown(ctx, d.index, err)
		}
		c.log.WarnContext(ctx, "ldapauth: service account bind failed", "dc", d.url.raw, "bind_dn", c.cfg.BindDN, "err", err)
		return nil, unavailableError(d.url.raw, ldapDiagnostic(err), fmt.Errorf("service account bind: %w", err))
	}
	return pc, nil
}

// rootDSE is the cheapest read a DC answers on any connection, bound or
// not: the root DSE with no attributes.
var rootDSE = &ldap.SearchRequest{
	BaseDN: "", Scope: ldap.ScopeBaseObject, DerefAliases: ldap.NeverDerefAliases,
	SizeLimit: 1, Filter: "(objectClass=*)", Attributes: []string{"1.1"},
}

// check reads the root DSE to prove an idle connection still answers.
func (c *Client) check(ctx context.Context, pc *pooledConn) error {
	return runOp(ctx, pc.ldap, func(conn *ldap.Conn) error {
		_, err := conn.Search(rootDSE)
		return err
	})
}

// runOp runs fn on conn and aborts it by closing conn if ctx ends first.
// The per-operation Timeout is enforced by go-ldap itself (SetTimeout).
func runOp(ctx context.Context, conn *ldap.Conn, fn func(*ldap.Conn) error) error {
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	err := fn(conn)
	if !stop() && err != nil {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}

// keepConn reports whether conn is still usable after fn returned err:
// yes after success or an LDAP result from the server (bind failures,
// size limit), no after anything client-side (network, timeout, decoding).
func keepConn(err error) bool {
	if err == nil || errors.Is(err, ldap.ErrSizeLimitExceeded) {
		return true
	}
	var le *ldap.Error
	return errors.As(err, &le) && le.ResultCode > 0 && le.ResultCode < 200 && !isServerTrouble(le.ResultCode)
}

// isServerTrouble lists result codes after which the connection (or DC) is
// suspect: busy, unavailable, unwilling, other, and the server's notice of
// disconnection.
func isServerTrouble(code uint16) bool {
	switch code {
	case ldap.LDAPResultBusy, ldap.LDAPResultUnavailable, ldap.LDAPResultUnwillingToPerform,
		ldap.LDAPResultOther, ldap.LDAPResultOperationsError, ldap.LDAPResultProtocolError:
		return true
	}
	return false
}

// withConn checks out a connection from p, runs fn and returns the
// connection. When a reused connection fails at the network level (a DC
// restart or idle timeout closed it behind our back) fn is retried once on
// a fresh connection.
func (c *Client) withConn(ctx context.Context, p *pool, fn func(*ldap.Conn) error) (dcURL string, err error) {
	for attempt := 0; ; attempt++ {
		pc, err := p.get(ctx)
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				return "", e
			}
			return "", unavailableError("", "", err)
		}
		err = runOp(ctx, pc.ldap, fn)
		keep := keepConn(err)
		p.put(pc, keep)
		if keep || !pc.reused || attempt > 0 || ctx.Err() != nil {
			return pc.url, err
		}
		c.log.DebugContext(ctx, "ldapauth: pooled connection failed, retrying on a new one", "dc", pc.url, "err", err)
	}
}
