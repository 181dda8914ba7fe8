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
	cfg    Config
	dcs    []dc
	log    *slog.Logger
	search *pool // bound as the service account
	bind   *pool // only ever runs user binds

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
	c := &Client{cfg: cfg, dcs: dcs, log: cfg.Logger}
	c.search = newPool("search", cfg.PoolSize, c.dialSearch)
	c.bind = newPool("bind", cfg.PoolSize, c.dialBind)
	return c, nil
}

// Close closes idle connections and makes further calls fail with
// ReasonUnavailable. Connections in use are closed when released.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.search.close()
		c.bind.close()
	})
	return nil
}

// dialBind opens a bind-pool connection: TLS only, no bind yet.
func (c *Client) dialBind(ctx context.Context) (*pooledConn, error) {
	conn, dcURL, err := c.dialAny(ctx)
	if err != nil {
		return nil, unavailableError("", "", err)
	}
	return &pooledConn{ldap: conn, dc: dcURL}, nil
}

// dialSearch opens a search-pool connection and binds it as the service
// account. A rejected service bind is a configuration problem reported as
// ReasonUnavailable; it does not fail over, because another DC of the same
// domain would reject it too.
func (c *Client) dialSearch(ctx context.Context) (*pooledConn, error) {
	conn, dcURL, err := c.dialAny(ctx)
	if err != nil {
		return nil, unavailableError("", "", err)
	}
	pc := &pooledConn{ldap: conn, dc: dcURL}
	err = runOp(ctx, conn, func(conn *ldap.Conn) error {
		return conn.Bind(c.cfg.BindDN, c.cfg.BindPassword)
	})
	if err != nil {
		_ = conn.Close()
		c.log.WarnContext(ctx, "ldapauth: service account bind failed", "dc", dcURL, "bind_dn", c.cfg.BindDN, "err", err)
		return nil, unavailableError(dcURL, ldapDiagnostic(err), fmt.Errorf("service account bind: %w", err))
	}
	return pc, nil
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
			return pc.dc, err
		}
		c.log.DebugContext(ctx, "ldapauth: pooled connection failed, retrying on a new one", "dc", pc.dc, "err", err)
	}
}
