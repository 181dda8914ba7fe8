package ldapauth

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// dc is one domain controller with its TLS settings, built once by New.
type dc struct {
	index int
	url   serverURL
	tls   *tls.Config // nil for InsecurePlaintextLDAP URLs
}

// dcState is the failover state of one DC, guarded by Client.dcMu.
type dcState struct {
	down      bool      // the last dial or TLS handshake failed
	downUntil time.Time // no probe before then
	probing   bool      // a background probe is running
}

// newDCs parses the configured URLs and builds one TLS config per DC:
// TLS 1.2 minimum, the pinned roots, and ServerName defaulting to the host.
func newDCs(cfg Config) ([]dc, error) {
	dcs := make([]dc, 0, len(cfg.URLs))
	for i, raw := range cfg.URLs {
		u, err := parseServerURL(raw, cfg.StartTLS, cfg.InsecurePlaintextLDAP)
		if err != nil {
			return nil, fmt.Errorf("ldapauth: URLs[%d] %q: %w", i, raw, err)
		}
		d := dc{index: i, url: u}
		if !u.plaintext {
			name := cfg.ServerName
			if name == "" {
				name = u.host
			}
			d.tls = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: cfg.RootCAs, ServerName: name}
		}
		dcs = append(dcs, d)
	}
	return dcs, nil
}

// dialOrder lists the DC indexes below before to try, in configured order:
// first those not marked down, then (unless upOnly) the down ones as a
// last resort, so a recovered DC is found even when every DC had failed.
// A down DC comes back into the first group only when a background probe
// or a last-resort dial reaches it; no user request waits on a DC that
// is merely out of its back-off.
func (c *Client) dialOrder(before int, upOnly bool) []int {
	c.dcMu.Lock()
	defer c.dcMu.Unlock()
	var up, down []int
	for i := 0; i < before && i < len(c.dcs); i++ {
		if c.dcState[i].down {
			down = append(down, i)
		} else {
			up = append(up, i)
		}
	}
	if upOnly {
		return up
	}
	return append(up, down...)
}

// markDown marks DC i down after a dial or TLS failure; a background probe
// may try it again after RetryInterval.
func (c *Client) markDown(ctx context.Context, i int, cause error) {
	c.dcMu.Lock()
	s := &c.dcState[i]
	was := s.down
	s.down, s.downUntil = true, c.cfg.Now().Add(c.cfg.RetryInterval)
	c.dcMu.Unlock()
	if !was {
		c.log.WarnContext(ctx, "ldapauth: domain controller unreachable; using the next one",
			"dc", c.dcs[i].url.raw, "retry_in", c.cfg.RetryInterval, "err", cause)
	}
}

// markUp records that DC i answered.
func (c *Client) markUp(ctx context.Context, i int) {
	c.dcMu.Lock()
	s := &c.dcState[i]
	was := s.down
	s.down = false
	c.dcMu.Unlock()
	if was {
		c.log.InfoContext(ctx, "ldapauth: domain controller reachable again", "dc", c.dcs[i].url.raw)
	}
}

// failbackReady reports whether a connection to DC i should be replaced
// because an earlier, preferred DC is up. For earlier DCs whose back-off
// has expired it starts one background probe each, so that no sign-in
// waits for a dead DC's dial timeout; the probe marks the DC up and a
// later checkout moves over.
func (c *Client) failbackReady(i int) bool {
	c.dcMu.Lock()
	defer c.dcMu.Unlock()
	now := c.cfg.Now()
	for j := 0; j < i && j < len(c.dcState); j++ {
		s := &c.dcState[j]
		if !s.down {
			return true
		}
		if !s.probing && !now.Before(s.downUntil) && !c.closed {
			s.probing = true
			c.probes.Add(1)
			go c.probe(j)
		}
	}
	return false
}

// probe dials DC j (TCP and TLS, no bind) and records the outcome.
func (c *Client) probe(j int) {
	defer c.probes.Done()
	conn, err := c.dialDC(c.bg, c.dcs[j])
	if err == nil {
		_ = conn.Close()
		c.markUp(c.bg, j)
	} else {
		c.markDown(c.bg, j, err)
	}
	c.dcMu.Lock()
	c.dcState[j].probing = false
	c.dcMu.Unlock()
}

// dialAny connects to the first DC below index before that accepts a TCP
// connection and completes TLS, in dialOrder. Only dial and TLS failures
// move on to the next DC. With upOnly, backed-off DCs are not tried (used
// when moving back to a preferred DC). The returned error joins every
// DC's failure.
func (c *Client) dialAny(ctx context.Context, before int, upOnly bool) (*ldap.Conn, dc, error) {
	var errs []error
	for _, i := range c.dialOrder(before, upOnly) {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		d := c.dcs[i]
		conn, err := c.dialDC(ctx, d)
		if err == nil {
			c.markUp(ctx, i)
			return conn, d, nil
		}
		if ctx.Err() == nil { // our own cancellation says nothing about the DC
			c.markDown(ctx, i, err)
		}
		c.log.DebugContext(ctx, "ldapauth: domain controller unreachable", "dc", d.url.raw, "err", err)
		errs = append(errs, fmt.Errorf("%s: %w", d.url.raw, err))
	}
	if len(errs) == 0 {
		errs = append(errs, errors.New("no domain controller to try"))
	}
	return nil, dc{}, errors.Join(errs...)
}

// dialDC opens one LDAP connection: LDAPS, or StartTLS as the very first
// operation, or (InsecurePlaintextLDAP only) plain TCP. Connect and
// handshake together are bounded by DialTimeout and ctx.
func (c *Client) dialDC(ctx context.Context, d dc) (*ldap.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	defer cancel()

	var nd net.Dialer
	raw, err := nd.DialContext(dctx, "tcp", d.url.addr)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	switch {
	case d.url.ldaps:
		tc := tls.Client(raw, d.tls)
		if err := tc.HandshakeContext(dctx); err != nil {
			_ = raw.Close()
			return nil, fmt.Errorf("tls handshake: %w", err)
		}
		conn := ldap.NewConn(tc, true)
		conn.Start()
		conn.SetTimeout(c.cfg.Timeout)
		return conn, nil
	case d.url.plaintext:
		conn := ldap.NewConn(raw, false)
		conn.Start()
		conn.SetTimeout(c.cfg.Timeout)
		return conn, nil
	}

	tc, err := startTLS(dctx, raw, d.tls)
	if err != nil {
		_ = raw.Close()
		return nil, fmt.Errorf("starttls: %w", err)
	}
	conn := ldap.NewConn(tc, true)
	conn.Start()
	conn.SetTimeout(c.cfg.Timeout)
	return conn, nil
}
