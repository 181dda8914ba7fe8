package ldaptest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// relayDialTimeout bounds the relay's connection to its target.
const relayDialTimeout = 5 * time.Second

// Relay forwards TCP connections from a loopback address of its own to a
// target: a Directory's Addr or a real domain controller. Tests switch it
// Down and Up to make a domain controller disappear and come back at the
// same address; TLS passes through untouched, so the target's certificate
// must cover 127.0.0.1. Its methods are safe for concurrent use.
type Relay struct {
	target   string
	addr     string
	accepted atomic.Int64

	mu     sync.Mutex
	ln     net.Listener // nil while down
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// StartRelay listens on a free 127.0.0.1 port and forwards every
// connection to target ("host:port"). Call Close to stop it.
func StartRelay(target string) (*Relay, error) {
	if _, _, err := net.SplitHostPort(target); err != nil {
		return nil, fmt.Errorf("ldaptest: relay target %q: %w", target, err)
	}
	r := &Relay{target: target, addr: "127.0.0.1:0", conns: map[net.Conn]struct{}{}}
	if err := r.Up(); err != nil {
		return nil, err
	}
	return r, nil
}

// Addr is the relay's "127.0.0.1:port"; it stays the same across Down and
// Up.
func (r *Relay) Addr() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addr
}

// Accepted counts the client connections accepted so far.
func (r *Relay) Accepted() int64 { return r.accepted.Load() }

// Up starts listening again (on the same port after Down). It is a no-op
// while up.
func (r *Relay) Up() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errors.New("ldaptest: relay is closed")
	}
	if r.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		return fmt.Errorf("ldaptest: relay listen on %s: %w", r.addr, err)
	}
	r.ln, r.addr = ln, ln.Addr().String()
	r.wg.Go(func() { r.accept(ln) })
	return nil
}

// Down stops listening, so new connections are refused, and cuts every
// relayed connection, like a domain controller that was switched off.
func (r *Relay) Down() {
	r.mu.Lock()
	ln := r.ln
	r.ln = nil
	conns := make([]net.Conn, 0, len(r.conns))
	for c := range r.conns {
		conns = append(conns, c)
	}
	clear(r.conns)
	r.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
	for _, c := range conns {
		_ = c.Close()
	}
}

// Close takes the relay down for good and waits for its goroutines.
func (r *Relay) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.Down()
	r.wg.Wait()
	return nil
}

func (r *Relay) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		r.accepted.Add(1)
		r.wg.Go(func() { r.relay(c) })
	}
}

// track remembers c so Down can cut it; it refuses c while down.
func (r *Relay) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln == nil {
		return false
	}
	r.conns[c] = struct{}{}
	return true
}

func (r *Relay) untrack(c net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.conns, c)
}

// relay copies bytes both ways between client and the target until either
// side closes.
func (r *Relay) relay(client net.Conn) {
	defer client.Close()
	if !r.track(client) {
		return
	}
	defer r.untrack(client)
	server, err := net.DialTimeout("tcp", r.target, relayDialTimeout)
	if err != nil {
		return
	}
	defer server.Close()
	if !r.track(server) {
		return
	}
	defer r.untrack(server)
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go cp(server, client)
	go cp(client, server)
	<-done
	_ = client.Close()
	_ = server.Close()
	<-done
}
