package ldaptest

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
	"time"
)

// errClosing is returned to TLS clients that connect while Close runs.
var errClosing = errors.New("ldaptest: directory is closing")

// trackingTLS returns a copy of base whose GetConfigForClient records the
// raw connection of every TLS client, so Close can cut idle connections
// (gldap's Stop otherwise waits for clients to hang up). It also clears the
// read deadline that bounded the wait for the ClientHello.
func (d *Directory) trackingTLS(base *tls.Config) *tls.Config {
	cfg := base.Clone()
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	inner := base.GetConfigForClient
	cfg.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		if err := d.track(hello.Conn); err != nil {
			return nil, err
		}
		_ = hello.Conn.SetReadDeadline(time.Time{})
		if inner != nil {
			return inner(hello)
		}
		return nil, nil
	}
	return cfg
}

// track remembers c until it is closed; it refuses c once Close started.
func (d *Directory) track(c net.Conn) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closing {
		_ = c.Close()
		return errClosing
	}
	for old := range d.conns { // forget connections gldap has closed
		if isClosed(old) {
			delete(d.conns, old)
		}
	}
	d.conns[c] = struct{}{}
	return nil
}

// sawClient reports whether a tracked connection came from localAddr.
func (d *Directory) sawClient(localAddr string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for c := range d.conns {
		if c.RemoteAddr().String() == localAddr {
			return true
		}
	}
	return false
}

// isClosed reports whether c's file descriptor has been closed, without
// reading from or writing to it.
func isClosed(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	return rc.Control(func(uintptr) {}) != nil
}

// DropConnections closes every open client connection while the
// directory keeps serving, the way a DC restart or AD's MaxConnIdleTime
// does. Clients must notice and reconnect. It returns how many were closed.
func (d *Directory) DropConnections() int {
	d.mu.Lock()
	conns := make([]net.Conn, 0, len(d.conns))
	for c := range d.conns {
		conns = append(conns, c)
	}
	clear(d.conns)
	d.mu.Unlock()
	n := 0
	for _, c := range conns {
		if c.Close() == nil {
			n++
		}
	}
	return n
}
