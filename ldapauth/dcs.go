package ldapauth

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"github.com/go-ldap/ldap/v3"
)

// dc is one domain controller with its TLS settings, built once by New.
type dc struct {
	url serverURL
	tls *tls.Config
}

// newDCs parses the configured URLs and builds one TLS config per DC:
// TLS 1.2 minimum, the pinned roots, and ServerName defaulting to the host.
func newDCs(cfg Config) ([]dc, error) {
	dcs := make([]dc, 0, len(cfg.URLs))
	for i, raw := range cfg.URLs {
		u, err := parseServerURL(raw, cfg.StartTLS)
		if err != nil {
			return nil, fmt.Errorf("ldapauth: URLs[%d] %q: %w", i, raw, err)
		}
		name := cfg.ServerName
		if name == "" {
			name = u.host
		}
		dcs = append(dcs, dc{url: u, tls: &tls.Config{
			MinVersion: tls.VersionTLS12,
			RootCAs:    cfg.RootCAs,
			ServerName: name,
		}})
	}
	return dcs, nil
}

// dialAny connects to the first DC that accepts a TCP connection and
// completes TLS, in configured order. Only dial and TLS failures move on to
// the next DC. The returned error joins every DC's failure.
func (c *Client) dialAny(ctx context.Context) (*ldap.Conn, string, error) {
	var errs []error
	for _, d := range c.dcs {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		conn, err := c.dialDC(ctx, d)
		if err == nil {
			return conn, d.url.raw, nil
		}
		c.log.DebugContext(ctx, "ldapauth: domain controller unreachable", "dc", d.url.raw, "err", err)
		errs = append(errs, fmt.Errorf("%s: %w", d.url.raw, err))
	}
	return nil, "", errors.Join(errs...)
}

// dialDC opens one TLS-protected LDAP connection: LDAPS, or StartTLS as the
// very first operation. Connect and handshake together are bounded by
// DialTimeout and ctx.
func (c *Client) dialDC(ctx context.Context, d dc) (*ldap.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	defer cancel()

	var nd net.Dialer
	raw, err := nd.DialContext(dctx, "tcp", d.url.addr)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	if d.url.ldaps {
		tc := tls.Client(raw, d.tls)
		if err := tc.HandshakeContext(dctx); err != nil {
			_ = raw.Close()
			return nil, fmt.Errorf("tls handshake: %w", err)
		}
		conn := ldap.NewConn(tc, true)
		conn.Start()
		conn.SetTimeout(c.cfg.Timeout)
		return conn, nil
	}

	// StartTLS: go-ldap's StartTLS has no deadline of its own, so closing
	// the socket when dctx ends is what bounds it.
	stop := context.AfterFunc(dctx, func() { _ = raw.Close() })
	conn := ldap.NewConn(raw, false)
	conn.Start()
	conn.SetTimeout(c.cfg.Timeout)
	err = conn.StartTLS(d.tls)
	if !stop() {
		_ = conn.Close()
		return nil, fmt.Errorf("starttls: %w", dctx.Err())
	}
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("starttls: %w", err)
	}
	if _, ok := conn.TLSConnectionState(); !ok {
		_ = conn.Close()
		return nil, errors.New("starttls: connection is not encrypted")
	}
	return conn, nil
}
